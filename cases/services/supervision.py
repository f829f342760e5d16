"""Supervision (督办): the office's notice to a unit with a reply deadline, the unit's reply, and a
leader listing a major case for supervision (挂牌督办)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Role, Unit
from accounts.scope import has_role
from cases.models import Assignment, Case, CaseEvent, Supervision
from cases.services.base import (
    State,
    TransitionError,
    acts_for_unit,
    clean_text,
    live_assignments,
    lock_case,
    office_people,
    require_office,
    require_state,
    set_state,
    tell,
    unit_people,
)
from cases.services.trail import append_event
from core import workdays

OPEN = (State.ASSIGNED, State.IN_PROGRESS, State.WAITING, State.RESOLVED)
DEFAULT_REPLY_DAYS = 2
MAX_REPLY_DAYS = 20


def issue_supervision(
    case: Case, unit: Unit, text: str, *, actor=None, reply_days: int = DEFAULT_REPLY_DAYS, automatic=False
) -> Supervision:
    """Write the notice and its event on a locked case (shared by the office's action and the overdue scan)."""
    now = timezone.now()
    notice = Supervision.objects.create(
        case=case,
        unit=unit,
        text=text,
        issued_by=actor,
        issued_at=now,
        automatic=automatic,
        reply_due_at=workdays.add_working_days(now, reply_days),
    )
    append_event(
        case,
        CaseEvent.Kind.SUPERVISED,
        actor=actor,
        unit=getattr(actor, "unit", None),
        at=now,
        payload={
            "supervision": notice.pk,
            "to": {"id": unit.pk, "name": unit.name},
            "text": text,
            "reply_days": reply_days,
            "automatic": automatic,
        },
    )
    tell(
        unit_people([unit.pk]),
        case,
        _("Supervision notice: %(text)s") % {"text": text},
        topic=f"case:{case.pk}:supervision:{notice.pk}",
    )
    return notice


@transaction.atomic
def case_supervise(
    *, actor, case_id: int, text: str, unit_id: int | None = None, reply_days: int = DEFAULT_REPLY_DAYS
) -> Supervision:
    """督办函: the office tells a unit holding the case (the lead unit by default) to act, and when to reply."""
    require_office(actor)
    case = lock_case(actor, case_id)
    require_state(case, *OPEN, action=pgettext("refused action", "supervised"))
    text = clean_text(text, "text", limit=2000)
    try:
        reply_days = int(reply_days)
    except (TypeError, ValueError):
        raise ValidationError({"reply_days": _("Enter a whole number of working days.")}) from None
    if not 1 <= reply_days <= MAX_REPLY_DAYS:
        raise ValidationError({"reply_days": _("Give 1 to %(max)s working days to reply.") % {"max": MAX_REPLY_DAYS}})
    units = {a.unit_id: a.unit for a in live_assignments(case)}
    target = unit_id or case.lead_unit_id
    if target not in units:
        raise ValidationError({"unit": _("Supervise a unit that holds this case.")})
    return issue_supervision(case, units[target], text, actor=actor, reply_days=reply_days)


@transaction.atomic
def supervision_reply(*, actor, supervision_id: int, reply: str) -> Supervision:
    case_id = Supervision.objects.filter(pk=supervision_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise ValidationError(_("No such supervision notice."))
    case = lock_case(actor, case_id)
    notice = Supervision.objects.select_for_update().select_related("unit").get(pk=supervision_id)
    if not acts_for_unit(actor, notice.unit):
        raise PermissionDenied(_("Only %(unit)s replies to this notice.") % {"unit": notice.unit})
    if notice.replied_at:
        raise TransitionError(_("This notice was already replied to."), code="replied")
    notice.reply = clean_text(reply, "reply", limit=2000)
    notice.replied_by, notice.replied_at = actor, timezone.now()
    notice.save(update_fields=["reply", "replied_by", "replied_at"])
    append_event(
        case,
        CaseEvent.Kind.SUPERVISION_REPLIED,
        actor=actor,
        unit=notice.unit,
        at=notice.replied_at,
        payload={"supervision": notice.pk, "reply": notice.reply, "on_time": notice.replied_at <= notice.reply_due_at},
    )
    tell(
        office_people(),
        case,
        _("Supervision notice answered by %(unit)s") % {"unit": notice.unit},
        topic=f"case:{case.pk}:supervision-reply:{notice.pk}",
    )
    return notice


@transaction.atomic
def case_list(*, actor, case_id: int, note: str) -> Case:
    """挂牌督办: a leader (or the office) lists a major case for supervision; it shows on every queue as listed
    and its units and the office are told."""
    if not has_role(actor, Role.LEADER, Role.OFFICE):
        raise PermissionDenied(_("Only a leader or the coordinating office lists a case for supervision."))
    case = lock_case(actor, case_id)
    require_state(
        case, State.SUBMITTED, *OPEN, State.RETURNED, action=pgettext("refused action", "listed for supervision")
    )
    if case.listed_at:
        raise TransitionError(
            _("Case %(number)s is already listed for supervision.") % {"number": case.number}, code="listed"
        )
    note = clean_text(note, "note", limit=500)
    now = timezone.now()
    set_state(case, case.state, listed_by=actor, listed_at=now)
    append_event(case, CaseEvent.Kind.LISTED, actor=actor, unit=actor.unit, at=now, payload={"note": note})
    units = [a.unit_id for a in live_assignments(case) if a.role == Assignment.Role.LEAD]
    tell(
        list(unit_people(units)) + list(office_people()),
        case,
        _("Listed for supervision by %(leader)s") % {"leader": actor},
        topic=f"case:{case.pk}:listed",
    )
    return case


@transaction.atomic
def case_unlist(*, actor, case_id: int, note: str = "") -> Case:
    case = lock_case(actor, case_id)
    if not case.listed_at:
        raise TransitionError(
            _("Case %(number)s is not listed for supervision.") % {"number": case.number}, code="not_listed"
        )
    if not (has_role(actor, Role.OFFICE) or actor.pk == case.listed_by_id):
        raise PermissionDenied(_("Only the leader who listed the case, or the office, takes it off the list."))
    note = clean_text(note, "note", required=False, limit=500)
    set_state(case, case.state, listed_by=None, listed_at=None)
    append_event(case, CaseEvent.Kind.UNLISTED, actor=actor, unit=actor.unit, payload={"note": note})
    return case
