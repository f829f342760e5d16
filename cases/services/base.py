"""What every transition shares: locking the case (and the other members of its common issue), checking
the state, telling people, and the rules of who may act for a unit."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scope import current_year, get_for_user, has_role
from cases.models import Assignment, Case
from core.notifications import notify
from enterprises.models import Linkage

State = Case.State
UNIT_ROLES = (Role.UNIT_HANDLER, Role.UNIT_HEAD)
MAX_TEXT = 4000
MAX_NOTE = 500


class TransitionError(ValidationError):
    """An action the case's state does not allow; the message names the state and what is possible."""


def state_label(state: str) -> str:
    return str(State(state).label)


def require_state(case: Case, *states: str, action: str) -> None:
    if case.state not in states:
        raise TransitionError(
            _("Case %(number)s is %(state)s: it cannot be %(action)s now.")
            % {"number": case.number, "state": state_label(case.state), "action": action},
            code="wrong_state",
        )


def clean_text(value: str | None, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({label: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError(
            {label: _("At most %(limit)s characters (this has %(count)s).") % {"limit": limit, "count": len(text)}}
        )
    return text


def lock_case(actor, case_id: int) -> Case:
    """The case in the actor's scope (else 404), locked for the rest of the transaction."""
    return get_for_user(
        actor,
        Case.objects.select_for_update(of=("self",)).select_related("enterprise", "lead_unit", "category"),
        pk=case_id,
    )


def lock_members(case: Case, *states: str) -> list[Case]:
    """The case and, when it belongs to a common issue, every other member in one of `states` (by default the
    case's own state), locked in id order so that two people acting on one issue cannot deadlock."""
    if case.common_issue_id is None:
        return [case]
    states = states or (case.state,)
    others = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("enterprise", "lead_unit", "category")
        .filter(common_issue_id=case.common_issue_id, state__in=states)
        .exclude(pk=case.pk)
        .order_by("pk")
    )
    return [case, *others]


def set_state(case: Case, state: str, **fields) -> None:
    """Write the state (and other fields) of a locked case. Only transition services call this."""
    case.state = state
    for name, value in fields.items():
        setattr(case, name, value)
    Case.objects.filter(pk=case.pk).update(state=state, **fields)


# Who may act ---------------------------------------------------------------------------------------------


def require_office(actor) -> None:
    if not has_role(actor, Role.OFFICE):
        raise PermissionDenied(_("Only the coordinating office may do this."))


def acts_for_unit(actor, unit: Unit) -> bool:
    """A unit's handlers and heads act for it; a head also for the units below theirs."""
    if not actor.unit_id:
        return False
    if actor.unit_id == unit.pk and has_role(actor, *UNIT_ROLES):
        return True
    return has_role(actor, Role.UNIT_HEAD) and unit.path.startswith(actor.unit.path)


def heads_unit(actor, unit: Unit) -> bool:
    return bool(actor.unit_id) and has_role(actor, Role.UNIT_HEAD) and unit.path.startswith(actor.unit.path)


def live_assignments(case: Case) -> list[Assignment]:
    return list(
        case.assignments.filter(state__in=(Assignment.State.PENDING, Assignment.State.ACCEPTED)).select_related("unit")
    )


def actor_assignment(actor, case: Case, *states: str, lead: bool = False) -> Assignment:
    """The live assignment of `case` the actor acts for (the lead one when `lead`), else PermissionDenied."""
    states = states or (Assignment.State.PENDING, Assignment.State.ACCEPTED)
    candidates = [
        a for a in live_assignments(case) if a.state in states and (not lead or a.role == Assignment.Role.LEAD)
    ]
    # Prefer the actor's own unit over a unit below it.
    candidates.sort(key=lambda a: (a.unit_id != actor.unit_id, a.pk))
    for assignment in candidates:
        if acts_for_unit(actor, assignment.unit):
            return assignment
    if lead:
        raise PermissionDenied(_("Only the lead unit of this case may do this."))
    raise PermissionDenied(_("Your unit holds no assignment on this case that allows this."))


def is_enterprise_user(actor, case: Case) -> bool:
    return has_role(actor, Role.ENTERPRISE) and actor.enterprise_id == case.enterprise_id


def linked_leader_id(case: Case) -> int | None:
    return (
        Linkage.objects.filter(enterprise_id=case.enterprise_id, year=current_year())
        .values_list("leader_id", flat=True)
        .first()
    )


def is_linked_leader(actor, case: Case) -> bool:
    return has_role(actor, Role.LEADER) and linked_leader_id(case) == actor.pk


# Who hears about it --------------------------------------------------------------------------------------


def case_link(case: Case) -> str:
    return reverse("case_detail", args=[case.pk])


def people_with_role(*roles: str, units: Iterable[int] | None = None, enterprise_id: int | None = None):
    people = User.objects.filter(is_active=True, role_grants__role__in=roles)
    if units is not None:
        people = people.filter(unit_id__in=list(units))
    if enterprise_id is not None:
        people = people.filter(enterprise_id=enterprise_id)
    return people.distinct()


def unit_people(unit_ids: Iterable[int], roles=UNIT_ROLES):
    return people_with_role(*roles, units=unit_ids)


def office_people():
    return people_with_role(Role.OFFICE)


def enterprise_people(case: Case):
    return people_with_role(Role.ENTERPRISE, enterprise_id=case.enterprise_id)


def tell(people, case: Case, subject: str, body: str = "", *, topic: str = "") -> None:
    notify(people, f"[{case.number}] {subject}", body or case.title, link=case_link(case), topic=topic)
