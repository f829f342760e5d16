"""Events and event targets over HTTP (under /api/v1/chains): the same selectors and services as the pages.

Reading follows the data scope: staff read every event and target; an enterprise user the events it was
invited to, with only its own participation, outcomes and cases (and no counts), and no targets (403).
Writing: the office every event; a unit head or handler the events of their unit and the units below it;
cases are raised by the office only; targets are set by the office only (else 403). Outside the scope: 404.
A broken rule answers 422 with {"detail": "field: message …"} (zhuqi/api.py's handlers).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES
from accounts.scope import get_for_user, has_role
from chains.models import EventOutcome, EventParticipant, EventTarget
from chains.selectors import events as selectors
from chains.services import events as services
from core.schemas import DetailOut

router = Router(tags=["chains"])

ERRORS = {403: DetailOut, 404: DetailOut, 422: DetailOut}


class Ref(Schema):
    id: int
    name: str


class EnterpriseRef(Schema):
    id: int
    name: str
    credit_code: str


def _ref(obj):
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, "name", None) or str(obj)}


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    organizer: Ref
    chain: Ref | None
    held_on: dt.date
    place: str
    status: str
    description: str
    summary: str
    created_by_id: int
    created_at: dt.datetime
    invited_count: int | None = Field(None, description="Enterprises invited (staff only)")
    attended_count: int | None = Field(None, description="Enterprises that attended (staff only)")
    outcome_count: int | None = Field(None, description="Outcomes recorded (staff only)")
    outcome_amount: Decimal | None = Field(None, description="Agreements and loans, 10k yuan (staff only)")
    case_count: int | None = Field(None, description="Cases raised (staff only)")

    # Each resolver also takes the dict _detail() builds from an already resolved EventOut.
    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj["kind_label"] if isinstance(obj, dict) else str(obj.get_kind_display())

    @staticmethod
    def resolve_organizer(obj):
        return obj["organizer"] if isinstance(obj, dict) else _ref(obj.organizer)

    @staticmethod
    def resolve_chain(obj):
        if isinstance(obj, dict):
            return obj["chain"]
        return _ref(obj.chain) if obj.chain_id else None

    @staticmethod
    def resolve_invited_count(obj):
        return _counted(obj, "invited_count")

    @staticmethod
    def resolve_attended_count(obj):
        return _counted(obj, "attended_count")

    @staticmethod
    def resolve_outcome_count(obj):
        return _counted(obj, "outcome_count")

    @staticmethod
    def resolve_outcome_amount(obj):
        return _counted(obj, "outcome_amount")

    @staticmethod
    def resolve_case_count(obj):
        return _counted(obj, "case_count")


def _counted(obj, name: str):
    """A count the list annotates for staff (None for an enterprise user)."""
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


class ParticipantOut(Schema):
    id: int
    enterprise: EnterpriseRef
    invited: bool = Field(description="False for an enterprise that came without an invitation (walk-in)")
    attended: bool
    attendee: str


class OutcomeOut(Schema):
    id: int
    kind: str
    enterprise: EnterpriseRef | None
    description: str
    amount: Decimal | None = Field(description="10k yuan")
    people: int | None
    recorded_by_id: int
    recorded_at: dt.datetime


class CaseRefOut(Schema):
    id: int
    number: str
    title: str
    state: str
    channel: str
    enterprise_id: int


class EventDetailOut(EventOut):
    participants: list[ParticipantOut]
    outcomes: list[OutcomeOut]
    cases: list[CaseRefOut]


class EventIn(Schema):
    kind: str = Field(description="reception_day, salon, symposium, sales, employment, finance, research, …")
    title: str
    organizer_id: int = Field(description="A unit you organize for (yours or below it; any for the office)")
    held_on: dt.date
    chain_id: int | None = None
    place: str = ""
    description: str = ""


class EventPatchIn(Schema):
    kind: str | None = None
    title: str | None = None
    organizer_id: int | None = None
    held_on: dt.date | None = None
    chain_id: int | None = None
    place: str | None = None
    description: str | None = None
    summary: str | None = Field(None, description="Only for a held event")


class HeldIn(Schema):
    summary: str


class CancelIn(Schema):
    reason: str = ""


class InviteIn(Schema):
    enterprise_ids: list[int]
    walk_in: bool = Field(False, description="They came without an invitation: recorded as attending")


class AttendanceRow(Schema):
    enterprise_id: int
    attended: bool
    attendee: str = ""


class AttendanceIn(Schema):
    rows: list[AttendanceRow]


class OutcomeIn(Schema):
    kind: str = Field(description="agreement (amount), loan (amount), hires (people) or other (description)")
    enterprise_id: int | None = Field(None, description="A participant of the event")
    description: str = ""
    amount: Decimal | None = Field(None, description="10k yuan")
    people: int | None = None


class CaseIn(Schema):
    enterprise_id: int = Field(description="An enterprise that attended the event")
    title: str
    description: str
    category_id: int
    urgency: str = "normal"
    contact_name: str = ""
    contact_phone: str = ""


class ScheduleIn(Schema):
    year: int
    organizer_id: int | None = Field(None, description="Default: the coordinating office (a unit user: their unit)")
    place: str = ""
    include_past: bool = False


class ScheduleOut(Schema):
    year: int
    organizer: Ref
    created: list[EventOut]
    existing: list[dt.date] = Field(description="The reception days the organizer had already, one per month")
    past: list[dt.date] = Field(description="Reception days already gone, left out")


class ReceptionDayOut(Schema):
    day: dt.date
    events: list[EventOut]


class TargetOut(Schema):
    id: int
    year: int
    unit: Ref
    kind: str = Field(description="An event kind, 'matchmaking' or 'any'")
    kind_label: str
    minimum: int
    set_by_id: int | None

    @staticmethod
    def resolve_unit(obj):
        return _ref(obj.unit)

    @staticmethod
    def resolve_kind_label(obj):
        return services.target_kind_label(obj.kind)


class TargetIn(Schema):
    year: int
    unit_id: int
    kind: str = EventTarget.MATCHMAKING
    minimum: int


class TargetPatchIn(Schema):
    year: int | None = None
    unit_id: int | None = None
    kind: str | None = None
    minimum: int | None = None


class DefaultsIn(Schema):
    year: int
    bureau_id: int | None = Field(None, description="Default: the department whose code ends with GXJ")


class DefaultsOut(Schema):
    year: int
    created: list[TargetOut]
    kept: list[TargetOut]


class ProgressOut(Schema):
    target: TargetOut
    held: int = Field(description="Events held in the year by the unit or the units below it, of the kinds counted")
    minimum: int
    met: bool
    expected: int = Field(description="minimum × share of the year gone by, rounded down")
    share: float = Field(description="Share of the year gone by, 0 to 1")
    standing: str = Field(description="met, on_track, lagging or missed")
    events_url: str = Field(description="The event list showing the events counted")


def _require_staff(request) -> None:
    if not has_role(request.user, *STAFF_ROLES):
        raise HttpError(403, "Event targets are not available to your role.")


def _detail(request, event_id: int) -> dict:
    """One event as its reader may see it: staff with the counts and every participant, outcome and case; an
    enterprise user its own only."""
    user = request.user
    event = get_for_user(user, selectors.event_list(user=user), pk=event_id)
    return {
        **EventOut.from_orm(event).dict(),
        "participants": selectors.participants_of(user, event),
        "outcomes": selectors.outcomes_of(user, event),
        "cases": selectors.cases_of(user, event),
    }


def _event_fields(payload, unset: bool) -> dict:
    data = payload.dict(exclude_unset=unset)
    if "organizer_id" in data:
        data["organizer"] = data.pop("organizer_id")
    if "chain_id" in data:
        data["chain"] = data.pop("chain_id")
    return data


# Events ----------------------------------------------------------------------------------------------------


@router.get(
    "events",
    response=list[EventOut],
    summary="Events in your scope, newest first",
    description="Staff read every event, with its counts; an enterprise user the events it was invited to. "
    "Filters: year, month (with year), kind (one kind or 'matchmaking'), organizer (a unit id: it and the units "
    "below it), status (planned, held, cancelled), q (in the title or place).",
)
@paginate
def list_events(
    request,
    year: int | None = None,
    month: int | None = None,
    kind: str = "",
    organizer: int | None = None,
    status: str = "",
    q: str = "",
):
    return selectors.event_list(
        user=request.user,
        year=year if year and services.MIN_YEAR <= year <= services.MAX_YEAR else None,
        month=month if month and 1 <= month <= 12 else None,
        kind=kind if kind in selectors.KIND_FILTERS else "",
        organizer_id=organizer,
        status=status,
        search=q.strip()[:60],
    )


@router.post(
    "events", response={201: EventDetailOut, **ERRORS}, summary="Plan an event — office, unit heads and handlers"
)
def create_event(request, payload: EventIn):
    event = services.event_create(actor=request.user, **_event_fields(payload, unset=False))
    return Status(201, _detail(request, event.pk))


@router.get(
    "events/reception-days",
    response=list[ReceptionDayOut],
    summary="The year's reception days (first Monday, or the next working day) with the events on them",
)
def reception_days(request, year: int | None = None):
    year = year if year and services.MIN_YEAR <= year <= services.MAX_YEAR else timezone.localdate().year
    return [{"day": day, "events": events} for day, events in selectors.reception_day_plan(request.user, year)]


@router.post(
    "events/schedule",
    response={200: ScheduleOut, **ERRORS},
    summary="Plan the year's reception days for an organizer; months that have one are skipped",
)
def schedule_events(request, payload: ScheduleIn):
    result = services.reception_days_schedule(actor=request.user, **payload.dict())
    return {
        "year": result.year,
        "organizer": _ref(result.organizer),
        "created": result.created,
        "existing": result.existing,
        "past": result.past,
    }


@router.get("events/{int:event_id}", response={200: EventDetailOut, 404: DetailOut}, summary="One event")
def get_event(request, event_id: int):
    return _detail(request, event_id)


@router.patch(
    "events/{int:event_id}",
    response={200: EventDetailOut, **ERRORS},
    summary="Change an event — office, the organizing unit",
    description="Only the fields sent change; a held event's summary may be rewritten; a cancelled event no more.",
)
def update_event(request, event_id: int, payload: EventPatchIn):
    services.event_update(actor=request.user, event_id=event_id, **_event_fields(payload, unset=True))
    return _detail(request, event_id)


@router.delete(
    "events/{int:event_id}",
    response={204: None, **ERRORS},
    summary="Delete a planned event with nothing recorded on it (no invitation, outcome or case)",
)
def delete_event(request, event_id: int):
    services.event_delete(actor=request.user, event_id=event_id)
    return Status(204, None)


@router.post(
    "events/{int:event_id}/held",
    response={200: EventDetailOut, **ERRORS},
    summary="Mark an event held, with what came of it (its date must have come)",
)
def mark_held(request, event_id: int, payload: HeldIn):
    services.event_mark_held(actor=request.user, event_id=event_id, summary=payload.summary)
    return _detail(request, event_id)


@router.post(
    "events/{int:event_id}/cancel",
    response={200: EventDetailOut, **ERRORS},
    summary="Cancel a planned event on which no attendance, outcome or case is recorded",
)
def cancel_event(request, event_id: int, payload: CancelIn):
    services.event_cancel(actor=request.user, event_id=event_id, reason=payload.reason)
    return _detail(request, event_id)


@router.post(
    "events/{int:event_id}/participants",
    response={201: list[ParticipantOut], **ERRORS},
    summary="Invite enterprises in your scope (or add walk-ins as attending); returns those added",
)
def invite(request, event_id: int, payload: InviteIn):
    added = services.participants_invite(
        actor=request.user, event_id=event_id, enterprise_ids=payload.enterprise_ids, walk_in=payload.walk_in
    )
    ids = [p.enterprise_id for p in added]
    return Status(
        201,
        list(
            EventParticipant.objects.filter(event_id=event_id, enterprise_id__in=ids)
            .select_related("enterprise")
            .order_by("pk")
        ),
    )


@router.delete(
    "events/{int:event_id}/participants/{int:participant_id}",
    response={204: None, **ERRORS},
    summary="Take an enterprise that did not attend off the list",
)
def remove_participant(request, event_id: int, participant_id: int):
    participant = get_for_user(request.user, EventParticipant, pk=participant_id, event_id=event_id)
    services.participant_remove(actor=request.user, participant_id=participant.pk)
    return Status(204, None)


@router.post(
    "events/{int:event_id}/attendance",
    response={200: EventDetailOut, **ERRORS},
    summary="Record who came (participants not named are left as they are)",
)
def attendance(request, event_id: int, payload: AttendanceIn):
    services.attendance_record(actor=request.user, event_id=event_id, rows=[row.dict() for row in payload.rows])
    return _detail(request, event_id)


@router.post(
    "events/{int:event_id}/outcomes",
    response={201: OutcomeOut, **ERRORS},
    summary="Record an outcome: agreement or loan with its amount, hires with the people, or other",
)
def add_outcome(request, event_id: int, payload: OutcomeIn):
    outcome = services.outcome_add(actor=request.user, event_id=event_id, **payload.dict())
    return Status(201, EventOutcome.objects.select_related("enterprise").get(pk=outcome.pk))


@router.delete(
    "events/{int:event_id}/outcomes/{int:outcome_id}", response={204: None, **ERRORS}, summary="Delete an outcome"
)
def delete_outcome(request, event_id: int, outcome_id: int):
    outcome = get_for_user(request.user, EventOutcome, pk=outcome_id, event_id=event_id)
    services.outcome_delete(actor=request.user, outcome_id=outcome.pk)
    return Status(204, None)


@router.post(
    "events/{int:event_id}/cases",
    response={201: CaseRefOut, **ERRORS},
    summary="Raise a case for an attending enterprise — coordinating office",
    description="Filed through the normal intake (channel reception_day for a reception day, office otherwise) "
    "and linked to the event; it then waits in the office's new cases.",
)
def raise_case(request, event_id: int, payload: CaseIn):
    case = services.event_raise_case(actor=request.user, event_id=event_id, **payload.dict())
    return Status(201, case)


# Targets ---------------------------------------------------------------------------------------------------


@router.get("targets", response={200: list[TargetOut], 403: DetailOut}, summary="Event targets (staff)")
@paginate
def list_targets(request, year: int | None = None, unit: int | None = None):
    _require_staff(request)
    return selectors.target_filter(user=request.user, year=year, unit_id=unit)


@router.post("targets", response={201: TargetOut, **ERRORS}, summary="Set a yearly event target — office")
def create_target(request, payload: TargetIn):
    data = payload.dict()
    data["unit"] = data.pop("unit_id")
    target = services.target_save(actor=request.user, **data)
    return Status(201, target)


@router.post(
    "targets/apply-defaults",
    response={200: DefaultsOut, **ERRORS},
    summary="Apply the seed's targets for a year — office",
    description="At least 10 matchmaking events for the root government unit (counting every unit below it), 2 "
    "for the industry bureau, 1 for each township; a unit with a matchmaking target for the year keeps it.",
)
def apply_defaults(request, payload: DefaultsIn):
    result = services.targets_apply_defaults(actor=request.user, year=payload.year, bureau_id=payload.bureau_id)
    return {"year": result.year, "created": result.created, "kept": result.kept}


@router.get(
    "targets/progress",
    response={200: list[ProgressOut], 403: DetailOut},
    summary="Each target of a year with the events held toward it and its pace (staff)",
)
def progress(request, year: int | None = None, unit: int | None = None):
    _require_staff(request)
    year = year if year and services.MIN_YEAR <= year <= services.MAX_YEAR else None
    rows = selectors.target_progress(user=request.user, year=year or timezone.localdate().year, unit_id=unit)
    return [
        {
            "target": row.target,
            "held": row.held,
            "minimum": row.minimum,
            "met": row.met,
            "expected": row.expected,
            "share": round(row.share, 4),
            "standing": row.standing,
            "events_url": row.events_url,
        }
        for row in rows
    ]


@router.patch("targets/{int:target_id}", response={200: TargetOut, **ERRORS}, summary="Change a target — office")
def update_target(request, target_id: int, payload: TargetPatchIn):
    data = payload.dict(exclude_unset=True)
    if "unit_id" in data:
        data["unit"] = data.pop("unit_id")
    return services.target_save(actor=request.user, target_id=target_id, **data)


@router.delete("targets/{int:target_id}", response={204: None, **ERRORS}, summary="Delete a target — office")
def delete_target(request, target_id: int):
    services.target_delete(actor=request.user, target_id=target_id)
    return Status(204, None)
