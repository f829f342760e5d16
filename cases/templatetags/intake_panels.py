"""The intake panel of the enterprise profile (in progress)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def intake_panel(context, enterprise):
    return ""
