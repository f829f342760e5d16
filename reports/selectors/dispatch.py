"""The monthly dispatch report (月调度, seed 000 "一月一调度", seed 001, seed 004 挂牌督办): for one month and the
user's slice, the month's case counts (new, solved, overdue, listed for supervision), the overdue cases with
their lead units, the visit coverage by unit, the year's plan progress by category, the month's case
indicators by lead unit and by region, and the economic indicators of the assisted enterprises.

Reference moment ("as of"): the figures that describe a state (overdue, listed and open) are read at the end
of the month for a past month, and at this moment for the current month. For a past month they are read
from the stored columns (deadline, resolution time, pause, listing), so a deadline moved after the month
ended (an extension, a reassignment) is read as it stands now; docs/reports/dispatch.md says so.

Every part is read set-based: a fixed number of queries however many cases, units, visits, plans or
enterprises there are (pinned in reports/tests/test_dispatch_queries.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Unit
from accounts.scope import scoped
from cases.deadlines import Level, Thresholds
from cases.models import Case
from cases.selectors import indicators as case_indicators
from cases.selectors.indicators import IndicatorReport, IndicatorRow, percent, working_time_each
from cases.selectors.lists import level_q, queues_for
from core import workdays
from core.periods import FIRST_PROGRAMME_YEAR, add_months, current_month, parse_month
from enterprises.models import AssistancePlan, Enterprise, Linkage, MonthlyFigure
from enterprises.selectors import figures, plans, visits
from enterprises.selectors.figures import LossRatioRow, growth_percent
from enterprises.selectors.plans import CategorySummary
from reports.selectors.links import case_list_url, plan_list_url, visit_coverage_url

State = Case.State
# Every government-side role reads the report, each their own slice; enterprise users do not.
READERS = tuple(sorted(STAFF_ROLES))
# States in which a case waits for someone in government: not yet answered.
UNANSWERED_STATES = (State.SUBMITTED, State.RETURNED, *Case.HANDLING_STATES)
ANSWERED_STATES = (State.RESOLVED, State.CLOSED)
ONE_DECIMAL = Decimal("0.1")
ONE_DAY = timedelta(days=1)


# The month -----------------------------------------------------------------------------------------------------


def default_month() -> date:
    """The last complete month (the one before this one), as the enterprise figures read it."""
    return figures.last_complete_period()


def check_month(month) -> date:
    """`month` (any day of it) as its first day; ValidationError on "month" when it is not a date, lies
    before the first programme year or has not begun."""
    if not isinstance(month, date):
        raise ValidationError({"month": _("Give the month as YYYY-MM, e.g. 2026-10.")})
    month = month.replace(day=1)
    if month.year < FIRST_PROGRAMME_YEAR:
        raise ValidationError({"month": _("The month must not be before %(year)s.") % {"year": FIRST_PROGRAMME_YEAR}})
    if month > current_month():
        raise ValidationError({"month": _("%(month)s has not begun yet.") % {"month": f"{month:%Y-%m}"}})
    return month


def parse_report_month(text: str | None) -> date:
    """ "2026-10" → date(2026, 10, 1), checked as check_month does; ValidationError otherwise."""
    month = parse_month(text)
    if month is None:
        raise ValidationError(
            {"month": _("“%(value)s” is not a month: give it as YYYY-MM, e.g. 2026-10.") % {"value": text or ""}}
        )
    return check_month(month)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=workdays.local_zone())


# Links to the lists behind the figures -----------------------------------------------------------------------


def link_queue(user) -> str | None:
    """The case-list tab the links open: "all" (everything in the user's scope). A user without that tab (a
    leader, a cadre) gets no case links: their tabs show less than their scope, so no list would match."""
    return "all" if any(queue.key == "all" for queue in queues_for(user)) else None


def _case_link(queue: str | None, date_from: date | None = None, date_to: date | None = None, **filters):
    """A link to the case list, or None for a user without the "all" tab (link_queue)."""
    return None if queue is None else case_list_url(queue, date_from, date_to, **filters)


# The parts ----------------------------------------------------------------------------------------------------


@dataclass
class CaseCounts:
    """The month's cases: `new` submitted in it; `solved` and `explained` resolved in it with that outcome
    (`not_solved` the rest resolved in it); `overdue` open past the deadline as of the reference moment;
    `listed_open` listed for supervision and not yet answered then; `listed_in_month` listed during it."""

    new: int = 0
    solved: int = 0
    explained: int = 0
    not_solved: int = 0
    overdue: int = 0
    listed_open: int = 0
    listed_in_month: int = 0
    new_url: str | None = None
    overdue_url: str | None = None

    @property
    def solved_or_explained(self) -> int:
        return self.solved + self.explained


@dataclass
class OverdueCase:
    case: Case
    working_days_overdue: Decimal
    listed: bool

    @property
    def url(self) -> str:
        return reverse("case_detail", args=[self.case.pk])


@dataclass
class UnitOverdue:
    unit_id: int | None
    label: str
    count: int


@dataclass
class CoverageRow:
    unit_id: int | None
    label: str
    linked: int = 0
    visited: int = 0
    visits_made: int = 0

    @property
    def coverage(self) -> Decimal | None:
        return percent(self.visited, self.linked)


@dataclass
class CategoryProgress:
    summary: CategorySummary
    url: str

    @property
    def ratio(self) -> Decimal | None:
        return percent(self.summary.achieved, self.summary.goals)


@dataclass
class PlanProgress:
    year: int
    rows: list[CategoryProgress]
    url: str

    @property
    def plans(self) -> int:
        return sum(row.summary.plans for row in self.rows)

    @property
    def goals(self) -> int:
        return sum(row.summary.goals for row in self.rows)

    @property
    def achieved(self) -> int:
        return sum(row.summary.achieved for row in self.rows)

    @property
    def ratio(self) -> Decimal | None:
        return percent(self.achieved, self.goals)


@dataclass
class IndicatorGroup:
    """One row of the indicators by unit or region, with the case list of its collected cases when the list
    can show exactly them."""

    row: IndicatorRow
    url: str | None


@dataclass
class Flow:
    """A year-to-date money figure summed over enterprises; growth compares like with like (同口径): only the
    enterprises that reported the figure in both years."""

    current: Decimal | None = None
    comparable: Decimal = Decimal(0)
    previous: Decimal | None = None

    def add(self, current, previous) -> None:
        if current is None:
            return
        self.current = (self.current or Decimal(0)) + current
        if previous is not None:
            self.comparable += current
            self.previous = (self.previous or Decimal(0)) + previous

    @property
    def growth(self) -> Decimal | None:
        return growth_percent(self.comparable, self.previous)


@dataclass
class EconomyRow:
    """The assisted enterprises of a group: how many, their output value, revenue and total profit year to
    date with growth, and the loss-making ones (profit below zero year to date) among those that reported
    a profit (enterprises.selectors.figures.LossRatioRow)."""

    key: int | None
    label: str
    enterprises: int = 0
    output_value: Flow = field(default_factory=Flow)
    revenue: Flow = field(default_factory=Flow)
    profit: LossRatioRow = field(default_factory=lambda: LossRatioRow(None, ""))

    def add(self, sums: dict) -> None:
        self.enterprises += 1
        self.output_value.add(sums.get("this_output_value"), sums.get("last_output_value"))
        self.revenue.add(sums.get("this_revenue"), sums.get("last_revenue"))
        self.profit.add(sums.get("this_total_profit"), sums.get("last_total_profit"))

    @property
    def total_profit(self) -> Decimal | None:
        return self.profit.profit if self.profit.enterprises else None

    @property
    def profit_growth(self) -> Decimal | None:
        return self.profit.profit_growth

    @property
    def loss_making(self) -> int:
        return self.profit.loss_making

    @property
    def reported(self) -> int:
        return self.profit.enterprises

    @property
    def loss_ratio(self) -> Decimal | None:
        return self.profit.loss_ratio


@dataclass
class Economy:
    month: date
    year: int
    total: EconomyRow
    by_unit: list[EconomyRow]


@dataclass
class DispatchReport:
    month: date
    date_from: date
    date_to: date
    as_of: datetime  # the reference moment of overdue and listed: the month's end, or now
    live: bool  # the current month: as_of is now
    computed_at: datetime
    counts: CaseCounts
    overdue: list[OverdueCase]
    overdue_by_unit: list[UnitOverdue]
    coverage: list[CoverageRow]
    coverage_total: CoverageRow
    coverage_url: str
    plans: PlanProgress
    by_unit: IndicatorReport
    by_unit_rows: list[IndicatorGroup]
    by_region: IndicatorReport
    by_region_rows: list[IndicatorGroup]
    economy: Economy
    case_queue: str | None


# Cases ---------------------------------------------------------------------------------------------------------


def _overdue_q(as_of: datetime, live: bool) -> Q:
    """Open with a running clock, past the deadline, at `as_of`. Live: exactly the case list's "overdue"
    level, so the count and its link agree. At a past month's end: assigned by then, the deadline before
    then, not answered by then (unanswered now, or answered after), not paused then."""
    if live:
        return level_q(Level.OVERDUE, Thresholds.at(as_of))
    return (
        Q(first_assigned_at__lt=as_of, due_at__lt=as_of, submitted_at__lt=as_of)
        & (Q(state__in=Case.HANDLING_STATES) | Q(state__in=ANSWERED_STATES, resolved_at__gte=as_of))
        & (Q(paused_since__isnull=True) | Q(paused_since__gte=as_of))
    )


def _unanswered_q(as_of: datetime) -> Q:
    return Q(submitted_at__lt=as_of) & (
        Q(state__in=UNANSWERED_STATES) | Q(state__in=ANSWERED_STATES, resolved_at__gte=as_of)
    )


def _case_counts(cases, start: datetime, end: datetime, as_of: datetime, live: bool) -> CaseCounts:
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    outcome = Case.Outcome
    counts = cases.order_by().aggregate(
        new=Count("pk", filter=Q(submitted_at__gte=start, submitted_at__lt=end)),
        solved=Count("pk", filter=resolved & Q(outcome=outcome.SOLVED)),
        explained=Count("pk", filter=resolved & Q(outcome=outcome.EXPLAINED)),
        not_solved=Count("pk", filter=resolved & Q(outcome=outcome.NOT_SOLVED)),
        overdue=Count("pk", filter=_overdue_q(as_of, live)),
        listed_open=Count("pk", filter=Q(listed_at__lt=as_of) & _unanswered_q(as_of)),
        listed_in_month=Count("pk", filter=Q(listed_at__gte=start, listed_at__lt=end)),
    )
    return CaseCounts(**{name: value or 0 for name, value in counts.items()})


def _days(span: timedelta) -> Decimal:
    return (Decimal(span // timedelta(microseconds=1)) / Decimal(86_400_000_000)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _overdue_cases(cases, as_of: datetime, live: bool) -> list[OverdueCase]:
    """The overdue cases, most overdue first, with the working days from their deadline to `as_of`. One
    query (the calendar is read once, cached)."""
    rows = list(
        cases.filter(_overdue_q(as_of, live)).select_related("enterprise", "lead_unit").order_by("due_at", "pk")
    )
    spans = working_time_each([(case.due_at, as_of) for case in rows])
    return [
        OverdueCase(case, _days(span), case.listed_at is not None and case.listed_at < as_of)
        for case, span in zip(rows, spans, strict=True)
    ]


def _overdue_by_unit(overdue: list[OverdueCase]) -> list[UnitOverdue]:
    counts = Counter(item.case.lead_unit_id for item in overdue)
    units = {item.case.lead_unit_id: item.case.lead_unit for item in overdue}
    rows = [UnitOverdue(pk, units[pk].name if units[pk] else _("No lead unit"), count) for pk, count in counts.items()]
    return sorted(rows, key=lambda row: (-row.count, units[row.unit_id].path if units[row.unit_id] else "~"))


# Visits and plans ----------------------------------------------------------------------------------------------


def _coverage(user, month: date) -> tuple[list[CoverageRow], CoverageRow]:
    rows = [
        CoverageRow(unit.pk, unit.name, unit.linked, unit.visited, unit.visits_made)
        for unit in visits.unit_coverage(user=user, month=month).only("pk", "name", "path")
    ]
    total = CoverageRow(None, _("Total"))
    for row in rows:
        total.linked += row.linked
        total.visited += row.visited
        total.visits_made += row.visits_made
    return rows, total


def _plan_progress(user, year: int) -> PlanProgress:
    """The year's plans in scope by category, every status as the plan list counts them. One query."""
    summary = plans.plan_summary(plans.plan_filter(user=user, year=year))
    return PlanProgress(
        year=year,
        rows=[CategoryProgress(row, plan_list_url(year, row.category)) for row in summary],
        url=plan_list_url(year),
    )


# Indicators ----------------------------------------------------------------------------------------------------


def _unit_groups(report: IndicatorReport, queue: str | None, date_from: date, date_to: date) -> list[IndicatorGroup]:
    """The list's lead-unit filter takes in the units below; a unit's row links only when no unit below it
    has a row of its own (else the list would show more than the row). One query."""
    keys = [row.key for row in report.rows if row.key is not None]
    paths = dict(Unit.objects.filter(pk__in=keys).values_list("pk", "path")) if keys else {}
    groups = []
    for row in report.rows:
        url = None
        path = paths.get(row.key)
        if path and not any(other != path and other.startswith(path) for other in paths.values()):
            url = _case_link(queue, date_from, date_to, lead_unit=row.key)
        groups.append(IndicatorGroup(row, url))
    return groups


def _region_groups(report: IndicatorReport, queue, date_from: date, date_to: date) -> list[IndicatorGroup]:
    """A region's row links to the list filtered by that region; the jurisdiction's own row ("directly")
    does not (the list's filter takes in every region below)."""
    base = report.region
    groups = []
    for row in report.rows:
        url = None
        if row.key is not None and (base is None or row.key != base.pk):
            url = _case_link(queue, date_from, date_to, region=row.key)
        groups.append(IndicatorGroup(row, url))
    return groups


# The economy of the assisted enterprises -------------------------------------------------------------------


FLOW_FIELDS = ("output_value", "revenue", "total_profit")


def assisted_enterprises(user, year: int):
    """Enterprises in the user's scope with an assistance plan or a linkage (包联) of `year`."""
    assisted = Q(pk__in=AssistancePlan.objects.filter(year=year).values("enterprise_id")) | Q(
        pk__in=Linkage.objects.filter(year=year).values("enterprise_id")
    )
    return scoped(user, Enterprise.objects.filter(assisted))


def _economy(user, month: date) -> Economy:
    """Year to date through `month` against the same months of last year, in total and by the lead unit of
    the year's linkage. Three queries."""
    year = month.year
    enterprise_ids = list(assisted_enterprises(user, year).order_by().values_list("pk", flat=True))
    year_start, last_year_start = date(year, 1, 1), date(year - 1, 1, 1)
    last_year_month = add_months(month, -12)
    sums = {}
    if enterprise_ids:
        aggregates = {}
        for name in FLOW_FIELDS:
            # Annotation names must not shadow the model's fields.
            aggregates[f"this_{name}"] = Sum(name, filter=Q(period__gte=year_start))
            aggregates[f"last_{name}"] = Sum(name, filter=Q(period__lt=year_start))
        rows = (
            MonthlyFigure.objects.filter(enterprise_id__in=assisted_enterprises(user, year).values("pk"))
            .filter(
                Q(period__gte=year_start, period__lte=month)
                | Q(period__gte=last_year_start, period__lte=last_year_month)
            )
            .order_by()
            .values("enterprise_id")
            .annotate(**aggregates)
        )
        sums = {row.pop("enterprise_id"): row for row in rows}
    leads = {}
    if enterprise_ids:
        leads = {
            enterprise_id: (unit_id, name, path)
            for enterprise_id, unit_id, name, path in Linkage.objects.filter(
                year=year, enterprise_id__in=assisted_enterprises(user, year).values("pk")
            ).values_list("enterprise_id", "lead_unit_id", "lead_unit__name", "lead_unit__path")
        }
    total = EconomyRow(None, _("Total"))
    by_unit: dict[int | None, EconomyRow] = {}
    order: dict[int | None, str] = {}
    for pk in enterprise_ids:
        figures_of = sums.get(pk, {})
        total.add(figures_of)
        unit_id, name, path = leads.get(pk, (None, None, None))
        if unit_id not in by_unit:
            by_unit[unit_id] = EconomyRow(unit_id, name or _("No lead unit"))
            order[unit_id] = path or "~"
        by_unit[unit_id].add(figures_of)
    rows = sorted(by_unit.values(), key=lambda row: order[row.key])
    return Economy(month=month, year=year, total=total, by_unit=rows)


# The report ----------------------------------------------------------------------------------------------------


def dispatch_report(user, month: date, *, now: datetime | None = None) -> DispatchReport:
    """The dispatch report of `month` (its first day, or any day of it) for `user`'s slice. Raises
    ValidationError for a month that is not a date, lies before 2000 or has not begun."""
    month = check_month(month)
    now = now or timezone.now()
    next_month = add_months(month, 1)
    start, end = _moment(month), _moment(next_month)
    live = end > now
    as_of = now if live else end
    date_from, date_to = month, next_month - ONE_DAY
    queue = link_queue(user)

    cases = scoped(user, Case.objects.all())
    counts = _case_counts(cases, start, end, as_of, live)
    counts.new_url = _case_link(queue, date_from, date_to)
    # The list filters overdue cases as they stand now: a link only for the current month.
    counts.overdue_url = _case_link(queue, level=Level.OVERDUE) if live else None
    overdue = _overdue_cases(cases, as_of, live)

    coverage, coverage_total = _coverage(user, month)
    by_unit = case_indicators.indicators(user, date_from=date_from, date_to=date_to, group_by="unit", now=now)
    by_region = case_indicators.indicators(user, date_from=date_from, date_to=date_to, group_by="region", now=now)
    return DispatchReport(
        month=month,
        date_from=date_from,
        date_to=date_to,
        as_of=as_of,
        live=live,
        computed_at=now,
        counts=counts,
        overdue=overdue,
        overdue_by_unit=_overdue_by_unit(overdue),
        coverage=coverage,
        coverage_total=coverage_total,
        coverage_url=visit_coverage_url(month),
        plans=_plan_progress(user, month.year),
        by_unit=by_unit,
        by_unit_rows=_unit_groups(by_unit, queue, date_from, date_to),
        by_region=by_region,
        by_region_rows=_region_groups(by_region, queue, date_from, date_to),
        economy=_economy(user, month),
        case_queue=queue,
    )


# As plain data (the API, and anything else that wants JSON) ------------------------------------------------


def _number(value):
    return None if value is None else float(value)


def _local(moment: datetime | None) -> str | None:
    return None if moment is None else timezone.localtime(moment).isoformat()


INDICATOR_FIELDS = (
    "collected",
    "assigned",
    "rejected",
    "resolved",
    "solved",
    "explained",
    "not_solved",
    "overdue_open",
    "resolved_late",
)
INDICATOR_RATES = ("resolution_rate", "closure_rate", "on_time_rate", "satisfaction_rate")


def _indicator(row: IndicatorRow, url: str | None = None) -> dict:
    data = {"key": row.key, "label": row.label}
    data.update({name: getattr(row, name) for name in INDICATOR_FIELDS})
    data.update({name: _number(getattr(row, name)) for name in INDICATOR_RATES})
    data["average_working_days"] = _number(row.average_working_days)
    data["url"] = url
    return data


def _economy_row(row: EconomyRow) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "enterprises": row.enterprises,
        "output_value": _number(row.output_value.current),
        "output_value_growth": _number(row.output_value.growth),
        "revenue": _number(row.revenue.current),
        "revenue_growth": _number(row.revenue.growth),
        "total_profit": _number(row.total_profit),
        "total_profit_growth": _number(row.profit_growth),
        "reported_profit": row.reported,
        "loss_making": row.loss_making,
        "loss_ratio": _number(row.loss_ratio),
    }


def _coverage_row(row: CoverageRow) -> dict:
    return {
        "unit_id": row.unit_id,
        "label": row.label,
        "linked": row.linked,
        "visited": row.visited,
        "visits_made": row.visits_made,
        "coverage": _number(row.coverage),
    }


def as_data(report: DispatchReport) -> dict:
    """The report as JSON-ready data: percentages as numbers to 0.1 (None when nothing to divide by), money
    in 万元, links as site paths (None where no list shows exactly the figure)."""
    counts = report.counts
    return {
        "month": f"{report.month:%Y-%m}",
        "date_from": report.date_from.isoformat(),
        "date_to": report.date_to.isoformat(),
        "as_of": _local(report.as_of),
        "live": report.live,
        "computed_at": _local(report.computed_at),
        "summary": {
            "new": counts.new,
            "solved": counts.solved,
            "explained": counts.explained,
            "solved_or_explained": counts.solved_or_explained,
            "not_solved": counts.not_solved,
            "overdue": counts.overdue,
            "listed_open": counts.listed_open,
            "listed_in_month": counts.listed_in_month,
            "new_url": counts.new_url,
            "overdue_url": counts.overdue_url,
        },
        "overdue_cases": [
            {
                "id": item.case.pk,
                "number": item.case.number,
                "enterprise": item.case.enterprise.name,
                "title": item.case.title,
                "state": item.case.state,
                "lead_unit_id": item.case.lead_unit_id,
                "lead_unit": item.case.lead_unit.name if item.case.lead_unit else None,
                "due_at": _local(item.case.due_at),
                "working_days_overdue": float(item.working_days_overdue),
                "listed": item.listed,
                "url": item.url,
            }
            for item in report.overdue
        ],
        "overdue_by_unit": [
            {"unit_id": row.unit_id, "label": row.label, "count": row.count} for row in report.overdue_by_unit
        ],
        "visit_coverage": {
            "rows": [_coverage_row(row) for row in report.coverage],
            "total": _coverage_row(report.coverage_total),
            "url": report.coverage_url,
        },
        "plans": {
            "year": report.plans.year,
            "plans": report.plans.plans,
            "goals": report.plans.goals,
            "achieved": report.plans.achieved,
            "ratio": _number(report.plans.ratio),
            "url": report.plans.url,
            "by_category": [
                {
                    "key": row.summary.category,
                    "label": str(row.summary.label),
                    "plans": row.summary.plans,
                    "goals": row.summary.goals,
                    "achieved": row.summary.achieved,
                    "ratio": _number(row.ratio),
                    "url": row.url,
                }
                for row in report.plans.rows
            ],
        },
        "indicators_by_unit": {
            "rows": [_indicator(group.row, group.url) for group in report.by_unit_rows],
            "total": _indicator(report.by_unit.total, counts.new_url),
        },
        "indicators_by_region": {
            "region": report.by_region.region.name if report.by_region.region else None,
            "rows": [_indicator(group.row, group.url) for group in report.by_region_rows],
            "total": _indicator(report.by_region.total, counts.new_url),
        },
        "economy": {
            "year": report.economy.year,
            "through": f"{report.economy.month:%Y-%m}",
            "total": _economy_row(report.economy.total),
            "by_unit": [_economy_row(row) for row in report.economy.by_unit],
        },
    }
