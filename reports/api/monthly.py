"""The unit monthly report (单位月报) over HTTP, under /api/v1/reports: the same selectors and services as
the pages. Reading is for the office, auditors and unit handlers and heads (others: 403), narrowed by the
data scope (a unit outside it: 404); writing follows reports.services.monthly (403 when not allowed, 422
for a wrong state or bad input). Months are "YYYY-MM"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accounts.models import Role, Unit
from accounts.scope import get_for_user, has_role
from core.periods import current_month, parse_month
from core.schemas import DetailOut
from reports.models import MonthlyReport
from reports.selectors import monthly as selectors
from reports.services import monthly as services

router = Router(tags=["reports"])

READERS = (Role.OFFICE, Role.AUDITOR, Role.UNIT_HEAD, Role.UNIT_HANDLER)
STATE_HELP = (
    "state: not_started (no report saved), draft (never submitted), on_time or late (by the first submission: "
    "a report the office reopened keeps it, with reopened true)."
)


class OverviewRowOut(Schema):
    unit_id: int
    unit_name: str
    due: bool
    report_id: int | None
    status: str | None
    state: str
    reopened: bool
    is_late: bool
    submitted_at: dt.datetime | None
    submitted_by: str | None


class CountsOut(Schema):
    due: int
    on_time: int
    late: int
    not_submitted: int


class OverviewOut(Schema):
    month: str
    due_on: dt.date
    counts: CountsOut
    rows: list[OverviewRowOut]


class ReportOut(Schema):
    id: int | None
    unit_id: int
    unit_name: str
    month: str
    due_on: dt.date
    due: bool
    status: str | None
    state: str
    reopened: bool
    is_late: bool
    submitted_at: dt.datetime | None
    submitted_by: str | None
    updated_at: dt.datetime | None
    enterprises_situation: str
    problems_progress: str
    plans_progress: str
    next_steps: str
    can_edit: bool
    can_reopen: bool
    figures: dict[str, Any] | None
    suggested: dict[str, str] | None


class ReportIn(Schema):
    enterprises_situation: str = ""
    problems_progress: str = ""
    plans_progress: str = ""
    next_steps: str = ""
    expected_updated_at: dt.datetime | None = None


class ReopenIn(Schema):
    reason: str = ""


def _require_reader(user) -> None:
    if not has_role(user, *READERS):
        raise PermissionDenied(_("Monthly reports are read by the office, auditors and the units themselves."))


def _month(raw: str | None, *, default: bool = False) -> dt.date:
    if default and not raw:
        return current_month()
    month = parse_month(raw)
    if month is None:
        raise ValidationError({"month": _("Give the month as YYYY-MM.")})
    return month


def _name(user) -> str | None:
    return str(user) if user else None


def _row(row: selectors.OverviewRow) -> dict:
    report = row.report
    return {
        "unit_id": row.unit.pk,
        "unit_name": row.unit.name,
        "due": row.due,
        "report_id": report.pk if report else None,
        "status": report.status if report else None,
        "state": row.state,
        "reopened": row.reopened,
        "is_late": bool(report and report.is_late),
        "submitted_at": report.submitted_at if report else None,
        "submitted_by": _name(report.submitted_by) if report else None,
    }


def _detail(user, unit: Unit, month: dt.date) -> dict:
    report = selectors.report_for(user=user, unit=unit, month=month)
    due = selectors.is_due(unit, month)
    if report is None and not due:
        raise Http404(
            _("%(unit)s leads the linkage of no enterprise in %(year)s: it has no monthly report to file.")
            % {"unit": unit.name, "year": month.year}
        )
    submitted = report is not None and report.status == MonthlyReport.Status.SUBMITTED
    figures = report.snapshot if submitted and report.snapshot else selectors.prefill(unit, month)
    editable = services.can_write(user, unit) and not submitted
    return {
        "id": report.pk if report else None,
        "unit_id": unit.pk,
        "unit_name": unit.name,
        "month": f"{month:%Y-%m}",
        "due_on": report.due_on if report else selectors.due_on(month),
        "due": due,
        "status": report.status if report else None,
        "state": selectors.report_state(report),
        "reopened": bool(report and report.submitted_at and not submitted),
        "is_late": bool(report and report.is_late),
        "submitted_at": report.submitted_at if report else None,
        "submitted_by": _name(report.submitted_by) if report else None,
        "updated_at": report.updated_at if report else None,
        **{name: getattr(report, name) if report else "" for name in services.TEXT_FIELDS},
        "can_edit": editable,
        "can_reopen": submitted and has_role(user, Role.OFFICE),
        "figures": figures,
        "suggested": selectors.suggested_text(figures) if editable else None,
    }


def _unit_and_month(user, unit_id: int, month: str) -> tuple[Unit, dt.date]:
    parsed = _month(month)
    return get_for_user(user, Unit, pk=unit_id), parsed


def _report_id(user, unit_id: int, month: str) -> int:
    unit, parsed = _unit_and_month(user, unit_id, month)
    report = selectors.report_for(user=user, unit=unit, month=parsed)
    if report is None:
        raise ValidationError(
            _("No report of %(unit)s for %(month)s has been saved yet: save it first.")
            % {"unit": unit.name, "month": f"{parsed:%Y-%m}"},
            code="not_saved",
        )
    return report.pk


@router.get(
    "/monthly-reports",
    response={200: OverviewOut, 403: DetailOut, 422: DetailOut},
    summary="The month's monthly reports: every unit due and where its report stands",
    description=(
        "month: YYYY-MM (default: this month). Every unit in your scope that leads a linkage of the month's "
        "year (and any other with a report that month), with its report. Due by the end of the 20th of the "
        "month, China time. " + STATE_HELP
    ),
)
def monthly_report_list(request, month: str | None = None):
    _require_reader(request.user)
    overview = selectors.month_overview(user=request.user, month=_month(month, default=True))
    return {
        "month": f"{overview.month:%Y-%m}",
        "due_on": overview.due_on,
        "counts": overview.counts,
        "rows": [_row(row) for row in overview.rows],
    }


@router.get(
    "/monthly-reports/{unit_id}/{month}",
    response={200: ReportOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="One unit's monthly report, with its figures",
    description=(
        "The report (id null when none is saved yet), the figures: the snapshot taken at submission, else the "
        "data as it stands now; and, when you may edit it, the suggested text of each part. 404 when the unit "
        "is outside your scope, or leads no linkage that year and has no report. " + STATE_HELP
    ),
)
def monthly_report_detail(request, unit_id: int, month: str):
    _require_reader(request.user)
    unit, parsed = _unit_and_month(request.user, unit_id, month)
    return _detail(request.user, unit, parsed)


@router.put(
    "/monthly-reports/{unit_id}/{month}",
    response={200: ReportOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Save the draft of a unit's monthly report",
    description=(
        "Replaces the four texts of the draft (created on the first save). For the unit's handlers and heads "
        "and the heads of the units above it; the office may not (403). 422 once submitted, for a month not "
        "begun, for a unit that leads no linkage that year, and when expected_updated_at (the updated_at you "
        "read) is given and someone saved the draft since."
    ),
)
def monthly_report_put(request, unit_id: int, month: str, payload: ReportIn):
    services.require_writer(request.user)
    parsed = _month(month)
    services.monthly_report_save(actor=request.user, unit_id=unit_id, month=parsed, **payload.dict())
    unit = get_for_user(request.user, Unit, pk=unit_id)
    return _detail(request.user, unit, parsed)


@router.post(
    "/monthly-reports/{unit_id}/{month}/submit",
    response={200: ReportOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Submit a unit's monthly report",
    description=(
        "Stores the figures with the report and, on its first submission, the time and whether it was late "
        "(after the end of the 20th, China time; a holiday does not move the date). 422 when already "
        "submitted, not saved yet, or a required part is empty."
    ),
)
def monthly_report_submit(request, unit_id: int, month: str):
    services.require_writer(request.user)
    report_id = _report_id(request.user, unit_id, month)
    report = services.monthly_report_submit(actor=request.user, report_id=report_id)
    return _detail(request.user, report.unit, report.month)


@router.post(
    "/monthly-reports/{unit_id}/{month}/reopen",
    response={200: ReportOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Reopen a submitted monthly report for correction (office)",
    description=(
        "The coordinating office only (else 403). The report becomes a draft again; its first submission's "
        "time and lateness stay as they were. The unit is notified with the reason (the body may be {}). 422 when "
        "not submitted."
    ),
)
def monthly_report_reopen(request, unit_id: int, month: str, payload: ReopenIn):
    if not has_role(request.user, Role.OFFICE):
        raise PermissionDenied(_("Only the coordinating office may reopen a submitted monthly report."))
    report_id = _report_id(request.user, unit_id, month)
    report = services.monthly_report_reopen(actor=request.user, report_id=report_id, reason=payload.reason)
    return _detail(request.user, report.unit, report.month)
