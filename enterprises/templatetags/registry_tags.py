"""Template helpers of the registry that other pages may use too: the warning badge and the contact phone
as the viewer may see it."""

from django import template
from django.utils.html import format_html

from enterprises.selectors.registry import contact_phone_for

register = template.Library()


@register.simple_tag
def warning_badge(enterprise):
    """<span class="level level-N">…</span> for the enterprise's warning level."""
    return format_html(
        '<span class="level level-{}" data-testid="warning-level">{}</span>',
        enterprise.warning_level,
        enterprise.get_warning_level_display(),
    )


@register.simple_tag(takes_context=True)
def contact_phone(context, enterprise):
    """The enterprise's contact phone, masked unless the viewer needs it (selectors.can_see_contacts)."""
    return contact_phone_for(context["user"], enterprise)
