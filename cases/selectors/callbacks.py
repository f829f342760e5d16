"""Shared reads of callbacks (回访 · 抽查回访): the calls the office has planned, the resolved cases whose
enterprise has not rated them for more than three working days (to call back before they close unrated
after seven), the calls made in a period with their results, and the share of spot checks the enterprises
confirmed.

Callbacks are internal records (cases.scope_rules.InternalCaseRule): staff see those of the cases they see,
an enterprise none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Unit
from accounts.scope import scoped
from cases.models import Callback, Case
from core import workdays

Status = Callback.Status
# A resolved case unrated this long is worth a call; it closes itself as unrated after seven (review.py).
CALL_BACK_AFTER_WORKING_DAYS = 3
CALLBACK_RELATED = ("case", "case__enterprise", "case__lead_unit", "case__category", "called_by")
CASE_RELATED = ("enterprise", "lead_unit", "category")


def working_days_before(moment: datetime, days: int) -> datetime:
    """The latest moment with `days` of working time between it and `moment` (workdays.working_time_between);
    for a moment of working time, add_working_days(result, days) == moment."""
    zone = workdays.local_zone()
    entered = workdays.overrides()
    remaining = timedelta(days=days)
    moment = moment.astimezone(zone)
    while True:
        start = datetime.combine(moment.date(), time.min, tzinfo=zone)
        if start == moment:
            start = datetime.combine(moment.date() - timedelta(days=1), time.min, tzinfo=zone)
        if workdays.is_workday(start.date(), entered):
            available = moment - start
            if remaining <= available:
                return moment - remaining
            remaining -= available
        moment = start


def planned(user) -> QuerySet[Callback]:
    """Callbacks planned and not made yet (spot checks drawn, mostly), the oldest plan first."""
    return (
        scoped(user, Callback.objects.filter(status=Status.PLANNED))
        .select_related(*CALLBACK_RELATED)
        .order_by("planned_at", "pk")
    )


def to_call_back(user, now: datetime | None = None) -> QuerySet[Case]:
    """Resolved cases the enterprise has not rated for more than three working days, without a call already
    planned, the longest-waiting first."""
    cutoff = working_days_before(now or timezone.now(), CALL_BACK_AFTER_WORKING_DAYS)
    planned_call = Callback.objects.filter(case_id=OuterRef("pk"), status=Status.PLANNED)
    return (
        scoped(user, Case.objects.filter(state=Case.State.RESOLVED, rating="", resolved_at__lt=cutoff))
        .exclude(Exists(planned_call))
        .select_related(*CASE_RELATED)
        .order_by("resolved_at", "pk")
    )


def done(user, *, called_from: date | None = None, called_to: date | None = None, kind: str = "") -> QuerySet[Callback]:
    """Calls made (reached or not) in the period, newest first. kind: "spot" for spot checks, "review" for
    the others, anything else for both."""
    calls = scoped(user, Callback.objects.exclude(status=Status.PLANNED))
    if called_from:
        calls = calls.filter(called_at__date__gte=called_from)
    if called_to:
        calls = calls.filter(called_at__date__lte=called_to)
    if kind == "spot":
        calls = calls.filter(spot_check=True)
    elif kind == "review":
        calls = calls.filter(spot_check=False)
    return calls.select_related(*CALLBACK_RELATED).order_by("-called_at", "-pk")


def callback_list(
    user, *, status: str = "", spot_check: bool | None = None, called_from=None, called_to=None
) -> QuerySet[Callback]:
    """The API's list: every callback in scope, narrowed by status, kind and the day it was made."""
    calls = scoped(user, Callback.objects.all())
    if status:
        calls = calls.filter(status=status)
    if spot_check is not None:
        calls = calls.filter(spot_check=spot_check)
    if called_from:
        calls = calls.filter(called_at__date__gte=called_from)
    if called_to:
        calls = calls.filter(called_at__date__lte=called_to)
    return calls.select_related(*CALLBACK_RELATED).order_by("-planned_at", "-pk")


@dataclass(frozen=True)
class SpotCheckShare:
    """Spot checks made in a period: reached or not, and of those reached and asked, how many confirm the
    unit's reply."""

    made: int
    unreachable: int
    confirmed: int
    not_confirmed: int

    @property
    def asked(self) -> int:
        return self.confirmed + self.not_confirmed

    @property
    def ratio(self) -> Decimal | None:
        if not self.asked:
            return None
        return (Decimal(self.confirmed) / Decimal(self.asked)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def percent(self) -> Decimal | None:
        return None if self.ratio is None else (self.ratio * 100).quantize(Decimal("0.1"))


def spot_check_share(calls: QuerySet[Callback]) -> SpotCheckShare:
    """Over made calls (from `done`): the spot checks among them. One query."""
    # Prefixed: an aggregate may not take the name of a field of the model.
    figures = calls.filter(spot_check=True).aggregate(
        n_made=Count("pk"),
        n_unreachable=Count("pk", filter=Q(status=Status.UNREACHABLE)),
        n_confirmed=Count("pk", filter=Q(status=Status.DONE, confirmed=True)),
        n_not_confirmed=Count("pk", filter=Q(status=Status.DONE, confirmed=False)),
    )
    return SpotCheckShare(**{name.removeprefix("n_"): value for name, value in figures.items()})


def contact_of(case: Case) -> tuple[str, str]:
    """Who to call about a case: the contact given with it, else the enterprise's."""
    if case.contact_phone:
        return case.contact_name or case.enterprise.contact_name, case.contact_phone
    return case.enterprise.contact_name, case.enterprise.contact_phone


def lead_units() -> QuerySet[Unit]:
    """Units that lead at least one case: the choices of the sample's unit."""
    return Unit.objects.filter(pk__in=Case.objects.exclude(lead_unit=None).values("lead_unit_id")).order_by("path")
