"""Events (企业家接待日, 沙龙, 座谈, 四项对接 …) and their yearly targets (issue 7 items 3 and 4).

Who writes events:
- the coordinating office: every event, whatever its organizer;
- a unit head or unit handler: the events organized by their own unit or a unit below it (they create events
  only for those units);
- everyone else (leaders, cadres, auditors, enterprises): nobody (PermissionDenied → 403).
Reading follows chains/scope_rules.py: every staff member reads every event; an enterprise user only the
events it was invited to (else 404, checked before any permission).

Raising a case at an event goes through cases.services.intake.case_submit, whose channel rules stay as they
are: the reception-day channel for a reception day, the office channel for any other kind — both are the
coordinating office's channels, so only the office raises cases from an event. A unit organizer notes the
problems in the summary and the office files them (docs/chains/events.md).

Who writes targets: the coordinating office only; every staff member reads them.

The rules, checked here whatever the caller (pages, API, the management command):
- an event is held on a date; it can only be marked held once that date has come, with a summary of what
  came of it; attendance, outcomes and cases are recorded for an event whose date has come and that is not
  cancelled; a cancelled event changes no more;
- an event with attendance, outcomes or cases is not cancelled (it took place: mark it held); a planned
  event is deleted only when nothing was recorded on it, not even an invitation (cancel it instead, so the
  invited enterprises see it is off);
- an agreement and a loan have an amount (10k yuan), hires a number of people, "other" a description; the
  outcome's enterprise, when given, is a participant of the event;
- a case is raised for an enterprise that attended;
- the reception-day schedule creates one planned reception day a month on chains.schedule.reception_day,
  skipping the months where the organizer already has one (whatever its status), so running it twice
  creates nothing the second time.
Each change runs in one transaction with the event's row locked, so two editors of one event take turns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit
from accounts.scope import get_for_user, has_role, is_office, scoped
from cases.models import Case, Urgency
from cases.services.intake import case_submit
from chains import schedule
from chains.models import Event, EventOutcome, EventParticipant, EventTarget, IndustryChain
from core.validation import FieldErrors, clean_text, parse_date, parse_id
from enterprises.models import Enterprise

Kind = Event.Kind
Status = Event.Status
Outcome = EventOutcome.Kind

# The roles of a unit's users who organize its events.
ORGANIZER_ROLES = (Role.UNIT_HEAD, Role.UNIT_HANDLER)
EVENT_FIELDS = ("kind", "title", "organizer", "chain", "held_on", "place", "description", "summary")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_INVITE = 200
MAX_MINIMUM = 1000
DESCRIPTION_LIMIT = 4000
TEXT_LIMITS = {"title": 120, "place": 120, "description": DESCRIPTION_LIMIT, "summary": DESCRIPTION_LIMIT}
# A target counts one kind, the four matchmaking kinds (四项对接) or any kind.
TARGET_KINDS = (EventTarget.MATCHMAKING, EventTarget.ANY, *Kind.values)
# The seed's targets (004): ≥ 10 matchmaking events county-wide, ≥ 2 by the industry bureau, ≥ 1 per township.
DEFAULT_ROOT_MINIMUM, DEFAULT_BUREAU_MINIMUM, DEFAULT_TOWNSHIP_MINIMUM = 10, 2, 1
BUREAU_CODE_SUFFIX = "GXJ"


def case_channel(event: Event) -> str:
    """The intake channel of a case raised at `event`."""
    return Case.Channel.RECEPTION_DAY if event.kind == Kind.RECEPTION_DAY else Case.Channel.OFFICE


def counted_kinds(kind: str) -> tuple[str, ...] | None:
    """The event kinds a target of `kind` counts; None for every kind."""
    if kind == EventTarget.ANY:
        return None
    if kind == EventTarget.MATCHMAKING:
        return tuple(str(k) for k in Event.MATCHMAKING_KINDS)
    return (kind,)


# Who may write -------------------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def is_organizer_user(user) -> bool:
    """A unit head or handler with a unit: organizes the events of their unit and the units below it."""
    return _active(user) and bool(user.unit_id) and has_role(user, *ORGANIZER_ROLES)


def can_create_events(user) -> bool:
    return _active(user) and (is_office(user) or is_organizer_user(user))


def organizer_units(user) -> QuerySet[Unit]:
    """The units `user` may organize events for: every active unit for the office, their own unit and the
    units below it for a unit head or handler, none for anyone else."""
    units = Unit.objects.filter(is_active=True)
    if _active(user) and is_office(user):
        return units
    if is_organizer_user(user):
        return units.filter(path__startswith=user.unit.path)
    return units.none()


def can_manage_event(user, event: Event) -> bool:
    """Change the event, its participants, attendance and outcomes, mark it held or cancelled, delete it."""
    if not _active(user):
        return False
    if is_office(user):
        return True
    return is_organizer_user(user) and event.organizer.path.startswith(user.unit.path)


def can_raise_cases(user) -> bool:
    """Raise a case at an event: the office only (cases.services.intake's channels; see the module's text)."""
    return _active(user) and is_office(user)


def can_manage_targets(user) -> bool:
    return _active(user) and is_office(user)


def _require_manager(actor, event: Event) -> None:
    if not can_manage_event(actor, event):
        raise PermissionDenied(
            _(
                "Only the coordinating office and the users of the organizing unit (or a unit above it) may change "
                "this event."
            )
        )


def _require_target_manager(actor) -> None:
    if not can_manage_targets(actor):
        raise PermissionDenied(_("Only the coordinating office sets event targets."))


def _event_for_change(actor, event_id) -> Event:
    """The event in the actor's scope (else 404), the actor allowed to change it (else 403), locked."""
    event = get_for_user(actor, Event.objects.select_related("organizer"), pk=event_id)
    _require_manager(actor, event)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    locked.organizer = event.organizer
    return locked


# Checking the fields -------------------------------------------------------------------------------------


def _year(value, errors: FieldErrors, name: str = "year") -> int | None:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(name, _("Enter a year, e.g. %(year)s.") % {"year": timezone.localdate().year})
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.add(name, _("Enter a year from %(first)s to %(last)s.") % {"first": MIN_YEAR, "last": MAX_YEAR})
        return None
    return year


def _check_text(name: str, value, errors: FieldErrors, *, required: bool = False) -> str:
    text = clean_text(value)
    if required and not text:
        errors.add(name, _("This field is required."))
    limit = TEXT_LIMITS.get(name, 200)
    if len(text) > limit:
        errors.add(name, _("At most %(limit)s characters (this has %(count)s).") % {"limit": limit, "count": len(text)})
    return text


def _money(value, name: str, errors: FieldErrors) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(name, _("Enter an amount in 10k yuan, e.g. 150 or 12.5."))
        return None
    if not amount.is_finite() or amount <= 0:
        errors.add(name, _("The amount must be more than 0."))
        return None
    if amount.as_tuple().exponent < -2:
        errors.add(name, _("Give the amount to at most 2 decimal places (10k yuan)."))
        return None
    if amount >= Decimal(10) ** 12:
        errors.add(name, _("The amount is too large."))
        return None
    return amount


def _whole(value, name: str, errors: FieldErrors, *, minimum: int = 1, maximum: int = 1_000_000) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors.add(name, _("Enter a whole number."))
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(name, _("Enter a whole number."))
        return None
    if not minimum <= number <= maximum:
        errors.add(name, _("Enter a number from %(low)s to %(high)s.") % {"low": minimum, "high": maximum})
        return None
    return number


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _require_date_come(event: Event, today: dt.date, what: str) -> None:
    if event.held_on > today:
        raise ValidationError(
            {
                "held_on": _("The event is dated %(date)s, which has not come yet: %(what)s once it has taken place.")
                % {"date": event.held_on.isoformat(), "what": what}
            }
        )


def _require_not_cancelled(event: Event) -> None:
    if event.status == Status.CANCELLED:
        raise ValidationError(_("This event was cancelled: it changes no more."))


# Events --------------------------------------------------------------------------------------------------


def _check_organizer(actor, value, errors: FieldErrors) -> Unit | None:
    unit_id = parse_id(value)
    if unit_id is None:
        errors.add("organizer", _("Choose the organizing unit."))
    elif unit_id is False:
        errors.add("organizer", _("Choose the organizing unit from the list."))
    else:
        unit = organizer_units(actor).filter(pk=unit_id).first()
        if unit is not None:
            return unit
        if is_office(actor) or not Unit.objects.filter(pk=unit_id, is_active=True).exists():
            errors.add("organizer", _("No active unit with id %(id)s.") % {"id": unit_id})
        else:
            errors.add("organizer", _("You may organize events for your own unit or the units below it only."))
    return None


def _check_event_fields(actor, event: Event | None, fields: dict, today: dt.date) -> dict:
    """The given fields, checked and converted: {name: value}. Raises ValidationError naming each field."""
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    errors, clean = FieldErrors(), {}
    creating = event is None
    for name in ("kind", "title", "organizer", "held_on"):
        if creating and name not in fields:
            fields = {**fields, name: None}
    if "kind" in fields:
        kind = clean_text(fields["kind"])
        if not kind:
            errors.add("kind", _("Choose the kind of event."))
        elif kind not in Kind.values:
            errors.add("kind", _("Unknown kind of event “%(value)s”.") % {"value": kind})
        else:
            clean["kind"] = kind
    for name in ("title", "place", "description"):
        if name in fields:
            clean[name] = _check_text(name, fields[name], errors, required=name == "title")
    if "organizer" in fields:
        unit = _check_organizer(actor, fields["organizer"], errors)
        if unit is not None:
            clean["organizer"] = unit
    if "chain" in fields:
        chain_id = parse_id(fields["chain"])
        if chain_id is None:
            clean["chain"] = None
        elif chain_id is False or not IndustryChain.objects.filter(pk=chain_id).exists():
            errors.add("chain", _("Choose a chain from the list."))
        else:
            clean["chain"] = IndustryChain.objects.get(pk=chain_id)
    if "held_on" in fields:
        held_on = parse_date(fields["held_on"])
        if held_on is None:
            errors.add("held_on", _("Enter the date of the event."))
        elif held_on is False:
            errors.add("held_on", _("Enter a date as YYYY-MM-DD."))
        elif not MIN_YEAR <= held_on.year <= MAX_YEAR:
            errors.add("held_on", _("Enter a date from %(first)s to %(last)s.") % {"first": MIN_YEAR, "last": MAX_YEAR})
        elif event is not None and event.status == Status.HELD and held_on > today:
            errors.add("held_on", _("This event was held: its date cannot lie in the future."))
        else:
            clean["held_on"] = held_on
    if "summary" in fields:
        summary = _check_text("summary", fields["summary"], errors)
        if summary and (event is None or event.status != Status.HELD):
            errors.add("summary", _("Write what came of the event when you mark it held."))
        elif event is not None and event.status == Status.HELD and not summary:
            errors.add("summary", _("Say what came of the event."))
        else:
            clean["summary"] = summary
    errors.raise_if_any()
    return clean


@transaction.atomic
def event_create(*, actor, today: dt.date | None = None, **fields) -> Event:
    """Plan an event: kind, title, organizer (a unit id), held_on, and optionally chain, place, description."""
    if not can_create_events(actor):
        raise PermissionDenied(_("Only the coordinating office and unit heads and handlers organize events."))
    clean = _check_event_fields(actor, None, fields, _today(today))
    return Event.objects.create(**clean, status=Status.PLANNED, created_by=actor)


@transaction.atomic
def event_update(*, actor, event_id, today: dt.date | None = None, **fields) -> Event:
    """Change the fields given. A held event's summary may be rewritten (not emptied); a cancelled event no
    more."""
    event = _event_for_change(actor, event_id)
    _require_not_cancelled(event)
    clean = _check_event_fields(actor, event, fields, _today(today))
    for name, value in clean.items():
        setattr(event, name, value)
    event.save()
    return event


@transaction.atomic
def event_mark_held(*, actor, event_id, summary: str, today: dt.date | None = None) -> Event:
    """The event took place: record what came of it."""
    event = _event_for_change(actor, event_id)
    _require_not_cancelled(event)
    if event.status == Status.HELD:
        raise ValidationError(_("This event is marked held already; edit it to change the summary."))
    _require_date_come(event, _today(today), _("mark it held"))
    errors = FieldErrors()
    text = _check_text("summary", summary, errors)
    if not text and "summary" not in errors:
        errors.add("summary", _("Say what came of the event."))
    errors.raise_if_any()
    event.status, event.summary = Status.HELD, text
    event.save(update_fields=["status", "summary", "updated_at"])
    return event


def _recorded(event: Event) -> dict[str, int]:
    return {
        "attended": event.participants.filter(attended=True).count(),
        "outcomes": event.outcomes.count(),
        "cases": event.cases.count(),
    }


@transaction.atomic
def event_cancel(*, actor, event_id, reason: str = "") -> Event:
    """Call a planned event off, with the reason (kept as its summary)."""
    event = _event_for_change(actor, event_id)
    if event.status != Status.PLANNED:
        raise ValidationError(
            _("Only a planned event can be cancelled; this one is %(status)s.") % {"status": event.get_status_display()}
        )
    if any(_recorded(event).values()):
        raise ValidationError(
            _("Attendance, outcomes or cases are recorded on this event: it took place, so mark it held instead.")
        )
    errors = FieldErrors()
    text = _check_text("summary", reason, errors)
    if errors.by_field:
        raise ValidationError({"reason": errors.by_field["summary"]})
    event.status, event.summary = Status.CANCELLED, text
    event.save(update_fields=["status", "summary", "updated_at"])
    return event


@transaction.atomic
def event_delete(*, actor, event_id) -> None:
    """Delete a planned event on which nothing is recorded, not even an invitation."""
    event = _event_for_change(actor, event_id)
    if event.status != Status.PLANNED:
        raise ValidationError(_("Only a planned event can be deleted; a held or cancelled one stays on record."))
    if event.participants.exists():
        raise ValidationError(
            _("Enterprises were invited to this event: cancel it instead, so that they can see it is off.")
        )
    if event.outcomes.exists() or event.cases.exists():
        raise ValidationError(_("Outcomes or cases are recorded on this event: it cannot be deleted."))
    event.delete()


# Participants and attendance -----------------------------------------------------------------------------


def _ids(values, name: str) -> list[int]:
    if values in (None, ""):
        return []
    if isinstance(values, int | str):
        values = [values]
    ids = []
    for value in values:
        pk = parse_id(value)
        if not pk:
            raise ValidationError({name: _("“%(value)s” is not an id.") % {"value": value}})
        ids.append(pk)
    return list(dict.fromkeys(ids))


@transaction.atomic
def participants_invite(
    *, actor, event_id, enterprise_ids, walk_in: bool = False, today: dt.date | None = None
) -> list[EventParticipant]:
    """Invite enterprises in the actor's scope to the event. `walk_in`: they came without an invitation and
    are recorded as attending (the event's date must have come). Enterprises already on the list are left as
    they are; returns the participants added."""
    event = _event_for_change(actor, event_id)
    _require_not_cancelled(event)
    if walk_in:
        _require_date_come(event, _today(today), _("record who came"))
    ids = _ids(enterprise_ids, "enterprise")
    if not ids:
        raise ValidationError({"enterprise": _("Choose at least one enterprise.")})
    if len(ids) > MAX_INVITE:
        raise ValidationError({"enterprise": _("At most %(count)s enterprises at once.") % {"count": MAX_INVITE}})
    found = set(scoped(actor, Enterprise.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"enterprise": _("No enterprise with id %(ids)s in your scope.") % {"ids": ", ".join(map(str, missing))}}
        )
    already = set(event.participants.filter(enterprise_id__in=ids).values_list("enterprise_id", flat=True))
    added = [
        EventParticipant(event=event, enterprise_id=pk, invited=not walk_in, attended=walk_in)
        for pk in ids
        if pk not in already
    ]
    EventParticipant.objects.bulk_create(added)
    return added


def _has_records(event: Event, enterprise_id: int) -> bool:
    return (
        event.outcomes.filter(enterprise_id=enterprise_id).exists()
        or event.cases.filter(enterprise_id=enterprise_id).exists()
    )


@transaction.atomic
def participant_remove(*, actor, participant_id) -> None:
    """Take an enterprise off the event's list: only one that did not attend and has no outcome or case."""
    participant = get_for_user(actor, EventParticipant.objects.select_related("event"), pk=participant_id)
    event = _event_for_change(actor, participant.event_id)
    _require_not_cancelled(event)
    if participant.attended or _has_records(event, participant.enterprise_id):
        raise ValidationError(
            {"enterprise": _("This enterprise attended or has outcomes or cases on the event: it stays on the list.")}
        )
    participant.delete()


@transaction.atomic
def attendance_record(*, actor, event_id, rows, today: dt.date | None = None) -> list[EventParticipant]:
    """Record who came: `rows` is a list of {"enterprise_id", "attended", "attendee"} for participants of
    the event; participants not named are left as they are."""
    event = _event_for_change(actor, event_id)
    _require_not_cancelled(event)
    _require_date_come(event, _today(today), _("record who came"))
    participants = {p.enterprise_id: p for p in event.participants.select_for_update().select_related("enterprise")}
    errors, changed = FieldErrors(), []
    for row in rows or []:
        pk = parse_id(row.get("enterprise_id"))
        participant = participants.get(pk) if pk else None
        if participant is None:
            errors.add(
                "enterprise",
                _("Enterprise %(id)s is not on this event's list: invite it, or add it as a walk-in, first.")
                % {"id": row.get("enterprise_id")},
            )
            continue
        attended = bool(row.get("attended"))
        attendee = clean_text(row.get("attendee"))
        if len(attendee) > 60:
            errors.add(
                "attendee", _("At most 60 characters for who came (%(name)s).") % {"name": participant.enterprise}
            )
            continue
        if participant.attended and not attended and _has_records(event, pk):
            errors.add(
                "attended",
                _("%(name)s has outcomes or cases on this event: it attended.") % {"name": participant.enterprise},
            )
            continue
        participant.attended, participant.attendee = attended, attendee if attended else ""
        changed.append(participant)
    errors.raise_if_any()
    EventParticipant.objects.bulk_update(changed, ["attended", "attendee"])
    return changed


# Outcomes ------------------------------------------------------------------------------------------------


@transaction.atomic
def outcome_add(
    *,
    actor,
    event_id,
    kind: str,
    enterprise_id=None,
    description: str = "",
    amount=None,
    people=None,
    today: dt.date | None = None,
) -> EventOutcome:
    """Record what the event produced: an agreement or a loan with its amount (10k yuan), hires with the
    number of people, or something else described."""
    event = _event_for_change(actor, event_id)
    _require_not_cancelled(event)
    _require_date_come(event, _today(today), _("record its outcomes"))
    errors = FieldErrors()
    kind = clean_text(kind)
    if kind not in Outcome.values:
        errors.add("kind", _("Choose what kind of outcome it is."))
    text = _check_text("description", description, errors)
    value = _money(amount, "amount", errors)
    count = _whole(people, "people", errors)
    if kind in (Outcome.AGREEMENT, Outcome.LOAN):
        if value is None and "amount" not in errors:
            errors.add("amount", _("Enter the amount (10k yuan) of the agreement or loan."))
        if count is not None:
            errors.add("people", _("An agreement or a loan is counted in money, not people."))
    elif kind == Outcome.HIRES:
        if count is None and "people" not in errors:
            errors.add("people", _("Enter how many people were hired."))
        if value is not None:
            errors.add("amount", _("Hires are counted in people, not money."))
    elif kind == Outcome.OTHER and not text and "description" not in errors:
        errors.add("description", _("Describe the outcome."))
    enterprise = None
    pk = parse_id(enterprise_id)
    if pk is False:
        errors.add("enterprise", _("Choose the enterprise from the event's participants."))
    elif pk:
        participant = event.participants.select_related("enterprise").filter(enterprise_id=pk).first()
        if participant is None:
            errors.add("enterprise", _("The enterprise of an outcome must be a participant of the event."))
        else:
            enterprise = participant.enterprise
    errors.raise_if_any()
    return EventOutcome.objects.create(
        event=event,
        kind=kind,
        enterprise=enterprise,
        description=text,
        amount=value,
        people=count,
        recorded_by=actor,
    )


@transaction.atomic
def outcome_delete(*, actor, outcome_id) -> None:
    outcome = get_for_user(actor, EventOutcome, pk=outcome_id)
    event = _event_for_change(actor, outcome.event_id)
    _require_not_cancelled(event)
    outcome.delete()


# Cases raised at an event --------------------------------------------------------------------------------


@transaction.atomic
def event_raise_case(
    *,
    actor,
    event_id,
    enterprise_id,
    title: str,
    description: str,
    category_id,
    urgency: str = Urgency.NORMAL,
    contact_name: str = "",
    contact_phone: str = "",
    today: dt.date | None = None,
) -> Case:
    """File a problem an attending enterprise raised at the event: a new case through the normal intake
    (channel: reception day for a reception day, office otherwise), linked to the event in the same
    transaction. The case then follows the normal lifecycle."""
    event = get_for_user(actor, Event.objects.select_related("organizer"), pk=event_id)
    if not can_raise_cases(actor):
        raise PermissionDenied(
            _(
                "Only the coordinating office files cases raised at events (they come in through the office's "
                "reception-day and office channels)."
            )
        )
    event = Event.objects.select_for_update().get(pk=event.pk)
    _require_not_cancelled(event)
    _require_date_come(event, _today(today), _("raise cases at it"))
    pk = parse_id(enterprise_id)
    participant = event.participants.filter(enterprise_id=pk, attended=True).first() if pk else None
    if participant is None:
        raise ValidationError(
            {"enterprise": _("Choose an enterprise that attended the event (record its attendance first).")}
        )
    (case,) = case_submit(
        actor=actor,
        enterprise_ids=[pk],
        title=title,
        description=description,
        category_id=category_id,
        channel=case_channel(event),
        urgency=urgency,
        contact_name=contact_name or participant.attendee,
        contact_phone=contact_phone,
    )
    event.cases.add(case)
    return case


# The reception-day schedule ------------------------------------------------------------------------------


@dataclass
class ScheduleResult:
    year: int
    organizer: Unit
    created: list[Event] = field(default_factory=list)
    existing: list[dt.date] = field(default_factory=list)  # months that had a reception day already (its date)
    past: list[dt.date] = field(default_factory=list)  # reception days already gone, left out


def coordinating_office() -> Unit | None:
    return Unit.objects.filter(kind=Unit.Kind.OFFICE, is_active=True).order_by("path").first()


def reception_day_title(day: dt.date) -> str:
    return _("Entrepreneur reception day, %(year)s-%(month)02d") % {"year": day.year, "month": day.month}


@transaction.atomic
def reception_days_schedule(
    *,
    actor,
    year,
    organizer_id=None,
    place: str = "",
    include_past: bool = False,
    today: dt.date | None = None,
) -> ScheduleResult:
    """Plan the year's reception days (企业家接待日) for an organizer (default: the coordinating office for
    the office, the actor's own unit for a unit user), one a month on its first Monday or the next working
    day. Months where the organizer has a reception day already are skipped, and so are days already gone
    unless `include_past`. Running it again creates nothing new."""
    if not can_create_events(actor):
        raise PermissionDenied(_("Only the coordinating office and unit heads and handlers organize events."))
    errors = FieldErrors()
    year = _year(year, errors)
    place = _check_text("place", place, errors)
    errors.raise_if_any()
    if organizer_id in (None, ""):
        organizer = coordinating_office() if is_office(actor) else actor.unit
        if organizer is None:
            raise ValidationError({"organizer": _("Choose the organizing unit.")})
        organizer_id = organizer.pk
    organizer = _check_organizer(actor, organizer_id, errors)
    errors.raise_if_any()
    # One organizer's schedule at a time: two runs at once would both see a month empty.
    Unit.objects.select_for_update().filter(pk=organizer.pk).first()
    result = ScheduleResult(year=year, organizer=organizer)
    had = {
        day.month: day
        for day in Event.objects.filter(
            organizer=organizer,
            kind=Kind.RECEPTION_DAY,
            held_on__gte=dt.date(year, 1, 1),
            held_on__lte=dt.date(year, 12, 31),
        )
        .order_by("held_on")
        .values_list("held_on", flat=True)
    }
    now = _today(today)
    for day in schedule.reception_days(year):
        if day.month in had:
            result.existing.append(had[day.month])
        elif day < now and not include_past:
            result.past.append(day)
        else:
            result.created.append(
                Event(
                    kind=Kind.RECEPTION_DAY,
                    title=reception_day_title(day),
                    organizer=organizer,
                    held_on=day,
                    place=place,
                    status=Status.PLANNED,
                    created_by=actor,
                )
            )
    for event in result.created:
        event.save()
    return result


# Targets -------------------------------------------------------------------------------------------------


def target_kind_label(kind: str) -> str:
    if kind == EventTarget.MATCHMAKING:
        return _("matchmaking events (四项对接)")
    if kind == EventTarget.ANY:
        return _("events of any kind")
    return str(Kind(kind).label) if kind in Kind.values else kind


@transaction.atomic
def target_save(*, actor, target_id=None, **fields) -> EventTarget:
    """Set a yearly target: year, unit (id), kind (an event kind, "matchmaking" or "any"), minimum. On an
    existing target only the fields given change."""
    _require_target_manager(actor)
    target = None
    if target_id is not None:
        target = get_for_user(actor, EventTarget.objects.select_for_update(), pk=target_id)
    unknown = set(fields) - {"year", "unit", "kind", "minimum"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if target is None:
        fields = {"year": None, "unit": None, "kind": EventTarget.MATCHMAKING, "minimum": None, **fields}
    errors, clean = FieldErrors(), {}
    if "year" in fields:
        year = _year(fields["year"], errors)
        if year is not None:
            clean["year"] = year
    if "unit" in fields:
        unit_id = parse_id(fields["unit"])
        unit = Unit.objects.filter(pk=unit_id, is_active=True).first() if unit_id else None
        if unit is None:
            errors.add("unit", _("Choose an active unit."))
        else:
            clean["unit"] = unit
    if "kind" in fields:
        kind = clean_text(fields["kind"])
        if kind not in TARGET_KINDS:
            errors.add("kind", _("Choose a kind of event, “matchmaking” or “any”."))
        else:
            clean["kind"] = kind
    if "minimum" in fields:
        if fields["minimum"] in (None, ""):
            errors.add("minimum", _("Enter how many events at least."))
        else:
            minimum = _whole(fields["minimum"], "minimum", errors, minimum=1, maximum=MAX_MINIMUM)
            if minimum is not None:
                clean["minimum"] = minimum
    errors.raise_if_any()
    target = target or EventTarget()
    for name, value in clean.items():
        setattr(target, name, value)
    target.set_by = actor
    clash = EventTarget.objects.filter(year=target.year, unit=target.unit, kind=target.kind).exclude(pk=target.pk)
    if clash.exists():
        raise ValidationError(
            {
                "kind": _("%(unit)s has a target for %(kind)s in %(year)s already: change that one.")
                % {"unit": target.unit, "kind": target_kind_label(target.kind), "year": target.year}
            }
        )
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:  # set by someone else a moment ago
        raise ValidationError({"kind": _("This target was set by someone else a moment ago.")}) from None
    return target


@transaction.atomic
def target_delete(*, actor, target_id) -> None:
    _require_target_manager(actor)
    get_for_user(actor, EventTarget, pk=target_id).delete()


@dataclass
class DefaultsResult:
    year: int
    created: list[EventTarget] = field(default_factory=list)
    kept: list[EventTarget] = field(default_factory=list)  # a matchmaking target the unit had already


def jurisdiction_root() -> Unit | None:
    """The jurisdiction's root government unit (新邵县人民政府)."""
    return Unit.objects.filter(parent__isnull=True, kind=Unit.Kind.GOVERNMENT, is_active=True).order_by("path").first()


def default_bureau() -> Unit | None:
    """The industry bureau (工信局): an active department whose code ends with GXJ, the topmost first."""
    return (
        Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, is_active=True, code__iendswith=BUREAU_CODE_SUFFIX)
        .order_by("depth", "path")
        .first()
    )


@transaction.atomic
def targets_apply_defaults(*, actor, year, bureau_id=None) -> DefaultsResult:
    """The seed's targets for `year` (004): at least 10 matchmaking events for the jurisdiction's root
    government unit (counting every unit below it), 2 for the industry bureau, 1 for each township. A unit
    that has a matchmaking target for the year already keeps it as it is."""
    _require_target_manager(actor)
    errors = FieldErrors()
    year = _year(year, errors)
    bureau = None
    pk = parse_id(bureau_id)
    if pk is False:
        errors.add("bureau", _("Choose the industry bureau from the list."))
    elif pk:
        bureau = Unit.objects.filter(pk=pk, is_active=True).first()
        if bureau is None:
            errors.add("bureau", _("Choose an active unit as the industry bureau."))
    else:
        bureau = default_bureau()
        if bureau is None:
            errors.add("bureau", _("Choose the industry bureau: no department's code ends with GXJ."))
    root = jurisdiction_root()
    if root is None:
        errors.add("year", _("There is no root government unit to give the county-wide target to."))
    errors.raise_if_any()
    wanted: dict[int, tuple[Unit, int]] = {root.pk: (root, DEFAULT_ROOT_MINIMUM)}
    wanted.setdefault(bureau.pk, (bureau, DEFAULT_BUREAU_MINIMUM))
    for township in Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, is_active=True).order_by("path"):
        wanted.setdefault(township.pk, (township, DEFAULT_TOWNSHIP_MINIMUM))
    # Lock the year's targets so that two runs at once do not both create the same target.
    existing = {
        t.unit_id: t
        for t in EventTarget.objects.select_for_update().filter(
            year=year, kind=EventTarget.MATCHMAKING, unit_id__in=list(wanted)
        )
    }
    result = DefaultsResult(year=year)
    for unit_id, (unit, minimum) in wanted.items():
        if unit_id in existing:
            result.kept.append(existing[unit_id])
            continue
        result.created.append(
            EventTarget(year=year, unit=unit, kind=EventTarget.MATCHMAKING, minimum=minimum, set_by=actor)
        )
    try:
        with transaction.atomic():
            EventTarget.objects.bulk_create(result.created)
    except IntegrityError:
        raise ValidationError(_("Targets for this year were set by someone else a moment ago; try again.")) from None
    return result
