"""Deadlines of a case, in working days on the Chinese calendar (core.workdays), always recomputable from
the trail.

The resolve clock starts at the latest ASSIGNED, REASSIGNED or REOPENED event, whose payload carries the
limits in force at that moment (so a later change of the office's rules does not move running deadlines).
From there: due = start + resolve_days + approved extension days + the working time spent waiting for the
enterprise (WAITING … RESUMED). Each part is measured on today's calendar, so a holiday entered later, a
pause or an extension gives the same answer as computing the case afresh: refresh_deadlines() does
exactly that. While the case is waiting, the open pause is not counted yet: `due_at` stays at the deadline
as it stood when the pause began, and `paused_since` says the clock is stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseEvent, DeadlineRule
from core import workdays

# DESIGN.md §4: accept within 1 working day; resolve within 5 (urgent 3, complex 15).
DEFAULT_LIMITS = {"normal": (1, 5), "urgent": (1, 3), "complex": (1, 15)}
CLOCK_STARTS = (CaseEvent.Kind.ASSIGNED, CaseEvent.Kind.REASSIGNED, CaseEvent.Kind.REOPENED)


@dataclass(frozen=True)
class Limits:
    accept_days: int
    resolve_days: int


def limits_for(category_id: int | None, urgency: str) -> Limits:
    """The office's rule for this category and urgency, else its default for the urgency, else DESIGN.md's."""
    rules = {
        rule.category_id: rule
        for rule in DeadlineRule.objects.filter(Q(category_id=category_id) | Q(category=None), urgency=urgency)
    }
    rule = rules.get(category_id) or rules.get(None)
    if rule is not None:
        return Limits(rule.accept_days, rule.resolve_days)
    accept_days, resolve_days = DEFAULT_LIMITS.get(urgency, DEFAULT_LIMITS["normal"])
    return Limits(accept_days, resolve_days)


def accept_due(assigned_at: datetime, accept_days: int) -> datetime:
    return workdays.add_working_days(assigned_at, accept_days)


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime | None
    paused_since: datetime | None
    extension_days: int
    paused: timedelta


def compute(events: Iterable[CaseEvent]) -> Deadlines:
    """The resolve deadline from a case's events, oldest first."""
    start = None
    resolve_days = extension_days = 0
    paused = timedelta(0)
    paused_since = None
    for event in events:
        if event.kind in CLOCK_STARTS:
            start = event.created_at
            resolve_days = int(event.payload.get("resolve_days", DEFAULT_LIMITS["normal"][1]))
            extension_days, paused, paused_since = 0, timedelta(0), None
        elif start is None:
            continue
        elif event.kind == CaseEvent.Kind.EXTENSION_APPROVED:
            extension_days += int(event.payload.get("days", 0))
        elif event.kind == CaseEvent.Kind.WAITING and paused_since is None:
            paused_since = event.created_at
        elif event.kind == CaseEvent.Kind.RESUMED and paused_since is not None:
            paused += workdays.working_time_between(paused_since, event.created_at)
            paused_since = None
    if start is None:
        return Deadlines(None, None, 0, timedelta(0))
    due = workdays.add_working_time(start, timedelta(days=resolve_days + extension_days) + paused)
    return Deadlines(due, paused_since, extension_days, paused)


def refresh_deadlines(case: Case, *, save: bool = True) -> Case:
    """Recompute the case's denormalised deadlines from its trail (and the accept deadline from its pending
    assignments)."""
    result = compute(case.events.order_by("seq"))
    case.due_at, case.paused_since, case.extension_days = result.due_at, result.paused_since, result.extension_days
    pending = [a.accept_due_at for a in case.assignments.filter(state="pending") if a.accept_due_at]
    case.accept_due_at = min(pending) if pending else None
    if case.resolved_at and case.due_at:
        case.resolved_on_time = case.resolved_at <= case.due_at
    if save:
        Case.objects.filter(pk=case.pk).update(
            due_at=case.due_at,
            paused_since=case.paused_since,
            extension_days=case.extension_days,
            accept_due_at=case.accept_due_at,
            resolved_on_time=case.resolved_on_time,
        )
    return case


# Warning levels ------------------------------------------------------------------------------------------


class Level:
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    PAUSED = "paused"

    LABELS = {
        ON_TIME: _("on time"),
        DUE_SOON: _("due soon"),
        DUE_TODAY: _("due today"),
        OVERDUE: _("overdue"),
        PAUSED: _("paused"),
    }


@dataclass(frozen=True)
class Thresholds:
    """The moments that split deadlines into levels, computed once per request or scan: due before `now` is
    overdue; before the end of today, due today; within one working day from now, due soon (yellow)."""

    now: datetime
    end_of_today: datetime
    soon: datetime

    @classmethod
    def at(cls, now: datetime | None = None) -> Thresholds:
        now = now or timezone.now()
        local = now.astimezone(workdays.local_zone())
        end_of_today = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), local.tzinfo)
        soon = max(workdays.add_working_days(now, 1), end_of_today)
        return cls(now, end_of_today, soon)

    def level(self, due_at: datetime | None, state: str, paused_since: datetime | None = None) -> str | None:
        """The warning level of a deadline; None when no clock runs (not yet assigned, resolved, closed)."""
        if due_at is None or state not in Case.HANDLING_STATES:
            return None
        if paused_since is not None or state == Case.State.WAITING:
            return Level.PAUSED
        if due_at < self.now:
            return Level.OVERDUE
        if due_at < self.end_of_today:
            return Level.DUE_TODAY
        if due_at <= self.soon:
            return Level.DUE_SOON
        return Level.ON_TIME

    # Filters for queues: the same levels as database conditions on Case.
    def overdue_q(self) -> Q:
        return Q(state__in=Case.HANDLING_STATES, paused_since=None, due_at__lt=self.now)

    def due_today_q(self) -> Q:
        return Q(state__in=Case.HANDLING_STATES, paused_since=None, due_at__gte=self.now, due_at__lt=self.end_of_today)

    def due_soon_q(self) -> Q:
        """Due today or within one working day: the 'due soon' queue."""
        return Q(state__in=Case.HANDLING_STATES, paused_since=None, due_at__gte=self.now, due_at__lte=self.soon)


def level_of(case: Case, thresholds: Thresholds | None = None) -> str | None:
    return (thresholds or Thresholds.at()).level(case.due_at, case.state, case.paused_since)


def refresh_open(chunk_size: int = 500) -> int:
    """Recompute the deadlines of every case whose clock runs, from its trail; returns how many changed."""
    from django.db import transaction

    changed = 0
    ids = list(Case.objects.filter(state__in=Case.HANDLING_STATES).values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        with transaction.atomic():
            for case in Case.objects.select_for_update(of=("self",)).filter(pk__in=ids[start : start + chunk_size]):
                before = (case.due_at, case.accept_due_at)
                refresh_deadlines(case)
                changed += before != (case.due_at, case.accept_due_at)
    return changed
