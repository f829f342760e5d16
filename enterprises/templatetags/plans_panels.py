"""The plans panel of the enterprise profile (企业画像): this year's 一企一策 plan with its goals and latest
progress, links to the other years' plans, and "draw up the plan" for those who may."""

from django import template

from accounts.scope import current_year, scoped
from enterprises.models import AssistancePlan, PlanProgress
from enterprises.services.plans import can_edit_plan

register = template.Library()


@register.inclusion_tag("enterprises/plans/_profile_panel.html", takes_context=True)
def plans_panel(context, enterprise):
    """At most four queries: the plans of every year, this year's goals, its latest progress note, and
    whether the viewer may write this year's plan."""
    user = context["user"]
    year = current_year()
    plans = list(scoped(user, AssistancePlan.objects.filter(enterprise=enterprise)).order_by("-year"))
    current = next((plan for plan in plans if plan.year == year), None)
    latest = None
    if current is not None:
        latest = PlanProgress.objects.filter(plan=current).select_related("author").order_by("-period", "-pk").first()
    goals = list(current.goals.all()) if current is not None else []
    return {
        "enterprise": enterprise,
        "year": year,
        "current": current,
        "goals": goals,
        "achieved_count": sum(1 for goal in goals if goal.achieved),
        "latest": latest,
        "others": [plan for plan in plans if plan.year != year],
        "can_create": current is None and can_edit_plan(user, enterprise, year),
    }
