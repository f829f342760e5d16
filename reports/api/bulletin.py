"""The quarterly bulletin over HTTP: the same selectors and services as the pages (/reports/bulletins/).
Reading: the office, auditors, leaders and unit heads (else 403); writing: the office. A quarter that has not
begun is 404; a bad value 422 with {"detail": ...}."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from accounts.scope import get_for_user
from core.schemas import DetailOut
from reports.docx.bulletin import build_bulletin_docx
from reports.models import GoodPractice
from reports.selectors import bulletin as selectors
from reports.services import bulletin as services

router = Router(tags=["reports"])

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RATE_HELP = "Percentages rounded to 0.1 (98.9 means 98.9 %), null when there is nothing to divide by."


class FieldsOut(Schema):
    issuer: str
    document_number: str
    title: str
    opening: str
    closing: str
    issued_on: date | None


class BulletinIn(Schema):
    issuer: str
    document_number: str = ""
    title: str
    opening: str = ""
    closing: str = ""
    issued_on: date | None = None


class TotalOut(Schema):
    collected: int
    assigned: int
    rejected: int
    solved: int
    explained: int
    resolved: int
    resolved_on_time: int
    rated: int
    satisfied: int
    resolution_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None


class RankedOut(Schema):
    key: int | None
    label: str
    collected: int
    solved: int
    explained: int
    resolved: int
    resolved_on_time: int
    rated: int
    satisfied: int
    resolution_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None
    resolution_rank: int | None
    on_time_rank: int | None
    satisfaction_rank: int | None


class NamedOut(Schema):
    unit_id: int
    name: str
    count: int


class GoodPracticeOut(Schema):
    id: int
    year: int
    quarter: int
    unit_id: int | None
    unit_name: str | None
    title: str
    body: str
    sort_order: int


class BulletinOut(Schema):
    year: int
    quarter: int
    date_from: date
    date_to: date
    as_of: datetime
    quarter_over: bool
    saved: bool
    updated_at: datetime | None
    fields: FieldsOut
    total: TotalOut
    units: list[RankedOut]
    localities: list[RankedOut]
    overdue_units: list[NamedOut]
    returning_units: list[NamedOut]
    good_practices: list[GoodPracticeOut]


class QuarterOut(Schema):
    year: int
    quarter: int
    status: str
    title: str | None
    document_number: str | None
    issued_on: date | None
    updated_at: datetime | None
    good_practices: int


class GoodPracticeIn(Schema):
    title: str
    body: str
    unit_id: int | None = None


class GoodPracticePatch(Schema):
    title: str | None = None
    body: str | None = None
    unit_id: int | None = None


class MoveIn(Schema):
    direction: str


def _float(value):
    return None if value is None else float(value)


def _rates(data: dict, row) -> dict:
    for name in ("resolution_rate", "on_time_rate", "satisfaction_rate"):
        data[name] = _float(getattr(row, name))
    return data


def _practice(practice: GoodPractice) -> dict:
    return {
        "id": practice.pk,
        "year": practice.year,
        "quarter": practice.quarter,
        "unit_id": practice.unit_id,
        "unit_name": practice.unit.name if practice.unit_id else None,
        "title": practice.title,
        "body": practice.body,
        "sort_order": practice.sort_order,
    }


def _ranked(row: selectors.RankedRow) -> dict:
    data = {name: getattr(row, name) for name in RankedOut.model_fields}
    return _rates(data, row)


def _data(request, year: int, quarter: int) -> selectors.BulletinData:
    if not selectors.can_read(request.user):
        raise HttpError(403, "Bulletins are not available to your role.")
    try:
        return selectors.bulletin_data(request.user, year, quarter)
    except ValidationError:
        raise HttpError(404, "No bulletin for this quarter.") from None


def _bulletin(data: selectors.BulletinData) -> dict:
    t = data.total
    total = {name: getattr(t, name) for name in TotalOut.model_fields}
    return {
        "year": data.year,
        "quarter": data.quarter,
        "date_from": data.date_from,
        "date_to": data.date_to,
        "as_of": data.as_of,
        "quarter_over": data.quarter_over,
        "saved": data.bulletin is not None,
        "updated_at": data.bulletin.updated_at if data.bulletin else None,
        "fields": data.fields,
        "total": _rates(total, t),
        "units": [_ranked(row) for row in data.units],
        "localities": [_ranked(row) for row in data.localities],
        "overdue_units": [vars(unit) for unit in data.overdue_units],
        "returning_units": [vars(unit) for unit in data.returning_units],
        "good_practices": [_practice(p) for p in data.good_practices],
    }


@router.get(
    "/bulletins",
    response={200: list[QuarterOut], 403: DetailOut},
    summary="Quarters with their bulletin's status (office, auditors, leaders, unit heads)",
    description="The last eight quarters and every quarter with a saved bulletin, newest first. status: none "
    "(not saved), draft (saved without a date of issue) or dated.",
)
def bulletin_list(request):
    if not selectors.can_read(request.user):
        raise HttpError(403, "Bulletins are not available to your role.")
    return [
        {
            "year": q.year,
            "quarter": q.quarter,
            "status": q.status,
            "title": q.bulletin.title if q.bulletin else None,
            "document_number": q.bulletin.document_number if q.bulletin else None,
            "issued_on": q.bulletin.issued_on if q.bulletin else None,
            "updated_at": q.bulletin.updated_at if q.bulletin else None,
            "good_practices": q.good_practices,
        }
        for q in selectors.bulletin_list(request.user)
    ]


@router.get(
    "/bulletins/{int:year}/{int:quarter}",
    response={200: BulletinOut, 403: DetailOut, 404: DetailOut},
    summary="A quarter's bulletin: the office's fields and the computed rankings and named units",
    description="fields are the saved ones, or the proposed ones while saved is false. units and localities: "
    "each rate ranked highest first, ties share a rank (1, 1, 3), null rank when the rate is null; rows in the "
    "order of the resolution rate's rank. overdue_units: lead units of cases overdue at as_of (the quarter's "
    "end, or now while it runs). returning_units: units that returned two or more cases as lead in the "
    "quarter. " + RATE_HELP,
)
def bulletin_detail(request, year: int, quarter: int):
    return _bulletin(_data(request, year, quarter))


@router.put(
    "/bulletins/{int:year}/{int:quarter}",
    response={200: BulletinOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Save a quarter's bulletin header and text (office)",
    description="Creates the quarter's bulletin or replaces its fields. issuer and title are required; "
    "issued_on may not be before the quarter begins.",
)
def bulletin_put(request, year: int, quarter: int, payload: BulletinIn):
    _data_or_404(request, year, quarter)
    services.bulletin_save(actor=request.user, year=year, quarter=quarter, **payload.dict())
    return _bulletin(_data(request, year, quarter))


@router.get(
    "/bulletins/{int:year}/{int:quarter}/docx",
    response={200: None, 403: DetailOut, 404: DetailOut},
    summary="A quarter's bulletin as a Word document (GB/T 9704 layout)",
    description="The .docx the office edits before issuing: red header, document number, title, body, "
    "signature and date, page numbers.",
)
def bulletin_docx(request, year: int, quarter: int):
    data = _data(request, year, quarter)
    response = HttpResponse(
        build_bulletin_docx(data, generated_on=timezone.localdate()), content_type=DOCX_CONTENT_TYPE
    )
    name = f"{data.fields.get('title') or 'bulletin'}-{year}Q{quarter}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@router.post(
    "/bulletins/{int:year}/{int:quarter}/good-practices",
    response={201: GoodPracticeOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Add a good practice to a quarter's bulletin (office)",
)
def good_practice_add(request, year: int, quarter: int, payload: GoodPracticeIn):
    _data_or_404(request, year, quarter)
    practice = services.good_practice_add(actor=request.user, year=year, quarter=quarter, **payload.dict())
    return Status(201, _practice(practice))


def _data_or_404(request, year: int, quarter: int) -> None:
    if not selectors.can_read(request.user):
        raise HttpError(403, "Bulletins are not available to your role.")
    try:
        selectors.check_quarter(year, quarter)
    except ValidationError:
        raise HttpError(404, "No bulletin for this quarter.") from None


def _practice_for(request, pk: int) -> GoodPractice:
    if not selectors.can_read(request.user):
        raise HttpError(403, "Bulletins are not available to your role.")
    return get_for_user(request.user, GoodPractice.objects.select_related("unit"), pk=pk)


@router.patch(
    "/bulletins/good-practices/{int:practice_id}",
    response={200: GoodPracticeOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Change a good practice (office)",
    description="Only the fields sent change; unit_id null takes the unit off.",
)
def good_practice_update(request, practice_id: int, payload: GoodPracticePatch):
    practice = _practice_for(request, practice_id)
    changes = payload.dict(exclude_unset=True)
    services.good_practice_update(actor=request.user, practice_id=practice.pk, **changes)
    return _practice(_practice_for(request, practice_id))


@router.post(
    "/bulletins/good-practices/{int:practice_id}/move",
    response={200: list[GoodPracticeOut], 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Move a good practice one place up or down (office)",
    description='direction: "up" or "down". Answers the quarter\'s good practices in their new order.',
)
def good_practice_move(request, practice_id: int, payload: MoveIn):
    practice = _practice_for(request, practice_id)
    services.good_practice_move(actor=request.user, practice_id=practice.pk, direction=payload.direction)
    return [_practice(p) for p in selectors.good_practices(practice.year, practice.quarter)]


@router.delete(
    "/bulletins/good-practices/{int:practice_id}",
    response={204: None, 403: DetailOut, 404: DetailOut},
    summary="Delete a good practice (office)",
)
def good_practice_delete(request, practice_id: int):
    practice = _practice_for(request, practice_id)
    services.good_practice_delete(actor=request.user, practice_id=practice.pk)
    return Status(204, None)
