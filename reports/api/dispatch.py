"""The monthly dispatch report over HTTP (月调度): GET /api/v1/reports/dispatch/{month} (JSON, the same sections as
the page, from reports.selectors.dispatch.as_data) and GET /api/v1/reports/dispatch/{month}.xlsx (the
workbook). Staff roles, each their own slice; enterprise users 403; a bad or future month 422."""

from __future__ import annotations

from datetime import date

from ninja import Router, Schema
from ninja.errors import HttpError

from accounts.scope import has_role
from core.exports import XLSX_CONTENT_TYPE
from core.schemas import DetailOut
from reports.api.dashboard import PlansOut  # the same plan figures, one schema
from reports.exports.dispatch import dispatch_xlsx_response
from reports.selectors import dispatch as selectors

router = Router(tags=["reports"])


class SummaryOut(Schema):
    new: int
    solved: int
    explained: int
    solved_or_explained: int
    not_solved: int
    overdue: int
    listed_open: int
    listed_in_month: int
    new_url: str | None
    overdue_url: str | None


class OverdueCaseOut(Schema):
    id: int
    number: str
    enterprise: str
    title: str
    state: str
    lead_unit_id: int | None
    lead_unit: str | None
    due_at: str | None
    working_days_overdue: float
    listed: bool
    url: str


class UnitCountOut(Schema):
    unit_id: int | None
    label: str
    count: int


class CoverageRowOut(Schema):
    unit_id: int | None
    label: str
    linked: int
    visited: int
    visits_made: int
    coverage: float | None


class CoverageOut(Schema):
    rows: list[CoverageRowOut]
    total: CoverageRowOut
    url: str


class IndicatorOut(Schema):
    key: int | str | None
    label: str
    collected: int
    assigned: int
    rejected: int
    resolved: int
    solved: int
    explained: int
    not_solved: int
    overdue_open: int
    resolved_late: int
    resolution_rate: float | None
    closure_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None
    average_working_days: float | None
    url: str | None


class IndicatorsOut(Schema):
    rows: list[IndicatorOut]
    total: IndicatorOut


class RegionIndicatorsOut(IndicatorsOut):
    region: str | None


class EconomyRowOut(Schema):
    key: int | None
    label: str
    enterprises: int
    output_value: float | None
    output_value_growth: float | None
    revenue: float | None
    revenue_growth: float | None
    total_profit: float | None
    total_profit_growth: float | None
    reported_profit: int
    loss_making: int
    loss_ratio: float | None


class EconomyOut(Schema):
    year: int
    through: str
    total: EconomyRowOut
    by_unit: list[EconomyRowOut]


class DispatchOut(Schema):
    month: str
    date_from: date
    date_to: date
    as_of: str
    live: bool
    computed_at: str
    summary: SummaryOut
    overdue_cases: list[OverdueCaseOut]
    overdue_by_unit: list[UnitCountOut]
    visit_coverage: CoverageOut
    plans: PlansOut
    indicators_by_unit: IndicatorsOut
    indicators_by_region: RegionIndicatorsOut
    economy: EconomyOut


def _report(request, month: str) -> selectors.DispatchReport:
    if not has_role(request.user, *selectors.READERS):
        raise HttpError(403, "This endpoint is not available to your role.")
    return selectors.dispatch_report(request.user, selectors.parse_report_month(month))


# The workbook's route comes first: "{month}" alone would also take "2026-10.xlsx".
@router.get(
    "/dispatch/{month}.xlsx",
    response={403: DetailOut, 422: DetailOut},
    summary="The monthly dispatch report (月调度) of a month as an Excel workbook, in your scope",
    description=(
        "The same report as GET /dispatch/{month}, as an .xlsx workbook with one sheet per section: summary, "
        "overdue cases, visit coverage, plans, indicators by unit, indicators by region, economy. Staff roles "
        "only (enterprise users 403); a month that is malformed, before 2000 or not begun yet is 422."
    ),
    openapi_extra={"responses": {200: {"description": "The workbook", "content": {XLSX_CONTENT_TYPE: {}}}}},
)
def dispatch_report_xlsx(request, month: str):
    return dispatch_xlsx_response(_report(request, month))


@router.get(
    "/dispatch/{month}",
    response={200: DispatchOut, 403: DetailOut, 422: DetailOut},
    summary="The monthly dispatch report (月调度) of a month, in your scope",
    description=(
        "`month` is YYYY-MM. The month's new cases (submitted in it), cases solved or explained in it, cases "
        "overdue and cases listed for supervision (挂牌督办) and still open, read at the end of the month for a "
        "past month and now for the current one (`as_of`, `live`); the overdue cases with their lead units and "
        "working days overdue; visit coverage by unit; the year's assistance plans by category (goals achieved "
        "÷ set); the indicators of the month's cases by lead unit and by region; and the economic indicators "
        "(year to date, growth against the same months of last year, loss-making count and loss ratio) of the "
        "enterprises with an assistance plan or linkage that year, in total and by lead unit. Money in 10k "
        "yuan, percentages to 0.1 (null when there is nothing to divide by); `url` fields are the site's lists "
        "behind the figures (null where no list shows exactly it). Staff roles only (enterprise users 403); a "
        "month that is malformed, before 2000 or not begun yet is 422. Definitions: docs/reports/dispatch.md."
    ),
)
def dispatch_report(request, month: str):
    return selectors.as_data(_report(request, month))
