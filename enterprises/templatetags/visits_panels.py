"""The visits panel of the enterprise profile (企业画像): the latest visits and the problems found."""

from django import template

from enterprises.selectors.visits import enterprise_visits
from enterprises.services.visits import may_record_visits

register = template.Library()

PANEL_VISITS = 10


@register.inclusion_tag("enterprises/visits/_profile_panel.html", takes_context=True)
def visits_panel(context, enterprise):
    """Two queries: the latest visits with visitor and unit, then their problems. The profile has already
    checked that the viewer sees the enterprise, so whoever may record visits may record one here."""
    user = context["user"]
    return {
        "enterprise": enterprise,
        "visits": enterprise_visits(user=user, enterprise=enterprise, limit=PANEL_VISITS),
        "may_record": may_record_visits(user),
        "limit": PANEL_VISITS,
    }
