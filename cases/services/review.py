"""Review and close (回访, 销号): the enterprise confirms and rates the outcome; 满意 or 基本满意 closes the
case, 不满意 may reopen it (counted); the office records phone callbacks, closes what the enterprise will
not rate, and samples resolved cases for spot-check callbacks (抽查回访). Unrated resolved cases close by
themselves after 7 working days as "unrated" (see cases.services.scan)."""

from __future__ import annotations

import random
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Role
from accounts.scope import has_role, scoped
from cases import deadlines
from cases.models import Callback, Case, CaseEvent
from cases.services.base import (
    State,
    TransitionError,
    clean_text,
    is_enterprise_user,
    lock_case,
    require_office,
    require_state,
    set_state,
    tell,
    unit_people,
)
from cases.services.dispatch import detach
from cases.services.trail import append_event
from core import workdays

Rating = Case.Rating
GIVEN_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED)
AUTO_CLOSE_WORKING_DAYS = 7
MAX_SAMPLE = 500


def _close(case: Case, actor, *, reason: str, at=None) -> None:
    at = at or timezone.now()
    set_state(case, State.CLOSED, closed_at=at)
    append_event(
        case,
        CaseEvent.Kind.CLOSED,
        actor=actor,
        unit=getattr(actor, "unit", None),
        at=at,
        payload={"reason": reason, "rating": case.rating},
    )


def _record_rating(case: Case, actor, rating: str, comment: str, *, via: str) -> None:
    if rating not in GIVEN_RATINGS:
        raise ValidationError({"rating": _("Choose 满意, 基本满意 or 不满意.")})
    comment = clean_text(comment, "comment", required=rating == Rating.UNSATISFIED, limit=500)
    now = timezone.now()
    set_state(case, case.state, rating=rating, rating_comment=comment, rated_at=now)
    append_event(
        case,
        CaseEvent.Kind.RATED,
        actor=actor,
        unit=getattr(actor, "unit", None) if via == "phone" else None,
        at=now,
        payload={"rating": rating, "comment": comment, "via": via},
    )
    if rating != Rating.UNSATISFIED:
        _close(case, actor, reason="rated", at=now)


@transaction.atomic
def case_rate(*, actor, case_id: int, rating: str, comment: str = "", reopen: bool = False) -> Case:
    """The enterprise confirms and rates a resolved case. 不满意 needs a comment; with `reopen` the case goes
    back to the lead unit at once."""
    case = lock_case(actor, case_id)
    if not is_enterprise_user(actor, case):
        raise PermissionDenied(_("Only the enterprise's own users rate its cases; the office records callbacks."))
    require_state(case, State.RESOLVED, action=pgettext("refused action", "rated"))
    if case.rating:
        raise TransitionError(_("Case %(number)s is already rated.") % {"number": case.number}, code="rated")
    _record_rating(case, actor, rating, comment, via="enterprise")
    if reopen:
        if rating != Rating.UNSATISFIED:
            raise ValidationError({"reopen": _("Only an unsatisfied rating reopens a case.")})
        _reopen(case, actor, comment)
    return case


def _reopen(case: Case, actor, reason: str) -> None:
    now = timezone.now()
    if case.common_issue_id:
        # The others were satisfied, or will say so themselves: this enterprise's problem goes on alone.
        detach(case, actor, _("reopened on its own"))
    limits = deadlines.limits_for(case.category_id, case.urgency)
    set_state(
        case,
        State.IN_PROGRESS,
        reopen_count=case.reopen_count + 1,
        outcome="",
        resolved_at=None,
        resolved_on_time=None,
        escalation_level=0,
        reminded_at=None,
    )
    append_event(
        case,
        CaseEvent.Kind.REOPENED,
        actor=actor,
        unit=getattr(actor, "unit", None) if has_role(actor, Role.OFFICE) else None,
        at=now,
        payload={
            "reason": reason,
            "resolve_days": limits.resolve_days,
            "accept_days": limits.accept_days,
            "count": case.reopen_count,
        },
    )
    deadlines.refresh_deadlines(case)
    if case.lead_unit_id:
        tell(
            unit_people([case.lead_unit_id]),
            case,
            _("Reopened: %(reason)s") % {"reason": reason},
            topic=f"case:{case.pk}:reopened:{case.reopen_count}",
        )


@transaction.atomic
def case_reopen(*, actor, case_id: int, reason: str) -> Case:
    """重办: an enterprise that is not satisfied (or the office on its behalf) sends a resolved case back to
    the lead unit; the reopen is counted and a new resolve deadline runs."""
    case = lock_case(actor, case_id)
    office = has_role(actor, Role.OFFICE)
    if not (office or is_enterprise_user(actor, case)):
        raise PermissionDenied(_("Only the enterprise or the coordinating office may reopen a case."))
    require_state(case, State.RESOLVED, action=pgettext("refused action", "reopened"))
    if not office and case.rating not in ("", Rating.UNSATISFIED):
        raise TransitionError(_("A case you rated as satisfied is closed; file a new case instead."))
    if not case.lead_unit_id:
        raise TransitionError(_("Case %(number)s has no lead unit to send it back to.") % {"number": case.number})
    _reopen(case, actor, clean_text(reason, "reason", limit=500))
    return case


@transaction.atomic
def case_close(*, actor, case_id: int, note: str) -> Case:
    """销号 by the office: a resolved case the enterprise rated unsatisfied but did not reopen, or one it
    cannot be reached about, leaves the problem list with the office's note."""
    require_office(actor)
    case = lock_case(actor, case_id)
    require_state(case, State.RESOLVED, action=pgettext("refused action", "closed"))
    note = clean_text(note, "note", limit=500)
    if not case.rating:
        set_state(case, State.RESOLVED, rating=Rating.UNRATED)
    now = timezone.now()
    set_state(case, State.CLOSED, closed_at=now)
    append_event(
        case,
        CaseEvent.Kind.CLOSED,
        actor=actor,
        unit=actor.unit,
        at=now,
        payload={"reason": "office", "note": note, "rating": case.rating},
    )
    return case


@transaction.atomic
def case_auto_close(*, case_id: int, now=None) -> bool:
    """Close one resolved case whose enterprise did not rate it within 7 working days (or rated it unsatisfied
    and did not reopen it). Returns whether it was closed; the scan calls this per case."""
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id, state=State.RESOLVED).first()
    if case is None or case.resolved_at is None:
        return False
    now = now or timezone.now()

    if workdays.add_working_days(case.resolved_at, AUTO_CLOSE_WORKING_DAYS) > now:
        return False
    if not case.rating:
        set_state(case, State.RESOLVED, rating=Rating.UNRATED)
    set_state(case, State.CLOSED, closed_at=now)
    append_event(
        case,
        CaseEvent.Kind.CLOSED,
        at=now,
        payload={"reason": "auto", "rating": case.rating, "working_days": AUTO_CLOSE_WORKING_DAYS},
    )
    return True


# Callbacks -----------------------------------------------------------------------------------------------


@transaction.atomic
def callback_record(
    *,
    actor,
    case_id: int,
    reached: bool,
    rating: str = "",
    comment: str = "",
    confirmed: bool | None = None,
    callback_id: int | None = None,
) -> Callback:
    """The office calls the enterprise. On a resolved, unrated case a reached call records the enterprise's
    rating (as a rating by phone); on a spot check it records whether the enterprise confirms the reply."""
    require_office(actor)
    case = lock_case(actor, case_id)
    require_state(case, State.RESOLVED, State.CLOSED, action=pgettext("refused action", "called back"))
    comment = clean_text(comment, "comment", required=False, limit=500)
    now = timezone.now()
    if callback_id is not None:
        callback = Callback.objects.select_for_update().filter(pk=callback_id, case=case).first()
        if callback is None:
            raise ValidationError(_("No such planned callback on this case."))
        if callback.status != Callback.Status.PLANNED:
            raise TransitionError(_("This callback was already recorded."), code="recorded")
    else:
        callback = Callback(case=case, planned_by=actor, planned_at=now)
    if reached and rating and rating not in GIVEN_RATINGS:
        raise ValidationError({"rating": _("Choose 满意, 基本满意 or 不满意.")})
    callback.status = Callback.Status.DONE if reached else Callback.Status.UNREACHABLE
    callback.called_by, callback.called_at = actor, now
    callback.rating = rating if reached else ""
    callback.confirmed = confirmed if reached else None
    callback.note = comment
    callback.save()
    append_event(
        case,
        CaseEvent.Kind.CALLBACK,
        actor=actor,
        unit=actor.unit,
        at=now,
        payload={
            "callback": callback.pk,
            "reached": reached,
            "rating": callback.rating,
            "confirmed": callback.confirmed,
            "spot_check": callback.spot_check,
            "note": comment,
        },
    )
    if reached and rating and case.state == State.RESOLVED and not case.rating:
        _record_rating(case, actor, rating, comment, via="phone")
    return callback


@transaction.atomic
def spot_check_sample(
    *, actor, count: int, resolved_from: date, resolved_to: date, unit_id: int | None = None, seed: int | None = None
) -> list[Callback]:
    """抽查回访: draw `count` cases resolved in the period (optionally of one lead unit) that were not sampled
    before, and plan a callback for each."""
    require_office(actor)
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ValidationError({"count": _("Enter how many cases to draw.")}) from None
    if not 1 <= count <= MAX_SAMPLE:
        raise ValidationError({"count": _("Draw 1 to %(max)s cases.") % {"max": MAX_SAMPLE}})
    if resolved_from > resolved_to:
        raise ValidationError({"resolved_to": _("The end of the period comes before its start.")})
    candidates = scoped(actor, Case.objects.all()).filter(
        state__in=(State.RESOLVED, State.CLOSED),
        resolved_at__date__gte=resolved_from,
        resolved_at__date__lte=resolved_to,
    )
    candidates = candidates.exclude(callbacks__spot_check=True)
    if unit_id:
        candidates = candidates.filter(lead_unit_id=unit_id)
    ids = sorted(candidates.values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("No case resolved in that period is left to sample."))
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    now = timezone.now()
    return Callback.objects.bulk_create(
        [Callback(case_id=pk, spot_check=True, planned_by=actor, planned_at=now) for pk in sorted(chosen)]
    )
