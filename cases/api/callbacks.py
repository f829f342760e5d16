"""Callbacks (回访 · 抽查回访) over HTTP: the callbacks in the caller's scope (staff; an enterprise has none),
drawing a spot-check sample and recording a planned call (the office; else 403). A call that was not planned
is recorded with POST /cases/{id}/callbacks. The contact phone is given in full to the office only."""

import datetime as dt

from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from accounts.scope import get_for_user, is_office
from cases.models import Callback
from cases.selectors import callbacks as selectors
from cases.services import review
from core.schemas import DetailOut
from enterprises.selectors.registry import mask_phone

router = Router(tags=["cases"])

ERRORS = {403: DetailOut, 404: DetailOut, 422: DetailOut}


class CallbackListOut(Schema):
    id: int
    case_id: int
    case_number: str
    case_title: str
    case_state: str
    enterprise_id: int
    enterprise_name: str
    lead_unit_name: str | None
    contact_name: str
    contact_phone: str = Field(description="In full for the office, masked for anyone else.")
    spot_check: bool
    status: str = Field(description="planned, done or unreachable.")
    planned_at: dt.datetime
    called_at: dt.datetime | None
    called_by_name: str
    rating: str
    confirmed: bool | None = Field(description="On a spot check: does the enterprise confirm the unit's reply?")
    note: str

    @staticmethod
    def resolve_case_number(obj):
        return obj.case.number

    @staticmethod
    def resolve_case_title(obj):
        return obj.case.title

    @staticmethod
    def resolve_case_state(obj):
        return obj.case.state

    @staticmethod
    def resolve_enterprise_id(obj):
        return obj.case.enterprise_id

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.case.enterprise.name

    @staticmethod
    def resolve_lead_unit_name(obj):
        return obj.case.lead_unit.name if obj.case.lead_unit_id else None

    @staticmethod
    def resolve_contact_name(obj):
        return selectors.contact_of(obj.case)[0]

    @staticmethod
    def resolve_contact_phone(obj, context):
        phone = selectors.contact_of(obj.case)[1]
        request = context.get("request") if context else None
        return phone if request is not None and is_office(request.user) else mask_phone(phone)

    @staticmethod
    def resolve_called_by_name(obj):
        return str(obj.called_by) if obj.called_by_id else ""


class SampleIn(Schema):
    count: int = Field(description=f"1 to {review.MAX_SAMPLE}.")
    resolved_from: dt.date
    resolved_to: dt.date
    unit_id: int | None = Field(None, description="Only cases this unit led.")


class RecordIn(Schema):
    reached: bool
    rating: str = Field(
        "",
        description="satisfied, basically_satisfied or unsatisfied; on a resolved, unrated "
        "case it is recorded as the enterprise's rating (unsatisfied needs a note).",
    )
    confirmed: bool | None = Field(None, description="Does the enterprise confirm the unit's reply?")
    note: str = ""


def _rows(request, ids) -> list[Callback]:
    return list(selectors.callback_list(request.user).filter(pk__in=list(ids)))


@router.get(
    "/cases/callbacks",
    response=list[CallbackListOut],
    summary="Callbacks in your scope, newest plan first",
    description="status: planned, done or unreachable; spot_check: true or false; called_from / called_to: "
    "the day the call was made.",
)
@paginate
def list_callbacks(
    request,
    status: str = "",
    spot_check: bool | None = None,
    called_from: dt.date | None = None,
    called_to: dt.date | None = None,
) -> QuerySet:
    return selectors.callback_list(
        request.user, status=status, spot_check=spot_check, called_from=called_from, called_to=called_to
    )


@router.post(
    "/cases/callbacks/sample",
    response={201: list[CallbackListOut], **ERRORS},
    summary="Draw a spot-check sample (the office)",
    description="Draws up to count cases resolved in the period (optionally led by one unit) that were never "
    "sampled before, and plans a callback for each. Fewer come back when fewer are left.",
)
def draw_sample(request, payload: SampleIn):
    drawn = review.spot_check_sample(actor=request.user, **payload.dict())
    return Status(201, _rows(request, [c.pk for c in drawn]))


@router.post(
    "/cases/callbacks/{int:callback_id}",
    response={200: CallbackListOut, **ERRORS},
    summary="Record a planned callback (the office)",
    description="A call not reached keeps no rating or confirmation. Recording the same callback twice answers 422.",
)
def record(request, callback_id: int, payload: RecordIn):
    callback = get_for_user(request.user, Callback, pk=callback_id)
    review.callback_record(
        actor=request.user,
        case_id=callback.case_id,
        callback_id=callback.pk,
        reached=payload.reached,
        rating=payload.rating,
        comment=payload.note,
        confirmed=payload.confirmed,
    )
    return _rows(request, [callback.pk])[0]
