"""Handling (办理): units accept or return what they were given, note progress, wait for the enterprise's
material (the clock pauses), ask for extensions (the office decides), and reply with the outcome, which the
unit head approves before it goes out.

On a common issue the work is done once: accepting, noting progress, asking for an extension and replying
act on every member the unit holds in the same stage; waiting for material stays per enterprise."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Role
from accounts.scope import has_role
from cases import attachments as files
from cases import deadlines
from cases.models import Assignment, Case, CaseAttachment, CaseEvent, CaseReply, ExtensionRequest
from cases.services.base import (
    State,
    TransitionError,
    actor_assignment,
    clean_text,
    enterprise_people,
    heads_unit,
    is_enterprise_user,
    lock_case,
    lock_members,
    office_people,
    require_office,
    require_state,
    set_state,
    tell,
    unit_people,
)
from cases.services.trail import append_event

MAX_EXTENSION_DAYS = 60
WORKING = (State.ASSIGNED, State.IN_PROGRESS)


def _unit_members(case: Case, actor, *states: str, lead: bool = False) -> list[tuple[Case, Assignment]]:
    """The case and its common-issue siblings in `states`, each with the live assignment the actor acts for
    on it; siblings where the actor's unit holds nothing are left alone."""
    pairs = []
    for member in lock_members(case, *states):
        try:
            pairs.append((member, actor_assignment(actor, member, lead=lead)))
        except PermissionDenied:
            if member.pk == case.pk:
                raise
    return pairs


# Accept and return ---------------------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, actor, case_id: int) -> Case:
    """签收: the unit takes the case. When the lead unit accepts, handling starts."""
    case = lock_case(actor, case_id)
    require_state(case, *WORKING, State.WAITING, action=pgettext("refused action", "accepted"))
    now = timezone.now()
    for member in lock_members(case, *WORKING, State.WAITING):
        try:
            assignment = actor_assignment(actor, member, Assignment.State.PENDING)
        except PermissionDenied:
            if member.pk == case.pk:
                raise PermissionDenied(_("Your unit has nothing on this case waiting for acceptance.")) from None
            continue
        assignment.state, assignment.accepted_at, assignment.accepted_by = Assignment.State.ACCEPTED, now, actor
        assignment.save(update_fields=["state", "accepted_at", "accepted_by"])
        if assignment.role == Assignment.Role.LEAD and member.state == State.ASSIGNED:
            set_state(member, State.IN_PROGRESS)
        append_event(
            member,
            CaseEvent.Kind.ACCEPTED,
            actor=actor,
            unit=assignment.unit,
            at=now,
            payload={
                "role": assignment.role,
                "on_time": bool(assignment.accept_due_at and now <= assignment.accept_due_at),
            },
        )
        deadlines.refresh_deadlines(member)
    return case


@transaction.atomic
def case_return(*, actor, case_id: int, reason: str) -> Case:
    """退回: the unit sends back what it was given, saying why (not its remit, wrong locality…). When the lead
    returns, the case goes back to the office to reassign."""
    case = lock_case(actor, case_id)
    require_state(case, *WORKING, action=pgettext("refused action", "returned"))
    reason = clean_text(reason, "reason", limit=500)
    now = timezone.now()
    for member, assignment in _unit_members(case, actor, *WORKING):
        if assignment.role == Assignment.Role.LEAD and member.state == State.IN_PROGRESS:
            raise TransitionError(
                _("Your unit accepted case %(number)s as lead; ask the office to reassign it instead of returning it.")
                % {"number": member.number},
                code="already_accepted",
            )
        assignment.state, assignment.returned_at, assignment.return_reason = Assignment.State.RETURNED, now, reason
        assignment.save(update_fields=["state", "returned_at", "return_reason"])
        if assignment.role == Assignment.Role.LEAD:
            set_state(member, State.RETURNED, return_count=member.return_count + 1, lead_unit=None)
        append_event(
            member,
            CaseEvent.Kind.RETURNED,
            actor=actor,
            unit=assignment.unit,
            at=now,
            payload={"role": assignment.role, "reason": reason},
        )
        deadlines.refresh_deadlines(member)
    tell(
        office_people(),
        case,
        _("Returned by %(unit)s: %(reason)s") % {"unit": actor.unit, "reason": reason},
        topic=f"case:{case.pk}:returned",
    )
    return case


# Progress ------------------------------------------------------------------------------------------------


@transaction.atomic
def case_progress(*, actor, case_id: int, note: str, uploads=()) -> Case:
    """A progress note from a unit on the case (or the office), optionally with material."""
    case = lock_case(actor, case_id)
    require_state(
        case,
        State.IN_PROGRESS,
        State.WAITING,
        State.ASSIGNED,
        action=pgettext("refused action", "given a progress note"),
    )
    note = clean_text(note, "note")
    checked = files.check_uploads(uploads)
    if has_role(actor, Role.OFFICE):
        pairs = [(member, None) for member in lock_members(case, State.IN_PROGRESS, State.WAITING, State.ASSIGNED)]
    else:
        pairs = _unit_members(case, actor, State.IN_PROGRESS, State.WAITING, State.ASSIGNED)
    for member, assignment in pairs:
        stored = files.store_attachments(member, checked, kind=CaseAttachment.Kind.EVIDENCE, actor=actor)
        append_event(
            member,
            CaseEvent.Kind.PROGRESS,
            actor=actor,
            unit=assignment.unit if assignment else actor.unit,
            payload={"note": note, "attachments": files.describe(stored)},
        )
    return case


# Waiting for the enterprise ------------------------------------------------------------------------------


@transaction.atomic
def case_wait(*, actor, case_id: int, request: str) -> Case:
    """待企业补充: the lead unit needs material from the enterprise; the deadline clock stops until it comes."""
    case = lock_case(actor, case_id)
    require_state(case, State.IN_PROGRESS, action=pgettext("refused action", "put on hold for material"))
    assignment = actor_assignment(actor, case, Assignment.State.ACCEPTED, lead=True)
    request = clean_text(request, "request", limit=1000)
    set_state(case, State.WAITING)
    append_event(case, CaseEvent.Kind.WAITING, actor=actor, unit=assignment.unit, payload={"request": request})
    deadlines.refresh_deadlines(case)
    tell(
        enterprise_people(case),
        case,
        _("Material needed: %(request)s") % {"request": request},
        topic=f"case:{case.pk}:waiting",
    )
    return case


@transaction.atomic
def case_resume(*, actor, case_id: int, note: str, uploads=()) -> Case:
    """The enterprise supplies the material (or the lead unit resumes without it); the clock runs again and
    the paused working time is added to the deadline."""
    case = lock_case(actor, case_id)
    require_state(case, State.WAITING, action=pgettext("refused action", "resumed"))
    if is_enterprise_user(actor, case):
        unit = None
    else:
        unit = actor_assignment(actor, case, Assignment.State.ACCEPTED, lead=True).unit
    note = clean_text(note, "note", required=unit is None)
    checked = files.check_uploads(uploads)
    stored = files.store_attachments(case, checked, kind=CaseAttachment.Kind.MATERIAL, actor=actor)
    set_state(case, State.IN_PROGRESS)
    append_event(
        case,
        CaseEvent.Kind.RESUMED,
        actor=actor,
        unit=unit,
        payload={"note": note, "attachments": files.describe(stored), "by_enterprise": unit is None},
    )
    deadlines.refresh_deadlines(case)
    if unit is None and case.lead_unit_id:
        tell(
            unit_people([case.lead_unit_id]),
            case,
            _("The enterprise supplied the material"),
            topic=f"case:{case.pk}:resumed",
        )
    return case


# Extensions ----------------------------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, actor, case_id: int, days: int, reason: str) -> Case:
    """延期申请: the lead unit asks for more working days, with a reason; the office decides."""
    case = lock_case(actor, case_id)
    require_state(case, State.IN_PROGRESS, State.WAITING, action=pgettext("refused action", "extended"))
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationError({"days": _("Enter a whole number of working days.")}) from None
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError({"days": _("Ask for 1 to %(max)s working days.") % {"max": MAX_EXTENSION_DAYS}})
    reason = clean_text(reason, "reason", limit=1000)
    now = timezone.now()
    for member, assignment in _unit_members(case, actor, State.IN_PROGRESS, State.WAITING, lead=True):
        if member.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
            if member.pk == case.pk:
                raise TransitionError(
                    _("An extension request on case %(number)s is already awaiting the office's decision.")
                    % {"number": member.number},
                    code="pending_extension",
                )
            continue
        request = ExtensionRequest.objects.create(
            case=member, unit=assignment.unit, days=days, reason=reason, requested_by=actor, requested_at=now
        )
        append_event(
            member,
            CaseEvent.Kind.EXTENSION_REQUESTED,
            actor=actor,
            unit=assignment.unit,
            at=now,
            payload={"request": request.pk, "days": days, "reason": reason},
        )
    tell(
        office_people(),
        case,
        _("Extension of %(days)s working days requested") % {"days": days},
        topic=f"case:{case.pk}:extension",
    )
    return case


@transaction.atomic
def extension_decide(*, actor, extension_id: int, approve: bool, note: str = "") -> ExtensionRequest:
    """The office approves (the deadline moves out by the days asked) or refuses (a reason is required)."""
    require_office(actor)
    pending = ExtensionRequest.objects.filter(pk=extension_id).values_list("case_id", flat=True).first()
    if pending is None:
        raise ValidationError(_("No such extension request."))
    case = lock_case(actor, pending)
    request = ExtensionRequest.objects.select_for_update().get(pk=extension_id)
    if request.status != ExtensionRequest.Status.PENDING:
        raise TransitionError(_("This extension request was already decided."), code="decided")
    note = clean_text(note, "note", required=not approve, limit=500)
    now = timezone.now()
    requests = [request]
    if case.common_issue_id:
        requests += list(
            ExtensionRequest.objects.select_for_update()
            .filter(
                case__common_issue_id=case.common_issue_id, status=ExtensionRequest.Status.PENDING, days=request.days
            )
            .exclude(pk=request.pk)
        )
    members = {m.pk: m for m in lock_members(case, State.IN_PROGRESS, State.WAITING)}
    for each in requests:
        member = members.get(each.case_id)
        if member is None:
            continue
        each.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
        each.decided_by, each.decided_at, each.decision_note = actor, now, note
        each.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        kind = CaseEvent.Kind.EXTENSION_APPROVED if approve else CaseEvent.Kind.EXTENSION_REFUSED
        append_event(
            member,
            kind,
            actor=actor,
            unit=actor.unit,
            at=now,
            payload={"request": each.pk, "days": each.days, "note": note},
        )
        deadlines.refresh_deadlines(member)
        if approve:
            # A new deadline: the reminder and escalation of the old one no longer apply.
            Case.objects.filter(pk=member.pk).update(reminded_at=None, escalation_level=0)
    subject = _("Extension approved") if approve else _("Extension refused: %(note)s") % {"note": note}
    tell(unit_people([request.unit_id]), case, subject, topic=f"case:{case.pk}:extension-decided")
    return request


# The reply -----------------------------------------------------------------------------------------------


def _resolve(member: Case, reply: CaseReply, actor, now, stored_by_case: dict) -> None:
    member.refresh_from_db(fields=["due_at"])
    on_time = member.due_at is None or now <= member.due_at
    set_state(
        member,
        State.RESOLVED,
        outcome=reply.outcome,
        resolution=reply.text,
        resolved_at=now,
        resolved_on_time=on_time,
        rating="",
        rating_comment="",
        rated_at=None,
    )
    append_event(
        member,
        CaseEvent.Kind.RESOLVED,
        actor=actor,
        unit=reply.unit,
        at=now,
        payload={
            "reply": reply.pk,
            "outcome": reply.outcome,
            "text": reply.text,
            "on_time": on_time,
            "attachments": stored_by_case.get(member.pk, []),
        },
    )
    tell(
        enterprise_people(member),
        member,
        _("Your case is resolved; please confirm and rate it"),
        topic=f"case:{member.pk}:resolved",
    )


@transaction.atomic
def reply_draft(*, actor, case_id: int, outcome: str, text: str, uploads=()) -> Case:
    """The lead unit's reply: the outcome (solved / explained / not solved), what was done, and evidence. It
    waits for the unit head's approval, unless the author is that head."""
    case = lock_case(actor, case_id)
    require_state(case, State.IN_PROGRESS, action=pgettext("refused action", "replied to"))
    if outcome not in Case.Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome: solved, explained or not solved.")})
    text = clean_text(text, "text")
    checked = files.check_uploads(uploads)
    now = timezone.now()
    pairs = _unit_members(case, actor, State.IN_PROGRESS, lead=True)
    for member, _assignment in pairs:
        if member.replies.filter(status=CaseReply.Status.PENDING).exists():
            if member.pk == case.pk:
                raise TransitionError(
                    _("A reply on case %(number)s is already awaiting the unit head's approval.")
                    % {"number": member.number},
                    code="pending_reply",
                )
            continue
    stored_by_case = {}
    head_approves = heads_unit(actor, case.lead_unit)
    for member, assignment in pairs:
        if member.replies.filter(status=CaseReply.Status.PENDING).exists():
            continue
        stored = files.store_attachments(member, checked, kind=CaseAttachment.Kind.EVIDENCE, actor=actor)
        stored_by_case[member.pk] = files.describe(stored)
        reply = CaseReply.objects.create(
            case=member, unit=assignment.unit, outcome=outcome, text=text, drafted_by=actor, drafted_at=now
        )
        append_event(
            member,
            CaseEvent.Kind.REPLY_DRAFTED,
            actor=actor,
            unit=assignment.unit,
            at=now,
            payload={"reply": reply.pk, "outcome": outcome, "text": text, "attachments": stored_by_case[member.pk]},
        )
        if head_approves:
            reply.status, reply.decided_by, reply.decided_at = CaseReply.Status.APPROVED, actor, now
            reply.save(update_fields=["status", "decided_by", "decided_at"])
            _resolve(member, reply, actor, now, stored_by_case)
    if not head_approves:
        heads = unit_people([case.lead_unit_id], roles=(Role.UNIT_HEAD,))
        tell(heads, case, _("A reply awaits your approval"), topic=f"case:{case.pk}:reply")
    return case


@transaction.atomic
def reply_decide(*, actor, reply_id: int, approve: bool, note: str = "") -> CaseReply:
    """The unit head approves the reply (the case is resolved and the enterprise asked to rate it) or sends
    it back to the handler with a note."""
    case_id = CaseReply.objects.filter(pk=reply_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise ValidationError(_("No such reply."))
    case = lock_case(actor, case_id)
    reply = CaseReply.objects.select_for_update().select_related("unit").get(pk=reply_id)
    if reply.status != CaseReply.Status.PENDING:
        raise TransitionError(_("This reply was already decided."), code="decided")
    if not heads_unit(actor, reply.unit):
        raise PermissionDenied(_("Only the head of %(unit)s may approve its replies.") % {"unit": reply.unit})
    require_state(case, State.IN_PROGRESS, action=pgettext("refused action", "resolved"))
    note = clean_text(note, "note", required=not approve, limit=500)
    now = timezone.now()
    replies = [reply]
    if case.common_issue_id:
        replies += list(
            CaseReply.objects.select_for_update()
            .filter(case__common_issue_id=case.common_issue_id, status=CaseReply.Status.PENDING, unit=reply.unit)
            .exclude(pk=reply.pk)
        )
    members = {m.pk: m for m in lock_members(case, State.IN_PROGRESS)}
    for each in replies:
        member = members.get(each.case_id)
        if member is None:
            continue
        each.decided_by, each.decided_at, each.decision_note = actor, now, note
        if approve:
            each.status = CaseReply.Status.APPROVED
            each.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            evidence = [
                {"id": a.pk, "name": a.original_name, "size": a.size, "sha256": a.sha256}
                for a in member.attachments.filter(kind=CaseAttachment.Kind.EVIDENCE, uploaded_at__gte=each.drafted_at)
            ]
            _resolve(member, each, actor, now, {member.pk: evidence})
        else:
            each.status = CaseReply.Status.SENT_BACK
            each.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            append_event(
                member,
                CaseEvent.Kind.REPLY_SENT_BACK,
                actor=actor,
                unit=reply.unit,
                at=now,
                payload={"reply": each.pk, "note": note},
            )
    if not approve and reply.drafted_by_id:
        tell(
            [reply.drafted_by],
            case,
            _("Your reply was sent back: %(note)s") % {"note": note},
            topic=f"case:{case.pk}:reply-back",
        )
    return reply
