"""The cases panel of the enterprise profile (企业画像): the enterprise's latest cases the viewer may see,
with their state and deadline badges, how many are still open, and a link to all of them in the list."""

from django import template

from accounts.scope import scoped
from cases.deadlines import Thresholds
from cases.models import Case
from cases.selectors.lists import queues_for

register = template.Library()

PANEL_SIZE = 5


@register.inclusion_tag("cases/lists/_profile_panel.html", takes_context=True)
def cases_panel(context, enterprise):
    """Two queries: the open count and the latest cases, both narrowed to the viewer's scope."""
    user = context["user"]
    cases = scoped(user, Case.objects.filter(enterprise=enterprise))
    latest = list(cases.select_related("category", "lead_unit").order_by("-submitted_at", "-pk")[:PANEL_SIZE])
    open_count = cases.exclude(state__in=Case.FINAL_STATES).count() if latest else 0
    thresholds = context.get("thresholds")
    if not isinstance(thresholds, Thresholds):
        thresholds = Thresholds.at()
    keys = [queue.key for queue in queues_for(user)]
    # The list's tab that holds every case of this enterprise the viewer sees.
    queue = next((key for key in ("all", "mine", "linked") if key in keys), keys[0] if keys else "")
    return {
        "enterprise": enterprise,
        "latest": latest,
        "open_count": open_count,
        "thresholds": thresholds,
        "queue": queue,
        "more": len(latest) == PANEL_SIZE,
    }
