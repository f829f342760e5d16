"""Shared reads of visits (走访): the scoped visit list, the enterprises a visitor may pick, and the monthly
visit coverage per cadre and per unit (seed 002: 5,341 cadres visited 37,279 enterprises; seed 000 Annex 2:
"every linked enterprise visited that month" counts toward daily work)."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from accounts.models import Role, Unit, User
from accounts.scope import current_year, scoped
from core.periods import add_months
from enterprises.models import Enterprise, Linkage, Visit, VisitProblem
from enterprises.selectors.linkage import subquery_count

SEARCH_LIMIT = 20


def _in_month(month: dt.date, field: str = "visited_on") -> Q:
    return Q(**{f"{field}__gte": month, f"{field}__lt": add_months(month, 1)})


def visit_list(
    *,
    user: User,
    mine: bool = False,
    month: dt.date | None = None,
    enterprise_id: int | None = None,
    unit_id: int | None = None,
    visitor_id: int | None = None,
    search: str = "",
) -> QuerySet[Visit]:
    """Visits the user may see, newest first, each with its problem count; a fixed number of queries."""
    visits = scoped(user, Visit.objects.select_related("enterprise", "visitor", "unit")).annotate(
        problem_count=Count("problems")
    )
    if mine:
        visits = visits.filter(visitor=user)
    if month:
        visits = visits.filter(_in_month(month))
    if enterprise_id:
        visits = visits.filter(enterprise_id=enterprise_id)
    if unit_id:
        visits = visits.filter(unit_id=unit_id)
    if visitor_id:
        visits = visits.filter(visitor_id=visitor_id)
    if search:
        visits = visits.filter(
            Q(enterprise__name__icontains=search) | Q(met_with__icontains=search) | Q(notes__icontains=search)
        )
    return visits.order_by("-visited_on", "-created_at", "-pk")


def with_problems(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    return visits.prefetch_related(Prefetch("problems", queryset=VisitProblem.objects.order_by("pk")))


def visit_detail_queryset() -> QuerySet[Visit]:
    return with_problems(Visit.objects.select_related("enterprise", "visitor", "unit"))


def linked_enterprises(*, user: User, year: int | None = None) -> QuerySet[Enterprise]:
    """The enterprises the user is linked to in the year (as leader or cadre), within their scope: the
    first choices on the record-a-visit page."""
    year = year or current_year()
    linked = Linkage.objects.filter(year=year).filter(Q(leader=user) | Q(cadres=user)).values("enterprise_id")
    return scoped(user, Enterprise.objects.filter(pk__in=linked)).order_by("name")


def enterprise_search(*, user: User, search: str, limit: int = SEARCH_LIMIT) -> list[Enterprise]:
    """Enterprises in the user's scope whose name or credit code contains `search`."""
    search = search.strip()
    if not search:
        return []
    enterprises = scoped(user, Enterprise.objects.all()).filter(
        Q(name__icontains=search) | Q(credit_code__icontains=search.upper())
    )
    return list(enterprises.order_by("name")[:limit])


def enterprise_visits(*, user: User, enterprise: Enterprise, limit: int = 10) -> list[Visit]:
    """An enterprise's latest visits the user may see, with their problems (two queries)."""
    visits = scoped(user, Visit.objects.filter(enterprise=enterprise).select_related("visitor", "unit"))
    return list(with_problems(visits).order_by("-visited_on", "-created_at", "-pk")[:limit])


# --- monthly coverage ----------------------------------------------------------------------------------

COVERAGE_SORTS = {
    "coverage": (F("coverage").asc(nulls_last=True),),
    "-coverage": (F("coverage").desc(nulls_last=True),),
    "visits": (F("visits_made").desc(),),
}


def _coverage(part: str, whole: str) -> Case:
    return Case(
        When(**{f"{whole}__gt": 0}, then=F(part) * Value(100.0) / F(whole)),
        default=None,
        output_field=FloatField(),
    )


def cadre_coverage(*, user: User, month: dt.date, sort: str = "coverage") -> QuerySet[User]:
    """Per cadre in the viewer's scope, for the month: `linked` (enterprises linked to the cadre in that
    year), `visited` (of those, how many the cadre visited in the month), `coverage` (%, None without
    linked enterprises) and `visits_made` (all the cadre's visits in the month). Queries do not grow with
    rows: every figure is a correlated subquery."""
    month_visits = Visit.objects.filter(_in_month(month))
    linked = Linkage.objects.filter(year=month.year, cadres=OuterRef("pk"))
    visited = linked.filter(
        Exists(month_visits.filter(enterprise=OuterRef("enterprise_id"), visitor=OuterRef(OuterRef("pk"))))
    )
    cadres = scoped(user, User.objects.filter(is_active=True, role_grants__role=Role.CADRE)).select_related("unit")
    return (
        cadres.annotate(
            linked=subquery_count(linked),
            visited=subquery_count(visited),
            visits_made=subquery_count(month_visits.filter(visitor=OuterRef("pk"))),
        )
        .annotate(coverage=_coverage("visited", "linked"))
        .order_by(*COVERAGE_SORTS.get(sort, COVERAGE_SORTS["coverage"]), "unit__path", "full_name", "pk")
    )


def unit_coverage(*, user: User, month: dt.date, sort: str = "coverage") -> QuerySet[Unit]:
    """Per unit in the viewer's scope, for the month: `linked` (enterprises whose linkage of that year the
    unit leads), `visited` (of those, how many anyone visited in the month), `coverage` (%) and
    `visits_made` (visits by the unit's staff, by the unit recorded on each visit). Units with neither
    linked enterprises nor visits are left out."""
    month_visits = Visit.objects.filter(_in_month(month))
    led = Linkage.objects.filter(year=month.year, lead_unit=OuterRef("pk"))
    visited = led.filter(Exists(month_visits.filter(enterprise=OuterRef("enterprise_id"))))
    units = scoped(user, Unit.objects.all())
    return (
        units.annotate(
            linked=subquery_count(led),
            visited=subquery_count(visited),
            visits_made=subquery_count(month_visits.filter(unit=OuterRef("pk"))),
        )
        .filter(Q(linked__gt=0) | Q(visits_made__gt=0))
        .annotate(coverage=_coverage("visited", "linked"))
        .order_by(*COVERAGE_SORTS.get(sort, COVERAGE_SORTS["coverage"]), "path")
    )
