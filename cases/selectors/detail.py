"""Reads of one case: what the viewer may do with it now, and its timeline as the viewer may read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import Role
from accounts.scope import has_role
from cases.models import Assignment, Case, CaseEvent, CaseReply, ExtensionRequest, Supervision
from cases.services.base import acts_for_unit, heads_unit, is_enterprise_user

State = Case.State

# Internal working records an enterprise does not read on its case's timeline.
INTERNAL_EVENTS = frozenset(
    {
        CaseEvent.Kind.REPLY_DRAFTED,
        CaseEvent.Kind.REPLY_SENT_BACK,
        CaseEvent.Kind.SUPERVISED,
        CaseEvent.Kind.SUPERVISION_REPLIED,
        CaseEvent.Kind.REMINDED,
        CaseEvent.Kind.ESCALATED,
        CaseEvent.Kind.CALLBACK,
        CaseEvent.Kind.LISTED,
        CaseEvent.Kind.UNLISTED,
        CaseEvent.Kind.EXTENSION_REQUESTED,
        CaseEvent.Kind.EXTENSION_REFUSED,
    }
)


@dataclass
class Actions:
    """The actions open to one viewer on one case now, by name, with the records they act on. The same
    rules as the services (cases.services.base predicates), so a button shown is an action allowed; the
    service still checks on submit."""

    names: set[str] = field(default_factory=set)
    # The viewer's unit's assignment awaiting acceptance / live (for accept, return).
    pending_assignment: Assignment | None = None
    extensions_to_decide: list[ExtensionRequest] = field(default_factory=list)
    replies_to_decide: list[CaseReply] = field(default_factory=list)
    supervisions_to_answer: list[Supervision] = field(default_factory=list)

    def __contains__(self, name: str) -> bool:
        return name in self.names


def available_actions(user, case: Case) -> Actions:
    """What `user` (who already sees `case`) may do with it now. Five to seven queries."""
    actions = Actions()
    office = has_role(user, Role.OFFICE)
    state = case.state
    live = [a for a in case.assignments.select_related("unit") if a.is_live]
    mine = [a for a in live if acts_for_unit(user, a.unit)]
    lead_mine = [a for a in mine if a.role == Assignment.Role.LEAD]
    enterprise = is_enterprise_user(user, case)

    if office:
        if state in (State.SUBMITTED, State.RETURNED, State.ASSIGNED):
            actions.names.add("assign")
        if state in (State.SUBMITTED, State.RETURNED):
            actions.names.update({"reject", "merge"})
        if state in (State.ASSIGNED, State.IN_PROGRESS, State.WAITING, State.RESOLVED):
            actions.names.add("supervise")
        if state == State.RESOLVED:
            actions.names.update({"close", "reopen", "callback"})
        if state == State.CLOSED:
            actions.names.add("callback")
        if case.common_issue_id:
            actions.names.add("unmerge")
        actions.extensions_to_decide = list(case.extensions.filter(status=ExtensionRequest.Status.PENDING))
        if actions.extensions_to_decide:
            actions.names.add("decide_extension")
    pending = [a for a in mine if a.state == Assignment.State.PENDING]
    if pending and state in (State.ASSIGNED, State.IN_PROGRESS, State.WAITING):
        actions.pending_assignment = pending[0]
        actions.names.add("accept")
    returnable = [a for a in mine if not (a.role == Assignment.Role.LEAD and a.state == Assignment.State.ACCEPTED)]
    if returnable and state in (State.ASSIGNED, State.IN_PROGRESS):
        actions.names.add("return")
    if (mine or office) and state in (State.ASSIGNED, State.IN_PROGRESS, State.WAITING):
        actions.names.add("progress")
    accepted_lead = [a for a in lead_mine if a.state == Assignment.State.ACCEPTED]
    if accepted_lead:
        if state == State.IN_PROGRESS:
            actions.names.add("wait")
            if not case.replies.filter(status=CaseReply.Status.PENDING).exists():
                actions.names.add("reply")
        if (
            state in (State.IN_PROGRESS, State.WAITING)
            and not case.extensions.filter(status=ExtensionRequest.Status.PENDING).exists()
        ):
            actions.names.add("request_extension")
        if state == State.WAITING:
            actions.names.add("resume")
    if state == State.IN_PROGRESS:
        actions.replies_to_decide = [
            r
            for r in case.replies.filter(status=CaseReply.Status.PENDING).select_related("unit")
            if heads_unit(user, r.unit)
        ]
        if actions.replies_to_decide:
            actions.names.add("decide_reply")
    if not enterprise:
        actions.supervisions_to_answer = [
            s for s in case.supervisions.filter(replied_at=None).select_related("unit") if acts_for_unit(user, s.unit)
        ]
        if actions.supervisions_to_answer:
            actions.names.add("answer_supervision")
    if enterprise:
        if state == State.RESOLVED and not case.rating:
            actions.names.add("rate")
        if state == State.RESOLVED and case.rating in ("", Case.Rating.UNSATISFIED):
            actions.names.add("reopen")
        if state == State.WAITING:
            actions.names.add("resume")
    if has_role(user, Role.LEADER, Role.OFFICE) and case.is_open and state != State.REJECTED:
        actions.names.add("unlist" if case.listed_at else "list")
        if case.listed_at and not office and case.listed_by_id != user.pk:
            actions.names.discard("unlist")
    return actions


def timeline(user, case: Case) -> list[CaseEvent]:
    """The case's events, oldest first, as the viewer may read them (an enterprise does not see internal
    working records)."""
    events = case.events.select_related("actor").order_by("seq")
    if is_enterprise_user(user, case) and not has_role(user, *(r for r in Role.values if r != Role.ENTERPRISE)):
        events = events.exclude(kind__in=INTERNAL_EVENTS)
    return list(events)


def can_see_case_contact(user, case: Case, live_assignments: list[Assignment] | None = None) -> bool:
    """Whether the viewer reads the case's contact phone in full: whoever may see the enterprise's contacts
    (enterprises.selectors.registry.can_see_contacts), and the units working on the case, who must be able to
    call the person who filed it."""
    from enterprises.selectors.registry import can_see_contacts

    if can_see_contacts(user, case.enterprise):
        return True
    live = (
        live_assignments
        if live_assignments is not None
        else [a for a in case.assignments.select_related("unit") if a.is_live]
    )
    return any(acts_for_unit(user, a.unit) for a in live)
