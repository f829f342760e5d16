"""The linkage panel of the enterprise profile (企业画像): this year's leader, lead unit and cadres."""

from django import template
from django.db.models import Prefetch

from accounts.models import STAFF_ROLES, User
from accounts.scope import current_year, has_role, is_office, scoped
from enterprises.models import Linkage

register = template.Library()


def _same_people(a: Linkage, b: Linkage) -> bool:
    return (
        a.leader_id == b.leader_id
        and a.lead_unit_id == b.lead_unit_id
        and {c.pk for c in a.cadres.all()} == {c.pk for c in b.cadres.all()}
    )


@register.inclusion_tag("enterprises/linkage/_profile_panel.html", takes_context=True)
def linkage_panel(context, enterprise):
    """Two queries: the two years' linkages with leader and unit, then their cadres."""
    user = context["user"]
    year = current_year()
    linkages = {
        linkage.year: linkage
        for linkage in scoped(user, Linkage.objects.filter(enterprise=enterprise, year__in=[year, year - 1]))
        .select_related("leader__unit", "lead_unit")
        .prefetch_related(Prefetch("cadres", queryset=User.objects.select_related("unit").order_by("full_name")))
    }
    current, previous = linkages.get(year), linkages.get(year - 1)
    if current is not None and previous is not None and _same_people(current, previous):
        previous = None
    return {
        "enterprise": enterprise,
        "year": year,
        "current": current,
        "previous": previous,
        "show_phone": has_role(user, *STAFF_ROLES),
        "can_edit": is_office(user),
        "request": context.get("request"),
    }
