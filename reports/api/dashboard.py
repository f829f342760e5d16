"""The dashboard over HTTP (GET /api/v1/reports/dashboard?from=&to=): the same selector and the same data as
the page's charts (reports.selectors.dashboard.as_data), links to the lists included. The office, auditors,
leaders and unit staff, each their own slice; other roles 403; a bad period 422."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from accounts.scope import has_role
from cases.selectors.indicators import default_period
from core.schemas import DetailOut
from reports.selectors import dashboard as selectors

router = Router(tags=["reports"])


class FiguresOut(Schema):
    collected: int
    solved: int
    explained: int
    resolved: int
    overdue_open: int
    resolution_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None


class TotalOut(FiguresOut):
    rejected: int
    url: str
    solved_url: str
    overdue_url: str


class MonthOut(FiguresOut):
    key: str
    label: str
    url: str
    solved_url: str
    overdue_url: str


class GroupOut(FiguresOut):
    key: int | str | None
    label: str
    url: str | None


class RankedUnitOut(FiguresOut):
    rank: int | None
    tied: bool
    key: int
    label: str
    url: str


class TargetOut(Schema):
    key: str
    label: str
    figure: float | None
    target: float
    kind: str
    met: bool | None
    date_from: date | None
    date_to: date | None
    url: str


class RiskOut(Schema):
    orange: int
    red: int
    at_risk: int
    at_risk_url: str
    red_url: str


class PlanCategoryOut(Schema):
    key: str
    label: str
    plans: int
    goals: int
    achieved: int
    ratio: float | None
    url: str


class PlansOut(Schema):
    year: int
    plans: int
    goals: int
    achieved: int
    ratio: float | None
    url: str
    by_category: list[PlanCategoryOut]


class DashboardOut(Schema):
    date_from: date
    date_to: date
    computed_at: str
    case_queue: str | None
    total: TotalOut
    targets: list[TargetOut]
    figures_month: str
    by_month: list[MonthOut]
    by_category: list[GroupOut]
    by_channel: list[GroupOut]
    by_region: list[GroupOut]
    ranking: list[RankedUnitOut]
    risk: RiskOut
    plans: PlansOut


@router.get(
    "/dashboard",
    response={200: DashboardOut, 403: DetailOut, 422: DetailOut},
    summary="The dashboard (驾驶舱) for a period, in your scope",
    description=(
        "The cases submitted from `from` to `to` (inclusive, China time; default: this year to date) that you "
        "may see, each counted as it stands now: the whole, by month, category, channel and region, the lead "
        "units ranked by resolution rate then on-time rate (equal figures share a rank); the program targets "
        "with the jurisdiction's figures (resolution rate of the period; loss ratio and profit growth of "
        "above-scale industry, year to date through figures_month); enterprises with an orange or red "
        "warning; plan goals achieved in the year of `to`. Percentages to 0.1, null when there is nothing to "
        "divide by. Every figure carries the URL of the list behind it (null when no list shows exactly it). "
        "Office, auditor, leader, unit head and handler only (else 403); a bad period is 422. "
        "Definitions: docs/reports/dashboard.md."
    ),
)
def report_dashboard(
    request,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
):
    if not has_role(request.user, *selectors.READERS):
        raise HttpError(403, "This endpoint is not available to your role.")
    first, last = default_period()
    board = selectors.dashboard(request.user, date_from or first, date_to or last)
    return selectors.as_data(board)
