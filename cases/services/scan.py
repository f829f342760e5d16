"""The deadline scan (Celery beat, or `manage.py scan_cases` from cron): reminders before the deadline,
a supervision notice and escalation to the unit head when a case is overdue, escalation to the linked
leader when it stays overdue, reminders of unaccepted assignments, and the automatic close of resolved
cases nobody rated. Each case is handled in its own transaction, and every step is written once: running
the scan twice in a row does nothing the second time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases.deadlines import Thresholds
from cases.models import Assignment, Case, CaseEvent
from cases.services.base import State, linked_leader_id, tell, unit_people
from cases.services.review import case_auto_close
from cases.services.supervision import issue_supervision
from cases.services.trail import append_event
from core import workdays


def leader_after_days() -> int:
    """Working days a case may stay overdue after the unit head was told before the linked leader is."""
    return int(getattr(settings, "CASE_ESCALATE_TO_LEADER_AFTER_DAYS", 3))


@dataclass
class ScanResult:
    reminded: int = 0
    accept_reminded: int = 0
    escalated_to_head: int = 0
    escalated_to_leader: int = 0
    closed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self):
        return (
            f"reminded {self.reminded}, acceptance reminders {self.accept_reminded}, "
            f"escalated to unit heads {self.escalated_to_head}, to leaders {self.escalated_to_leader}, "
            f"closed unrated {self.closed}"
        )


def _locked(case_id: int, condition) -> Case | None:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "enterprise")
        .filter(condition, pk=case_id)
        .first()
    )


def _remind(case_id: int, thresholds: Thresholds) -> bool:
    with transaction.atomic():
        case = _locked(case_id, thresholds.due_soon_q())
        if case is None or case.reminded_at is not None:
            return False
        Case.objects.filter(pk=case.pk).update(reminded_at=thresholds.now)
        append_event(case, CaseEvent.Kind.REMINDED, at=thresholds.now, payload={"due_at": case.due_at.isoformat()})
        if case.lead_unit_id:
            tell(
                unit_people([case.lead_unit_id]),
                case,
                _("Due %(due)s") % {"due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")},
                topic=f"case:{case.pk}:reminder:{case.due_at.isoformat()}",
            )
        return True


def _escalate_to_head(case_id: int, thresholds: Thresholds) -> bool:
    with transaction.atomic():
        case = _locked(case_id, thresholds.overdue_q())
        if case is None or case.escalation_level >= 1 or case.lead_unit is None:
            return False
        issue_supervision(
            case,
            case.lead_unit,
            _("Case %(number)s is overdue since %(due)s. Resolve it or ask for an extension, and reply.")
            % {"number": case.number, "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")},
            automatic=True,
        )
        heads = unit_people([case.lead_unit_id], roles=(Role.UNIT_HEAD,))
        Case.objects.filter(pk=case.pk).update(escalation_level=1)
        append_event(
            case,
            CaseEvent.Kind.ESCALATED,
            at=thresholds.now,
            payload={"level": 1, "to": [h.pk for h in heads], "due_at": case.due_at.isoformat()},
        )
        recipients = list(heads)
        if case.listed_by_id:
            recipients += list(User.objects.filter(pk=case.listed_by_id))
        tell(recipients, case, _("Overdue: %(title)s") % {"title": case.title}, topic=f"case:{case.pk}:escalated:1")
        return True


def _escalate_to_leader(case_id: int, thresholds: Thresholds, after: timedelta) -> bool:
    with transaction.atomic():
        case = _locked(case_id, thresholds.overdue_q())
        if case is None or case.escalation_level != 1:
            return False
        if workdays.working_time_between(case.due_at, thresholds.now) < after:
            return False
        leader_id = linked_leader_id(case)
        Case.objects.filter(pk=case.pk).update(escalation_level=2)
        append_event(
            case,
            CaseEvent.Kind.ESCALATED,
            at=thresholds.now,
            payload={"level": 2, "to": [leader_id] if leader_id else [], "due_at": case.due_at.isoformat()},
        )
        if leader_id:
            tell(
                User.objects.filter(pk=leader_id),
                case,
                _("Still overdue after the unit head was told: %(title)s") % {"title": case.title},
                topic=f"case:{case.pk}:escalated:2",
            )
        return True


def _remind_acceptance(assignment_id: int, now: datetime) -> bool:
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("case", "unit")
            .filter(pk=assignment_id, state=Assignment.State.PENDING, accept_due_at__lt=now)
            .first()
        )
        if assignment is None:
            return False
        topic = f"assignment:{assignment.pk}:accept-overdue"
        from core.models import Notification

        if Notification.objects.filter(topic=topic).exists():
            return False
        tell(
            unit_people([assignment.unit_id]),
            assignment.case,
            _("Not yet accepted: please accept or return it"),
            topic=topic,
        )
        return True


def scan(now: datetime | None = None) -> ScanResult:
    now = now or timezone.now()
    thresholds = Thresholds.at(now)
    result = ScanResult()
    due_soon = Case.objects.filter(thresholds.due_soon_q(), reminded_at=None).values_list("pk", flat=True)
    for case_id in list(due_soon):
        result.reminded += _remind(case_id, thresholds)
    overdue = Case.objects.filter(thresholds.overdue_q())
    for case_id in list(overdue.filter(escalation_level=0).values_list("pk", flat=True)):
        result.escalated_to_head += _escalate_to_head(case_id, thresholds)
    after = timedelta(days=leader_after_days())
    for case_id in list(overdue.filter(escalation_level=1).values_list("pk", flat=True)):
        result.escalated_to_leader += _escalate_to_leader(case_id, thresholds, after)
    late = Assignment.objects.filter(state=Assignment.State.PENDING, accept_due_at__lt=now).values_list("pk", flat=True)
    for assignment_id in list(late):
        result.accept_reminded += _remind_acceptance(assignment_id, now)
    resolved = Case.objects.filter(state=State.RESOLVED, rating__in=("", Case.Rating.UNSATISFIED))
    # Cheap pre-filter: 7 working days are at least 7 calendar days.
    resolved = resolved.filter(resolved_at__lte=now - timedelta(days=7)).values_list("pk", flat=True)
    for case_id in list(resolved):
        result.closed += case_auto_close(case_id=case_id, now=now)
    return result
