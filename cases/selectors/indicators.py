"""The indicators of the problem lifecycle (DESIGN.md §4): collected, assigned, outcomes, the resolution,
closure, on-time, satisfaction, timely-acceptance, return and reopen rates, overdue counts and the average
working days to resolve, for the whole of a period and by unit, region, category, channel or month.

A case belongs to the period in which it was submitted (a cohort), and each figure reads the state the case
is in now: last quarter's resolution rate goes on rising as last quarter's cases are solved, which is what
the programme's 动态解决率 means. docs/cases/indicators.md gives every definition.

Everything is counted in the database, grouped, in a fixed number of queries however many cases there are;
the only per-case work is the working-day average, which is measured in Python over the resolved cases'
two timestamps. Reports build on `indicators()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Subquery
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, Unit
from accounts.scope import scoped
from cases.deadlines import Thresholds
from cases.models import Assignment, Case, CaseCategory
from core import workdays
from core.periods import add_months, month_start

State = Case.State
Outcome = Case.Outcome
Rating = Case.Rating

GROUP_BY = {
    "unit": gettext_lazy("lead unit"),
    "region": gettext_lazy("region"),
    "category": gettext_lazy("category"),
    "channel": gettext_lazy("channel"),
    "month": gettext_lazy("month of submission"),
}
GIVEN_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED)
SATISFIED_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
# Each level of a materialised path adds "00000042/" (core.models.tree_path).
PATH_STEP = 9
ONE_DECIMAL = Decimal("0.1")
COUNT_PREFIX = "n_"
# The programme's target for the resolution rate (seed 002: 动态解决率 at least 97 %).
RESOLUTION_TARGET = Decimal(97)
MICROSECONDS_PER_DAY = Decimal(86_400_000_000)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator as a percentage rounded half up to 0.1; None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


@dataclass
class IndicatorRow:
    """The counts of one group (or of the whole) and the rates they give. Counts add up, so the whole is
    the sum of its groups."""

    key: Any = None
    label: str = ""
    collected: int = 0  # submitted in the period
    assigned: int = 0  # assigned at least once (first_assigned_at set)
    rejected: int = 0
    resolved: int = 0  # with a standing resolution: resolved or closed (a reopened case is not, until resolved again)
    solved: int = 0
    explained: int = 0
    not_solved: int = 0
    closure_base: int = 0  # assigned and not rejected afterwards
    closed_or_resolved: int = 0  # of closure_base: resolved or closed
    resolved_on_time: int = 0
    rated: int = 0  # resolved and rated 满意, 基本满意 or 不满意 (unrated excluded)
    satisfied: int = 0  # of rated: 满意 or 基本满意
    leads_accepted: int = 0  # lead assignments accepted
    leads_accepted_on_time: int = 0  # of those, accepted by their accept_due_at
    returned: int = 0  # returned by the lead unit at least once
    reopened: int = 0  # reopened at least once
    reopen_base: int = 0  # resolved at least once: resolved now, or reopened
    overdue_open: int = 0  # open, clock running, past the deadline now
    resolved_late: int = 0  # resolved after the deadline
    working_time_total: timedelta = timedelta(0)  # working time from first assignment to resolution, summed
    working_days_cases: int = 0  # the resolved cases that have both timestamps

    @property
    def resolution_rate(self) -> Decimal | None:
        """动态解决率: (solved + explained) ÷ (collected − rejected)."""
        return percent(self.solved + self.explained, self.collected - self.rejected)

    @property
    def closure_rate(self) -> Decimal | None:
        """办结率: resolved or closed ÷ assigned (not counting cases rejected after a return)."""
        return percent(self.closed_or_resolved, self.closure_base)

    @property
    def on_time_rate(self) -> Decimal | None:
        """按时办结率: resolved by the deadline ÷ resolved."""
        return percent(self.resolved_on_time, self.resolved)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """满意率: (满意 + 基本满意) ÷ rated."""
        return percent(self.satisfied, self.rated)

    @property
    def timely_acceptance_rate(self) -> Decimal | None:
        return percent(self.leads_accepted_on_time, self.leads_accepted)

    @property
    def return_rate(self) -> Decimal | None:
        return percent(self.returned, self.assigned)

    @property
    def reopen_rate(self) -> Decimal | None:
        return percent(self.reopened, self.reopen_base)

    @property
    def average_working_days(self) -> Decimal | None:
        """Working days from first assignment to resolution, averaged over the resolved cases; 0.1 day."""
        if not self.working_days_cases:
            return None
        # In whole microseconds: exact, so 1.25 days rounds to 1.3 and never to 1.2.
        microseconds = Decimal(self.working_time_total // timedelta(microseconds=1))
        average = microseconds / (MICROSECONDS_PER_DAY * self.working_days_cases)
        return average.quantize(ONE_DECIMAL, ROUND_HALF_UP)

    def add(self, other: IndicatorRow) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        """The group's key, label, counts and rates (Decimal percentages, or None when nothing to divide by)."""
        data = {"key": self.key, "label": self.label}
        data.update({name: getattr(self, name) for name in COUNT_FIELDS if name not in WORKING_TIME_FIELDS})
        data.update({name: getattr(self, name) for name in RATES})
        data["average_working_days"] = self.average_working_days
        return data


WORKING_TIME_FIELDS = ("working_time_total", "working_days_cases")
COUNT_FIELDS = tuple(f.name for f in fields(IndicatorRow) if f.name not in ("key", "label"))
RATES = (
    "resolution_rate",
    "closure_rate",
    "on_time_rate",
    "satisfaction_rate",
    "timely_acceptance_rate",
    "return_rate",
    "reopen_rate",
)


@dataclass
class IndicatorReport:
    date_from: date
    date_to: date
    group_by: str | None
    total: IndicatorRow
    rows: list[IndicatorRow] = field(default_factory=list)
    # For grouping by region: the region whose next level the rows are.
    region: Region | None = None
    computed_at: datetime | None = None


# Parameters -----------------------------------------------------------------------------------------------


def default_period(today: date | None = None) -> tuple[date, date]:
    """This year to date."""
    today = today or timezone.localdate()
    return date(today.year, 1, 1), today


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The moments that enclose the days from `date_from` to `date_to` inclusive, China time."""
    zone = workdays.local_zone()
    return (
        datetime.combine(date_from, time.min, tzinfo=zone),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone),
    )


def _check(date_from, date_to, group_by, channel) -> None:
    errors = {}
    if not isinstance(date_from, date):
        errors["date_from"] = _("Give the first day of the period.")
    if not isinstance(date_to, date):
        errors["date_to"] = _("Give the last day of the period.")
    elif isinstance(date_from, date) and date_to < date_from:
        errors["date_to"] = _("The period ends before it begins.")
    if group_by not in (None, "", *GROUP_BY):
        errors["group_by"] = _("Group by one of: %(choices)s.") % {"choices": ", ".join(GROUP_BY)}
    if channel and channel not in Case.Channel.values:
        errors["channel"] = _("Unknown channel “%(value)s”.") % {"value": channel}
    if errors:
        raise ValidationError(errors)


def jurisdiction_region(user) -> Region | None:
    """The region a user reports on unless they choose one: their unit's, else the top of the tree."""
    if user.unit_id:
        return user.unit.region
    return Region.objects.filter(parent__isnull=True).order_by("code").first()


def case_filter(
    user,
    *,
    date_from: date,
    date_to: date,
    unit_id: int | None = None,
    region: Region | None = None,
    category_id: int | None = None,
    channel: str | None = None,
) -> QuerySet[Case]:
    """The cases submitted in the period that `user` may see, narrowed by the filters: a unit takes in the
    cases it or a unit below it leads; a region, the cases of enterprises located in it or below."""
    start, end = period_bounds(date_from, date_to)
    cases = scoped(user, Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end))
    if unit_id:
        unit_path = Unit.objects.filter(pk=unit_id).values("path")[:1]
        cases = cases.filter(lead_unit__path__startswith=Subquery(unit_path))
    if region is not None:
        cases = cases.filter(enterprise__region__path__startswith=region.path)
    if category_id:
        cases = cases.filter(category_id=category_id)
    if channel:
        cases = cases.filter(channel=channel)
    return cases.order_by()


# Grouping ------------------------------------------------------------------------------------------------


def _group_expression(group_by: str | None, prefix: str, region: Region | None):
    """The expression that names a case's group, read from a Case (prefix "") or from a row pointing at
    one (prefix "case__")."""
    if group_by == "unit":
        return F(f"{prefix}lead_unit_id")
    if group_by == "category":
        return F(f"{prefix}category_id")
    if group_by == "channel":
        return F(f"{prefix}channel")
    if group_by == "month":
        return TruncMonth(f"{prefix}submitted_at", tzinfo=workdays.local_zone())
    if group_by == "region":
        # The enterprise's region cut to the level below `region`: its ancestor there (or itself when it lies
        # higher up, e.g. directly in the county).
        length = len(region.path) + PATH_STEP
        return Substr(f"{prefix}enterprise__region__path", 1, length)
    raise AssertionError(group_by)


def _month_key(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(workdays.local_zone())
        return value.date().replace(day=1)
    return value.replace(day=1)


def _prefixed(counts: dict) -> dict:
    # Annotation names must not shadow the model's fields (resolved_on_time is both).
    return {COUNT_PREFIX + name: aggregate for name, aggregate in counts.items()}


def _count_filters(now: datetime) -> dict:
    assigned = Q(first_assigned_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    closure_base = assigned & ~Q(state=State.REJECTED)
    return _prefixed(
        {
            "collected": Count("pk"),
            "assigned": Count("pk", filter=assigned),
            "rejected": Count("pk", filter=Q(state=State.REJECTED)),
            "resolved": Count("pk", filter=resolved),
            "solved": Count("pk", filter=resolved & Q(outcome=Outcome.SOLVED)),
            "explained": Count("pk", filter=resolved & Q(outcome=Outcome.EXPLAINED)),
            "not_solved": Count("pk", filter=resolved & Q(outcome=Outcome.NOT_SOLVED)),
            "closure_base": Count("pk", filter=closure_base),
            "closed_or_resolved": Count("pk", filter=closure_base & Q(state__in=(State.RESOLVED, State.CLOSED))),
            "resolved_on_time": Count("pk", filter=resolved & Q(resolved_on_time=True)),
            "rated": Count("pk", filter=resolved & Q(rating__in=GIVEN_RATINGS)),
            "satisfied": Count("pk", filter=resolved & Q(rating__in=SATISFIED_RATINGS)),
            "returned": Count("pk", filter=Q(return_count__gt=0)),
            "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
            "reopen_base": Count("pk", filter=resolved | Q(reopen_count__gt=0)),
            "overdue_open": Count("pk", filter=Thresholds.at(now).overdue_q()),
            "resolved_late": Count("pk", filter=resolved & Q(resolved_on_time=False)),
        }
    )


def _lead_acceptances(cases: QuerySet[Case]) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        case__in=cases.values("pk"), role=Assignment.Role.LEAD, accepted_at__isnull=False
    ).order_by()


def _acceptance_counts() -> dict:
    # As case_accept judges it: on time when accepted by the deadline it was given.
    on_time = Q(accept_due_at__isnull=False, accepted_at__lte=F("accept_due_at"))
    return _prefixed({"leads_accepted": Count("pk"), "leads_accepted_on_time": Count("pk", filter=on_time)})


def _resolution_spans(cases: QuerySet[Case]) -> QuerySet:
    return cases.filter(resolved_at__isnull=False, first_assigned_at__isnull=False)


def working_time_each(spans: list[tuple[datetime, datetime]]) -> list[timedelta]:
    """The working time from start to end of each span, exactly as core.workdays.working_time_between counts
    them (whole calendar days, China time, the office's entered days first), but with the calendar read
    once: each day the spans cover is looked up once and counted into a running sum, so a span costs two
    partial days and a subtraction instead of a walk over its days. A span that ends before it starts
    (bad imported data) counts as no time."""
    if not spans:
        return []
    zone = workdays.local_zone()
    local = [(start.astimezone(zone), end.astimezone(zone)) for start, end in spans]
    first = min(start.date() for start, _end in local)
    last = max(end.date() for _start, end in local)
    entered = workdays.overrides()
    worked = [workdays.is_workday(first + timedelta(days=n), entered) for n in range((last - first).days + 1)]
    before = [0]  # before[n]: working days among the first n days
    for flag in worked:
        before.append(before[-1] + flag)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone)

    result = []
    for start, end in local:
        if end <= start:
            result.append(timedelta(0))
            continue
        i, j = (start.date() - first).days, (end.date() - first).days
        if i == j:
            total = end - start if worked[i] else timedelta(0)
        else:
            total = timedelta(days=before[j] - before[i + 1])
            if worked[i]:
                total += midnight(start.date() + timedelta(days=1)) - start
            if worked[j]:
                total += end - midnight(end.date())
        result.append(total)
    return result


# Labels -----------------------------------------------------------------------------------------------------


def _labelled_rows(group_by: str, keys: set, region: Region | None, date_from: date, date_to: date) -> list[tuple]:
    """(counting key, public key, label) of each group, in the order the table lists them; one query at
    most. The keys differ only for regions: counted by the path prefix, shown by the region's id."""
    if group_by == "month":
        months, month = [], month_start(date_from)
        while month <= date_to:
            months.append((month, month, f"{month:%Y-%m}"))
            month = add_months(month, 1)
        return months
    rows = []  # (sort key, counting key, public key, label)
    if group_by == "unit":
        units = {u.pk: u for u in Unit.objects.filter(pk__in=[k for k in keys if k is not None])}
        for pk in keys:
            if pk is None:
                rows.append(((1, ""), None, None, _("No lead unit (awaiting assignment)")))
            else:
                unit = units.get(pk)
                rows.append(((0, unit.path if unit else ""), pk, pk, unit.name if unit else str(pk)))
    elif group_by == "category":
        categories = {c.pk: c for c in CaseCategory.objects.filter(pk__in=keys)}
        for pk in keys:
            category = categories.get(pk)
            sort = (category.sort_order, category.code) if category else (0, "")
            rows.append((sort, pk, pk, category.name if category else str(pk)))
    elif group_by == "channel":
        order = {value: index for index, value in enumerate(Case.Channel.values)}
        for key in keys:
            label = str(Case.Channel(key).label) if key in order else key
            rows.append((order.get(key, len(order)), key, key, label))
    elif group_by == "region":
        regions = {r.path: r for r in Region.objects.filter(path__in=[k for k in keys if k])}
        for path in keys:
            found = regions.get(path)
            if found is None:
                rows.append(((2, path or ""), path, None, _("Unknown region")))
            elif len(path) <= len(region.path):
                # The enterprise lies in the chosen region itself (or above it), not in one of its parts.
                label = _("%(region)s (directly)") % {"region": found.name}
                rows.append(((1, path), path, found.pk, label))
            else:
                rows.append(((0, path), path, found.pk, found.name))
    else:
        raise AssertionError(group_by)
    return [(counting, public, label) for _sort, counting, public, label in sorted(rows, key=lambda r: r[0])]


def _fill(row: IndicatorRow, counts: dict) -> None:
    for name, value in counts.items():
        setattr(row, name.removeprefix(COUNT_PREFIX), value or 0)


# The indicators -------------------------------------------------------------------------------------------


def indicators(
    user,
    *,
    date_from: date,
    date_to: date,
    group_by: str | None = None,
    unit_id: int | None = None,
    region_id: int | None = None,
    category_id: int | None = None,
    channel: str | None = None,
    now: datetime | None = None,
    working_days: bool = True,
) -> IndicatorReport:
    """Every indicator of the cases `user` may see that were submitted from `date_from` to `date_to`
    (inclusive, China time), for the whole and, with `group_by`, for each group:

    - "unit": the lead unit (co-handlers and localities are not credited); cases without one form a group;
    - "region": the enterprise's region one level below the chosen region (`region_id`), else below the
      user's jurisdiction (their unit's region): a county's townships, a township's villages;
    - "category", "channel";
    - "month": the month of submission, every month of the period listed.

    Three queries for the figures (cases, lead acceptances, resolution timestamps) plus one for the group
    labels, however many cases; raises ValidationError for a bad parameter. `working_days=False` leaves out
    the average working days to resolve (and the query and arithmetic over every resolved case it takes)."""
    _check(date_from, date_to, group_by, channel)
    group_by = group_by or None
    now = now or timezone.now()
    region = None
    if region_id:
        region = Region.objects.filter(pk=region_id).first()
        if region is None:
            raise ValidationError({"region": _("No region with id %(id)s.") % {"id": region_id}})
    cases = case_filter(
        user,
        date_from=date_from,
        date_to=date_to,
        unit_id=unit_id,
        region=region,
        category_id=category_id,
        channel=channel,
    )
    base_region = region
    if group_by == "region" and base_region is None:
        base_region = jurisdiction_region(user)
        if base_region is None:
            raise ValidationError({"group_by": _("There is no region to group by.")})

    groups: dict[Any, IndicatorRow] = {}

    def row(key) -> IndicatorRow:
        if group_by == "month":
            key = _month_key(key)
        if key not in groups:
            groups[key] = IndicatorRow(key=key)
        return groups[key]

    if group_by is None:
        _fill(row(None), cases.aggregate(**_count_filters(now)))
        _fill(row(None), _lead_acceptances(cases).aggregate(**_acceptance_counts()))
        resolved = _resolution_spans(cases).values_list("first_assigned_at", "resolved_at")
        spans = [(None, start, end) for start, end in resolved] if working_days else []
    else:
        expression = _group_expression(group_by, "", base_region)
        for counts in cases.values(group=expression).annotate(**_count_filters(now)):
            _fill(row(counts.pop("group")), counts)
        accepted = _lead_acceptances(cases).values(group=_group_expression(group_by, "case__", base_region))
        for counts in accepted.annotate(**_acceptance_counts()):
            _fill(row(counts.pop("group")), counts)
        resolved = _resolution_spans(cases).annotate(group=expression)
        spans = list(resolved.values_list("group", "first_assigned_at", "resolved_at")) if working_days else []
    times = working_time_each([(start, end) for _key, start, end in spans])
    for (key, _start, _end), span in zip(spans, times, strict=True):
        target = row(key)
        target.working_time_total += span
        target.working_days_cases += 1

    total = IndicatorRow(key=None, label=str(_("Total")))
    for each in groups.values():
        total.add(each)
    rows: list[IndicatorRow] = []
    if group_by is not None:
        for counting, public, label in _labelled_rows(group_by, set(groups), base_region, date_from, date_to):
            each = groups.get(counting) or IndicatorRow()
            each.key, each.label = public, str(label)
            rows.append(each)
    return IndicatorReport(
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        total=total,
        rows=rows,
        region=base_region if group_by == "region" else region,
        computed_at=now,
    )
