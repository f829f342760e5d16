"""Shared reads of events and targets: the filtered event list with its counts, one event's participants,
outcomes and cases as the reader may see them, the next reception day, and each target's progress.

Every read starts from `scoped(user, …)`. The list's counts are correlated subqueries, never joins to the
many-valued relations, so an event never shows twice and the list is one query whatever its length. Target
progress is two queries for any number of targets: the targets, and the year's held events grouped by
organizer and kind, summed per target over the target unit's subtree.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, Role, Unit
from accounts.scope import get_for_user, has_role, scoped
from cases.models import Case
from chains import schedule
from chains.models import Event, EventOutcome, EventParticipant, EventTarget
from chains.services.events import counted_kinds, target_kind_label

Kind = Event.Kind
Status = Event.Status
MATCHMAKING = EventTarget.MATCHMAKING
ANY = EventTarget.ANY

# The kind filter of the list: one kind, or the four matchmaking kinds together.
KIND_FILTERS = (MATCHMAKING, *Kind.values)


def kind_filter_choices() -> list[tuple[str, str]]:
    return [(MATCHMAKING, _("matchmaking (四项对接)")), *Kind.choices]


def target_kind_choices() -> list[tuple[str, str]]:
    return [(MATCHMAKING, _("matchmaking events (四项对接)")), (ANY, _("events of any kind")), *Kind.choices]


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# The list --------------------------------------------------------------------------------------------------


def event_filter(
    *,
    user,
    year: int | None = None,
    month: int | None = None,
    kind: str = "",
    organizer_id: int | None = None,
    status: str = "",
    search: str = "",
) -> QuerySet[Event]:
    """The events `user` sees, narrowed: `year` (and `month` of it) by date; `kind` one kind or
    "matchmaking"; `organizer_id` that unit and the units below it; `status`; `search` in title and place."""
    events = scoped(user, Event.objects.all())
    if year:
        first, last = year_bounds(year)
        if month:
            first = dt.date(year, month, 1)
            last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        events = events.filter(held_on__gte=first, held_on__lte=last)
    if kind:
        kinds = counted_kinds(kind)
        if kinds is not None:
            events = events.filter(kind__in=kinds)
    if organizer_id:
        unit_path = Unit.objects.filter(pk=organizer_id).values("path")[:1]
        events = events.filter(organizer__path__startswith=Subquery(unit_path))
    if status:
        events = events.filter(status=status)
    if search:
        events = events.filter(Q(title__icontains=search) | Q(place__icontains=search))
    return events


def _count(queryset: QuerySet, field: str = "event") -> Coalesce:
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    """Each event with its invited, attended, outcome and case counts (staff: all of them)."""
    return events.annotate(
        invited_count=_count(EventParticipant.objects.filter(invited=True)),
        attended_count=_count(EventParticipant.objects.filter(attended=True)),
        outcome_count=_count(EventOutcome.objects.all()),
        case_count=_count(Event.cases.through.objects.all()),
        outcome_amount=Subquery(
            EventOutcome.objects.filter(event=OuterRef("pk"), amount__isnull=False)
            .order_by()
            .values("event")
            .annotate(total=Sum("amount"))
            .values("total"),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        ),
    )


def reads_counts(user) -> bool:
    """Staff read every event's counts; an enterprise user only its own participation."""
    return has_role(user, *STAFF_ROLES)


def event_list(*, user, **filters) -> QuerySet[Event]:
    """The page's, the export's and the API's rows, newest first, with what a row shows."""
    events = event_filter(user=user, **filters).select_related("organizer", "chain").order_by("-held_on", "-pk")
    if reads_counts(user):
        return with_counts(events)
    own = user.enterprise_id
    return events.annotate(
        own_attended=Subquery(
            EventParticipant.objects.filter(event=OuterRef("pk"), enterprise_id=own).values("attended")[:1]
        )
    )


# One event -------------------------------------------------------------------------------------------------


def event_for(user, pk) -> Event:
    return get_for_user(user, Event.objects.select_related("organizer", "chain", "created_by"), pk=pk)


def participants_of(user, event: Event) -> list[EventParticipant]:
    return list(
        scoped(user, event.participants.all()).select_related("enterprise").order_by("-attended", "enterprise__name")
    )


def outcomes_of(user, event: Event) -> list[EventOutcome]:
    return list(scoped(user, event.outcomes.all()).select_related("enterprise", "recorded_by").order_by("pk"))


def cases_of(user, event: Event) -> list[Case]:
    """The cases raised at the event that `user` may see, with their state."""
    return list(
        scoped(user, event.cases.all()).select_related("enterprise", "category", "lead_unit").order_by("submitted_at")
    )


@dataclass(frozen=True)
class OutcomeTotals:
    agreements: int
    agreement_amount: object
    loans: int
    loan_amount: object
    hires: int
    people: int
    other: int


def outcome_totals(outcomes: list[EventOutcome]) -> OutcomeTotals:
    def of(kind):
        return [o for o in outcomes if o.kind == kind]

    agreements, loans, hires = of(EventOutcome.Kind.AGREEMENT), of(EventOutcome.Kind.LOAN), of(EventOutcome.Kind.HIRES)
    return OutcomeTotals(
        agreements=len(agreements),
        agreement_amount=sum((o.amount or 0 for o in agreements), 0),
        loans=len(loans),
        loan_amount=sum((o.amount or 0 for o in loans), 0),
        hires=len(hires),
        people=sum(o.people or 0 for o in hires),
        other=len(of(EventOutcome.Kind.OTHER)),
    )


# The next reception day -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextReceptionDay:
    day: dt.date
    events: list[Event]  # the reception days planned or held on that day, in the user's scope


def next_reception_day(user, today: dt.date | None = None) -> NextReceptionDay:
    """The next reception day from today on (today's included), and the reception-day events on it."""
    today = today or timezone.localdate()
    day = schedule.reception_day(today.year, today.month)
    if day < today:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        day = schedule.reception_day(year, month)
    events = list(
        scoped(user, Event.objects.filter(kind=Kind.RECEPTION_DAY, held_on=day))
        .exclude(status=Status.CANCELLED)
        .select_related("organizer")
        .order_by("organizer__path")
    )
    return NextReceptionDay(day, events)


def reception_day_plan(user, year: int) -> list[tuple[dt.date, list[Event]]]:
    """The year's twelve reception days, each with the reception-day events in scope in its month."""
    first, last = year_bounds(year)
    events = list(
        scoped(user, Event.objects.filter(kind=Kind.RECEPTION_DAY, held_on__gte=first, held_on__lte=last))
        .select_related("organizer")
        .order_by("held_on", "organizer__path")
    )
    return [(day, [e for e in events if e.held_on.month == day.month]) for day in schedule.reception_days(year)]


# Targets and their progress ---------------------------------------------------------------------------------

MET, ON_TRACK, LAGGING, MISSED = "met", "on_track", "lagging", "missed"
STANDING_LABELS = {
    MET: _("met"),
    ON_TRACK: _("on track"),
    LAGGING: _("lagging"),
    MISSED: _("missed"),
}


def elapsed_share(year: int, today: dt.date) -> float:
    """How much of `year` has gone by today: 0 before it, 1 after it, the share of its days (today counted)
    within it."""
    first, last = year_bounds(year)
    if today < first:
        return 0.0
    if today > last:
        return 1.0
    return ((today - first).days + 1) / ((last - first).days + 1)


@dataclass(frozen=True)
class TargetProgress:
    target: EventTarget
    held: int
    share: float  # of the year gone by
    year_over: bool = False  # the target's year has ended

    @property
    def minimum(self) -> int:
        return self.target.minimum

    @property
    def met(self) -> bool:
        return self.held >= self.minimum

    @property
    def expected(self) -> int:
        """Events that should be held by now at an even pace: minimum × share of the year gone, rounded half up
        (rounded down, a target of one would never lag: a township with none held in December is behind)."""
        return math.floor(self.minimum * self.share + 0.5)

    @property
    def standing(self) -> str:
        if self.met:
            return MET
        if self.year_over:
            return MISSED
        if self.held < self.expected:
            return LAGGING
        return ON_TRACK

    @property
    def standing_label(self) -> str:
        return str(STANDING_LABELS[self.standing])

    @property
    def percent(self) -> int:
        """Progress toward the minimum, 0 to 100 (for the bar)."""
        return min(100, round(self.held * 100 / self.minimum)) if self.minimum else 100

    @property
    def expected_percent(self) -> int:
        return min(100, round(self.expected * 100 / self.minimum)) if self.minimum else 0

    @property
    def kind_label(self) -> str:
        return target_kind_label(self.target.kind)

    @property
    def events_url(self) -> str:
        return events_url(self.target.year, self.target.kind, self.target.unit_id, Status.HELD)


def events_url(year: int, kind: str, organizer_id: int | None, status: str = "") -> str:
    """The event list showing exactly the events a target counts."""
    params = {"year": year, "kind": "" if kind == ANY else kind, "organizer": organizer_id, "status": status}
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse("event_list") + (f"?{query}" if query else "")


def held_counts(year: int) -> list[tuple[str, str, int]]:
    """(organizer path, kind, events held) of the year. One query."""
    first, last = year_bounds(year)
    return list(
        Event.objects.filter(status=Status.HELD, held_on__gte=first, held_on__lte=last)
        .order_by()
        .values_list("organizer__path", "kind")
        .annotate(n=Count("pk"))
    )


def progress_of(targets: list[EventTarget], today: dt.date | None = None) -> list[TargetProgress]:
    """Each target with the events held in its year by its unit or the units below it, of the kinds it
    counts (cancelled and planned events do not count). Targets must come with their unit; one query per
    year they span."""
    today = today or timezone.localdate()
    by_year: dict[int, list[tuple[str, str, int]]] = {}
    rows = []
    for target in targets:
        if target.year not in by_year:
            by_year[target.year] = held_counts(target.year)
        kinds = counted_kinds(target.kind)
        path = target.unit.path
        held = sum(
            n
            for organizer_path, kind, n in by_year[target.year]
            if organizer_path.startswith(path) and (kinds is None or kind in kinds)
        )
        rows.append(TargetProgress(target, held, elapsed_share(target.year, today), today.year > target.year))
    return rows


def target_filter(*, user, year: int | None = None, unit_id: int | None = None) -> QuerySet[EventTarget]:
    """The targets staff read, of `year`, of the unit `unit_id` and the units below it."""
    targets = scoped(user, EventTarget.objects.all()).select_related("unit", "set_by")
    if year:
        targets = targets.filter(year=year)
    if unit_id:
        unit_path = Unit.objects.filter(pk=unit_id).values("path")[:1]
        targets = targets.filter(unit__path__startswith=Subquery(unit_path))
    return targets.order_by("year", "unit__path", "kind")


def target_progress(*, user, year: int, unit_id: int | None = None, today: dt.date | None = None):
    """The targets of `year` with their progress. Two queries (one when there is no target)."""
    return progress_of(list(target_filter(user=user, year=year, unit_id=unit_id)), today)


def targets_in_view(user) -> QuerySet[EventTarget]:
    """The targets a user's dashboard shows: the office and auditors every one; anyone else the targets of
    their own unit and the units below it (none without a unit)."""
    targets = scoped(user, EventTarget.objects.all())
    if has_role(user, Role.OFFICE, Role.AUDITOR):
        return targets
    if not user.unit_id:
        return targets.none()
    unit_path = Unit.objects.filter(pk=user.unit_id).values("path")[:1]
    return targets.filter(unit__path__startswith=Subquery(unit_path))


def dashboard_progress(user, year: int, today: dt.date | None = None) -> list[TargetProgress]:
    """The dashboard's panel: the year's targets in the user's view with their progress. Two queries (one
    when there is no target)."""
    targets = list(targets_in_view(user).filter(year=year).select_related("unit").order_by("unit__path", "kind"))
    return progress_of(targets, today)
