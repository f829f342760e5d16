"""Shared reads of assistance plans (一企一策): the scoped, filtered list with its figures, the per-category
summary, filter choices, and the goal achievement per lead unit that the annual assessment reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Region, Unit
from accounts.scope import scoped
from enterprises.models import AssistancePlan, Linkage, PlanGoal, PlanProgress

Status = AssistancePlan.Status
# Goals of a draft have not been agreed with the enterprise yet, so they are not "set" for the assessment.
ASSESSED_STATUSES = (Status.ACTIVE, Status.COMPLETED)


def _linkage_of_plan_year():
    return Linkage.objects.filter(enterprise_id=OuterRef("enterprise_id"), year=OuterRef("year"))


def _count(queryset: QuerySet) -> Subquery:
    counted = queryset.order_by().values("plan_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_figures(plans: QuerySet[AssistancePlan]) -> QuerySet[AssistancePlan]:
    """Each plan with its lead unit of the plan's year, goal counts and latest progress month, computed in
    the same query (subqueries, so the counts do not multiply each other)."""
    goals = PlanGoal.objects.filter(plan_id=OuterRef("pk"))
    latest = PlanProgress.objects.filter(plan_id=OuterRef("pk")).order_by().values("plan_id")
    return plans.annotate(
        lead_unit_pk=Subquery(_linkage_of_plan_year().values("lead_unit_id")[:1]),
        lead_unit_name=Subquery(_linkage_of_plan_year().values("lead_unit__name")[:1]),
        goals_total=_count(goals),
        goals_achieved=_count(goals.filter(achieved=True)),
        latest_progress=Subquery(latest.annotate(last=Max("period")).values("last")),
    )


def plan_filter(
    *,
    user,
    year: int | None = None,
    category: str = "",
    status: str = "",
    region_id: int | None = None,
    lead_unit_id: int | None = None,
    search: str = "",
) -> QuerySet[AssistancePlan]:
    """The plans `user` may see, narrowed by the list's filters (no annotations: see `with_figures`)."""
    plans = scoped(user, AssistancePlan.objects.all())
    if year:
        plans = plans.filter(year=year)
    if category:
        plans = plans.filter(category=category)
    if status:
        plans = plans.filter(status=status)
    if region_id:
        region_path = Region.objects.filter(pk=region_id).values("path")
        plans = plans.filter(enterprise__region__path__startswith=Subquery(region_path[:1]))
    if lead_unit_id:
        # A unit's plans include those its sub-units lead (a department answers for its sections).
        unit_path = Unit.objects.filter(pk=lead_unit_id).values("path")[:1]
        plans = plans.filter(Exists(_linkage_of_plan_year().filter(lead_unit__path__startswith=Subquery(unit_path))))
    if search:
        plans = plans.filter(Q(enterprise__name__icontains=search) | Q(enterprise__credit_code__istartswith=search))
    return plans


def plan_list(**filters) -> QuerySet[AssistancePlan]:
    """The list page's and the API's rows: filtered, with figures, one query per page."""
    return (
        with_figures(plan_filter(**filters))
        .select_related("enterprise", "enterprise__region")
        .order_by("-year", "enterprise__name", "pk")
    )


@dataclass(frozen=True)
class CategorySummary:
    category: str
    label: str
    plans: int
    goals: int
    achieved: int

    @property
    def ratio(self) -> Decimal | None:
        return _ratio(self.achieved, self.goals)


def plan_summary(plans: QuerySet[AssistancePlan]) -> list[CategorySummary]:
    """Per category: plans, goals set, goals achieved, over the given (filtered) plans. One query."""
    rows = {
        row["category"]: row
        for row in plans.order_by()
        .values("category")
        .annotate(
            n_plans=Count("pk", distinct=True),
            n_goals=Count("goals"),
            n_achieved=Count("goals", filter=Q(goals__achieved=True)),
        )
    }
    return [
        CategorySummary(
            category=value,
            label=label,
            plans=rows.get(value, {}).get("n_plans", 0),
            goals=rows.get(value, {}).get("n_goals", 0),
            achieved=rows.get(value, {}).get("n_achieved", 0),
        )
        for value, label in AssistancePlan.Category.choices
    ]


def region_options(plans: QuerySet[AssistancePlan]) -> QuerySet[Region]:
    """The regions of the plans' enterprises and the regions above them: what is worth filtering on, kept
    short at any scale. Two queries."""
    paths = set(plans.order_by().values_list("enterprise__region__path", flat=True).distinct())
    prefixes = {path[: index + 1] for path in paths for index, char in enumerate(path) if char == "/" and index}
    return Region.objects.filter(path__in=prefixes).order_by("path")


def lead_unit_options(plans: QuerySet[AssistancePlan]) -> QuerySet[Unit]:
    lead_units = Linkage.objects.filter(
        enterprise_id__in=plans.order_by().values("enterprise_id"), year__in=plans.order_by().values("year")
    ).values("lead_unit_id")
    return Unit.objects.filter(pk__in=lead_units).order_by("path")


def goals_of(plans: QuerySet[AssistancePlan]) -> QuerySet[PlanGoal]:
    """Every goal of the given plans, one row each, for the goal export."""
    lead = Linkage.objects.filter(enterprise_id=OuterRef("plan__enterprise_id"), year=OuterRef("plan__year"))
    return (
        PlanGoal.objects.filter(plan__in=plans.order_by().values("pk"))
        .select_related("plan", "plan__enterprise", "plan__enterprise__region")
        .annotate(lead_unit_name=Subquery(lead.values("lead_unit__name")[:1]))
        .order_by("-plan__year", "plan__enterprise__name", "plan_id", "sort_order", "pk")
    )


def plan_for_year(*, user, enterprise_id: int, year: int) -> AssistancePlan | None:
    return scoped(user, AssistancePlan.objects.filter(enterprise_id=enterprise_id, year=year)).first()


# Annual assessment ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitGoalAchievement:
    unit_id: int
    unit_name: str
    goals_total: int
    goals_achieved: int

    @property
    def ratio(self) -> Decimal | None:
        """Achieved ÷ set, to 4 places; None when the unit set no goals (the score is then undefined, not 0)."""
        return _ratio(self.goals_achieved, self.goals_total)


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def goal_achievement(*, year: int, units: Iterable[Unit | int] | None = None) -> list[UnitGoalAchievement]:
    """Annex 2, item 1 (完成工作目标): per lead unit, the goals set and achieved over the plans it leads in
    `year` (the lead unit of the Linkage of the plan's enterprise and year). Goals of active and completed
    plans count; drafts do not. A goal not yet decided counts as not achieved. Given `units`, every one of
    them gets a row (zero goals: ratio None); otherwise only units that lead at least one plan with goals.
    Rows are in unit-tree order. Two queries."""
    lead_unit = Linkage.objects.filter(enterprise_id=OuterRef("plan__enterprise_id"), year=year)
    rows = (
        PlanGoal.objects.filter(plan__year=year, plan__status__in=ASSESSED_STATUSES)
        .annotate(unit_id=Subquery(lead_unit.values("lead_unit_id")[:1]))
        .filter(unit_id__isnull=False)
        .order_by()
        .values("unit_id")
        .annotate(total=Count("pk"), achieved=Count("pk", filter=Q(achieved=True)))
    )
    if units is not None:
        unit_ids = {getattr(unit, "pk", unit) for unit in units}
        rows = rows.filter(unit_id__in=unit_ids)
    counts = {row["unit_id"]: (row["total"], row["achieved"]) for row in rows}
    shown = Unit.objects.filter(pk__in=unit_ids if units is not None else counts.keys()).order_by("path")
    return [
        UnitGoalAchievement(
            unit_id=unit.pk,
            unit_name=unit.name,
            goals_total=counts.get(unit.pk, (0, 0))[0],
            goals_achieved=counts.get(unit.pk, (0, 0))[1],
        )
        for unit in shown.only("pk", "name", "path")
    ]
