"""The case indicators over HTTP: the same selector and parameters as the page (/cases/indicators/). Staff
only (else 403); a bad parameter answers 422 with {"detail": ...}."""

from __future__ import annotations

from datetime import date

from ninja import Router, Schema
from ninja.errors import HttpError

from accounts.models import STAFF_ROLES
from accounts.scope import has_role
from cases.selectors import indicators as selectors
from core.schemas import DetailOut

router = Router(tags=["cases"])

RATE_HELP = "Percentages rounded to 0.1 (98.9 means 98.9 %), null when there is nothing to divide by."


class IndicatorRowOut(Schema):
    key: int | str | None
    label: str
    collected: int
    assigned: int
    rejected: int
    resolved: int
    solved: int
    explained: int
    not_solved: int
    closure_base: int
    closed_or_resolved: int
    resolved_on_time: int
    rated: int
    satisfied: int
    leads_accepted: int
    leads_accepted_on_time: int
    returned: int
    reopened: int
    reopen_base: int
    overdue_open: int
    resolved_late: int
    resolution_rate: float | None
    closure_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None
    timely_acceptance_rate: float | None
    return_rate: float | None
    reopen_rate: float | None
    average_working_days: float | None


class IndicatorsOut(Schema):
    date_from: date
    date_to: date
    group_by: str | None
    region_id: int | None
    total: IndicatorRowOut
    rows: list[IndicatorRowOut]


def _row(row: selectors.IndicatorRow) -> dict:
    data = row.as_dict()
    for name in (*selectors.RATES, "average_working_days"):
        data[name] = None if data[name] is None else float(data[name])
    if isinstance(data["key"], date):
        data["key"] = f"{data['key']:%Y-%m}"
    return data


@router.get(
    "/cases/indicators",
    response={200: IndicatorsOut, 403: DetailOut, 422: DetailOut},
    summary="Case indicators for a period, for the whole and by group (staff)",
    description=(
        "The cases in your scope submitted from date_from to date_to (inclusive, China time; default: this "
        "year to date), each counted as it stands now. group_by: unit (the lead unit), region (one level below "
        "region_id, else below your jurisdiction), category, channel or month. Filters: unit_id (the lead unit "
        "or a unit above it), region_id, category_id, channel. " + RATE_HELP + " Definitions: docs/cases/indicators.md."
    ),
)
def case_indicators(
    request,
    date_from: date | None = None,
    date_to: date | None = None,
    group_by: str | None = None,
    unit_id: int | None = None,
    region_id: int | None = None,
    category_id: int | None = None,
    channel: str | None = None,
):
    if not has_role(request.user, *STAFF_ROLES):
        raise HttpError(403, "This endpoint is not available to your role.")
    first, last = selectors.default_period()
    report = selectors.indicators(
        request.user,
        date_from=date_from or first,
        date_to=date_to or last,
        group_by=group_by or None,
        unit_id=unit_id,
        region_id=region_id,
        category_id=category_id,
        channel=channel or None,
    )
    return {
        "date_from": report.date_from,
        "date_to": report.date_to,
        "group_by": report.group_by,
        "region_id": report.region.pk if report.region else None,
        "total": _row(report.total),
        "rows": [_row(row) for row in report.rows],
    }
