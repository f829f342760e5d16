"""Dispatch (交办): the office assigns a case to a lead unit, co-handling units and the locality (双线推进),
reassigns one a unit returned, rejects one with a reason, or merges several enterprises' cases into one
common issue (点办理、批处理)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Unit
from cases import deadlines
from cases.models import Assignment, Case, CaseCategory, CaseEvent, CommonIssue, DispatchSuggestion, Urgency
from cases.services.base import (
    State,
    TransitionError,
    clean_text,
    enterprise_people,
    live_assignments,
    lock_case,
    lock_members,
    require_office,
    require_state,
    set_state,
    tell,
    unit_people,
)
from cases.services.trail import append_event

ASSIGNABLE = (State.SUBMITTED, State.RETURNED, State.ASSIGNED)
MERGEABLE = (State.SUBMITTED, State.RETURNED)


def _units(lead_unit_id, co_unit_ids, locality_unit_ids) -> dict[str, list[Unit]]:
    if not lead_unit_id:
        raise ValidationError({"lead_unit": _("Choose the lead unit.")})
    co_ids = [int(pk) for pk in co_unit_ids or []]
    locality_ids = [int(pk) for pk in locality_unit_ids or []]
    all_ids = [int(lead_unit_id), *co_ids, *locality_ids]
    if len(set(all_ids)) != len(all_ids):
        raise ValidationError({"co_units": _("A unit can hold only one role on a case.")})
    found = {u.pk: u for u in Unit.objects.filter(pk__in=all_ids, is_active=True).exclude(kind=Unit.Kind.OFFICE)}
    missing = [pk for pk in all_ids if pk not in found]
    if missing:
        raise ValidationError(
            {"lead_unit": _("No active handling unit with id %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    return {
        Assignment.Role.LEAD: [found[int(lead_unit_id)]],
        Assignment.Role.CO: [found[pk] for pk in co_ids],
        Assignment.Role.LOCALITY: [found[pk] for pk in locality_ids],
    }


def _unit_ref(unit: Unit) -> dict:
    return {"id": unit.pk, "name": unit.name}


def _apply_assignment(case: Case, actor, units: dict[str, list[Unit]], limits, note: str, now) -> list[int]:
    """Give `case` to `units`: live assignments the office keeps stay as they are, the others are withdrawn;
    returns the ids of units newly assigned (they are told)."""
    wanted = {(role, unit.pk) for role, role_units in units.items() for unit in role_units}
    kept = set()
    for assignment in live_assignments(case):
        key = (assignment.role, assignment.unit_id)
        if key in wanted:
            kept.add(key)
            continue
        assignment.state = Assignment.State.WITHDRAWN
        assignment.save(update_fields=["state"])
    new_units = []
    accept_due_at = deadlines.accept_due(now, limits.accept_days)
    for role, role_units in units.items():
        for unit in role_units:
            if (role, unit.pk) in kept:
                continue
            Assignment.objects.create(
                case=case,
                unit=unit,
                role=role,
                assigned_at=now,
                assigned_by=actor,
                accept_due_at=accept_due_at,
            )
            new_units.append(unit.pk)
    first = case.first_assigned_at is None
    kind = CaseEvent.Kind.ASSIGNED if first else CaseEvent.Kind.REASSIGNED
    lead = units[Assignment.Role.LEAD][0]
    set_state(
        case,
        State.ASSIGNED,
        lead_unit=lead,
        first_assigned_at=case.first_assigned_at or now,
        escalation_level=0,
        reminded_at=None,
    )
    append_event(
        case,
        kind,
        actor=actor,
        unit=actor.unit,
        at=now,
        payload={
            "lead": _unit_ref(lead),
            "co": [_unit_ref(u) for u in units[Assignment.Role.CO]],
            "locality": [_unit_ref(u) for u in units[Assignment.Role.LOCALITY]],
            "accept_days": limits.accept_days,
            "resolve_days": limits.resolve_days,
            "urgency": case.urgency,
            "category": case.category.name,
            "note": note,
        },
    )
    deadlines.refresh_deadlines(case)
    return new_units


@transaction.atomic
def case_assign(
    *,
    actor,
    case_id: int,
    lead_unit_id: int,
    co_unit_ids=(),
    locality_unit_ids=(),
    category_id: int | None = None,
    urgency: str | None = None,
    note: str = "",
    suggestion_confirmed: bool = False,
) -> Case:
    """Assign (or reassign) a case; the office may correct its category and urgency on the way, which set
    its deadlines. On a common issue, every member awaiting dispatch is assigned the same way."""
    require_office(actor)
    case = lock_case(actor, case_id)
    # Once the lead unit has accepted (in progress) the case is its own; before that the office may redo it.
    require_state(case, *ASSIGNABLE, action=pgettext("refused action", "assigned"))
    units = _units(lead_unit_id, co_unit_ids, locality_unit_ids)
    note = clean_text(note, "note", required=False, limit=500)
    changes = {}
    if category_id not in (None, ""):
        try:
            changes["category"] = CaseCategory.objects.get(pk=int(category_id), is_active=True)
        except (CaseCategory.DoesNotExist, ValueError, TypeError):
            raise ValidationError({"category": _("Unknown category.")}) from None
    if urgency:
        if urgency not in Urgency.values:
            raise ValidationError({"urgency": _("Unknown urgency “%(value)s”.") % {"value": urgency}})
        changes["urgency"] = urgency
    now = timezone.now()
    told = set()
    for member in lock_members(case, *ASSIGNABLE):
        for name, value in changes.items():
            setattr(member, name, value)
        if changes:
            Case.objects.filter(pk=member.pk).update(**changes)
        limits = deadlines.limits_for(member.category_id, member.urgency)
        told.update(_apply_assignment(member, actor, units, limits, note, now))
        record_dispatch_choice(
            case=member,
            actor=actor,
            lead_unit_id=units[Assignment.Role.LEAD][0].pk,
            at=now,
            confirmed=suggestion_confirmed,
        )
    if told:
        tell(
            unit_people(told),
            case,
            _("Assigned to your unit: %(title)s") % {"title": case.title},
            topic=f"case:{case.pk}:assigned",
        )
    return case


def record_dispatch_choice(*, case: Case, actor, lead_unit_id: int, at, confirmed: bool = False) -> None:
    """Write what the office chose onto the case's open suggestion, if one was shown: called by case_assign
    in its transaction, so every confirmation and every correction is counted."""
    record = (
        DispatchSuggestion.objects.select_for_update()
        .filter(case=case, decided_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if record is None:
        return
    record.set_choice(case.category_id, lead_unit_id)
    record.confirmed = confirmed
    record.decided_by = actor
    record.decided_at = at
    record.save()


@transaction.atomic
def case_reject(*, actor, case_id: int, reason: str, note: str, duplicate_of_number: str = "") -> Case:
    """不予受理: a duplicate or a problem outside the programs' remit, with the reason the enterprise reads."""
    require_office(actor)
    case = lock_case(actor, case_id)
    require_state(case, *MERGEABLE, action=pgettext("refused action", "rejected"))
    if reason not in Case.RejectReason.values:
        raise ValidationError({"reason": _("Choose why the case is rejected.")})
    note = clean_text(note, "note", limit=500)
    duplicate_of = None
    if reason == Case.RejectReason.DUPLICATE:
        number = (duplicate_of_number or "").strip()
        if not number:
            raise ValidationError({"duplicate_of": _("Give the number of the case this one duplicates.")})
        duplicate_of = Case.objects.filter(number=number).exclude(pk=case.pk).first()
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": _("No case numbered %(number)s.") % {"number": number}})
    for assignment in live_assignments(case):
        assignment.state = Assignment.State.WITHDRAWN
        assignment.save(update_fields=["state"])
    set_state(
        case,
        State.REJECTED,
        reject_reason=reason,
        reject_note=note,
        duplicate_of=duplicate_of,
        closed_at=timezone.now(),
    )
    append_event(
        case,
        CaseEvent.Kind.REJECTED,
        actor=actor,
        unit=actor.unit,
        payload={"reason": reason, "note": note, "duplicate_of": duplicate_of.number if duplicate_of else ""},
    )
    deadlines.refresh_deadlines(case)
    tell(
        enterprise_people(case),
        case,
        _("Your case was not accepted: %(note)s") % {"note": note},
        topic=f"case:{case.pk}:rejected",
    )
    return case


@transaction.atomic
def case_merge(*, actor, case_ids: list[int], title: str = "", common_issue_id: int | None = None) -> CommonIssue:
    """Merge cases awaiting dispatch into a common issue: a new one titled `title`, or an existing one whose
    members are still awaiting dispatch too."""
    require_office(actor)
    ids = sorted({int(pk) for pk in case_ids or []})
    if common_issue_id is None and len(ids) < 2:
        raise ValidationError({"cases": _("Choose at least two cases to merge.")})
    if not ids:
        raise ValidationError({"cases": _("Choose the cases to merge.")})
    cases = [lock_case(actor, pk) for pk in ids]
    for case in cases:
        require_state(case, *MERGEABLE, action=pgettext("refused action", "merged"))
        if case.common_issue_id is not None and case.common_issue_id != common_issue_id:
            raise TransitionError(
                _("Case %(number)s already belongs to a common issue.") % {"number": case.number}, code="merged"
            )
    if common_issue_id is not None:
        issue = CommonIssue.objects.select_for_update().filter(pk=common_issue_id).first()
        if issue is None:
            raise ValidationError({"common_issue": _("No such common issue.")})
        if issue.cases.exclude(state__in=(*MERGEABLE, *Case.FINAL_STATES)).exists():
            raise TransitionError(
                _("This common issue is already being handled; file the case on its own or reject it as a duplicate."),
                code="issue_in_handling",
            )
    else:
        issue = CommonIssue.objects.create(
            title=clean_text(title, "title", limit=120), description=cases[0].description, created_by=actor
        )
    for case in cases:
        if case.common_issue_id == issue.pk:
            continue
        Case.objects.filter(pk=case.pk).update(common_issue=issue)
        case.common_issue = issue
        append_event(
            case,
            CaseEvent.Kind.MERGED,
            actor=actor,
            unit=actor.unit,
            payload={"common_issue": issue.pk, "title": issue.title},
        )
    return issue


@transaction.atomic
def case_unmerge(*, actor, case_id: int, note: str = "") -> Case:
    """Take a case out of its common issue; it is handled on its own from here."""
    require_office(actor)
    case = lock_case(actor, case_id)
    if case.common_issue_id is None:
        raise TransitionError(_("Case %(number)s is not part of a common issue.") % {"number": case.number})
    return detach(case, actor, clean_text(note, "note", required=False, limit=500))


def detach(case: Case, actor, note: str) -> Case:
    issue_id = case.common_issue_id
    Case.objects.filter(pk=case.pk).update(common_issue=None)
    case.common_issue = None
    append_event(
        case,
        CaseEvent.Kind.UNMERGED,
        actor=actor,
        unit=getattr(actor, "unit", None),
        payload={"common_issue": issue_id, "note": note},
    )
    return case
