"""Writes on visits (走访): a cadre (or any staff member with the enterprise in scope) records a visit and
the problems found; the visitor may correct or withdraw it for a week, the coordinating office always."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import has_role, is_office, scoped
from enterprises.models import Enterprise, Visit, VisitProblem

# Visits are recorded while they are fresh: a date more than 90 days back is almost always a typo, and the
# monthly coverage of a closed month should not keep moving.
MAX_DAYS_BACK = 90
# The visitor may correct their own record for a week after recording it; later only the office can.
EDIT_WINDOW_DAYS = 7
# Auditors read; enterprise users are the visited, not visitors.
RECORDING_ROLES = (Role.OFFICE, Role.LEADER, Role.UNIT_HEAD, Role.UNIT_HANDLER, Role.CADRE)
MAX_PROBLEMS = 20
MAX_PROBLEM_LENGTH = 1000


def may_record_visits(user: User) -> bool:
    return has_role(user, *RECORDING_ROLES)


def edit_deadline(visit: Visit) -> dt.date:
    return timezone.localdate(visit.created_at) + dt.timedelta(days=EDIT_WINDOW_DAYS)


def may_change_visit(user: User, visit: Visit) -> bool:
    """The predicate the pages use to show the edit and delete buttons; the services check it again."""
    if is_office(user):
        return True
    return visit.visitor_id == user.pk and may_record_visits(user) and timezone.localdate() <= edit_deadline(visit)


def problem_lines(text: str) -> list[str]:
    """Problems typed one per line, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check_date(visited_on: dt.date) -> None:
    today = timezone.localdate()
    if visited_on > today:
        raise ValidationError(
            {
                "visited_on": ValidationError(
                    _("The visit date cannot be in the future (today is %(today)s).") % {"today": today.isoformat()},
                    code="future",
                )
            }
        )
    earliest = today - dt.timedelta(days=MAX_DAYS_BACK)
    if visited_on < earliest:
        raise ValidationError(
            {
                "visited_on": ValidationError(
                    _(
                        "Visits are recorded within %(days)s days: the earliest date you can enter today is "
                        "%(earliest)s. Ask the coordinating office about older visits."
                    )
                    % {"days": MAX_DAYS_BACK, "earliest": earliest.isoformat()},
                    code="too_old",
                )
            }
        )


def _clean_fields(*, mode: str, met_with: str, notes: str, problems: list[str]) -> tuple[str, str, list[str]]:
    errors = {}
    if mode not in Visit.Mode.values:
        errors["mode"] = ValidationError(
            _("Choose how the visit was made: on site, by phone, meeting or online."), code="invalid_mode"
        )
    met_with = (met_with or "").strip()
    if len(met_with) > Visit._meta.get_field("met_with").max_length:
        errors["met_with"] = ValidationError(_("“Met with” is too long (200 characters at most)."), code="max_length")
    problems = [problem.strip() for problem in problems if problem and problem.strip()]
    if len(problems) > MAX_PROBLEMS:
        errors["problems"] = ValidationError(
            _("At most %(n)s problems per visit; merge related ones.") % {"n": MAX_PROBLEMS}, code="too_many"
        )
    elif any(len(problem) > MAX_PROBLEM_LENGTH for problem in problems):
        errors["problems"] = ValidationError(
            _("Each problem may have at most %(n)s characters.") % {"n": MAX_PROBLEM_LENGTH}, code="max_length"
        )
    if errors:
        raise ValidationError(errors)
    return met_with, (notes or "").strip(), problems


def visit_record(
    *,
    actor: User,
    enterprise: Enterprise,
    visited_on: dt.date,
    mode: str,
    met_with: str = "",
    notes: str = "",
    problems: list[str] = (),
) -> Visit:
    """Record a visit by `actor` and the problems found, one VisitProblem each. The visit keeps the actor's
    unit of today, so coverage per unit survives later transfers."""
    if not may_record_visits(actor):
        raise PermissionDenied(_("Your role cannot record visits."))
    if not scoped(actor, Enterprise.objects.filter(pk=enterprise.pk)).exists():
        raise PermissionDenied(_("You can record visits only to enterprises in your scope."))
    _check_date(visited_on)
    met_with, notes, problems = _clean_fields(mode=mode, met_with=met_with, notes=notes, problems=list(problems))
    with transaction.atomic():
        visit = Visit.objects.create(
            enterprise=enterprise,
            visitor=actor,
            unit_id=actor.unit_id,
            visited_on=visited_on,
            mode=mode,
            met_with=met_with,
            notes=notes,
        )
        VisitProblem.objects.bulk_create([VisitProblem(visit=visit, description=text) for text in problems])
    return visit


def _require_change(actor: User, visit: Visit) -> None:
    if may_change_visit(actor, visit):
        return
    if visit.visitor_id != actor.pk:
        raise PermissionDenied(_("Only the visitor or the coordinating office can change this visit."))
    raise PermissionDenied(
        _("Visits can be changed for %(days)s days after recording (until %(deadline)s); ask the coordinating office.")
        % {"days": EDIT_WINDOW_DAYS, "deadline": edit_deadline(visit).isoformat()}
    )


def visit_update(
    *,
    actor: User,
    visit: Visit,
    visited_on: dt.date,
    mode: str,
    met_with: str = "",
    notes: str = "",
    problems: list[str] = (),
) -> Visit:
    """Correct a visit. Problems that stay keep their rows (later issues hang cases on them); removed ones
    are deleted, new ones added."""
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        _require_change(actor, visit)
        if visited_on != visit.visited_on:
            _check_date(visited_on)
        met_with, notes, problems = _clean_fields(mode=mode, met_with=met_with, notes=notes, problems=list(problems))
        visit.visited_on, visit.mode, visit.met_with, visit.notes = visited_on, mode, met_with, notes
        visit.save(update_fields=["visited_on", "mode", "met_with", "notes"])
        wanted = list(problems)
        for existing in list(visit.problems.order_by("pk")):
            if existing.description in wanted:
                wanted.remove(existing.description)
            else:
                existing.delete()
        VisitProblem.objects.bulk_create([VisitProblem(visit=visit, description=text) for text in wanted])
    return visit


def visit_delete(*, actor: User, visit: Visit) -> None:
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        _require_change(actor, visit)
        visit.delete()
