"""API of the figures area: monthly figures, indicators, the loss ratio (亏损面) and early warnings.

Out-of-scope enterprises and warnings answer 404; a role that may not do something answers 403; a refused
value answers 422 with {"detail": "…"}. Money in 万元, electricity in 万千瓦时, months as YYYY-MM."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES, Region, Role
from accounts.scope import get_for_user, has_role
from core.periods import current_month, parse_month
from enterprises.models import Enterprise, EnterpriseWarning, WarningLevel
from enterprises.selectors import figures as selectors
from enterprises.services import figures as figure_services
from enterprises.services import warnings as warning_services

router = Router(tags=["figures"])


def _month(text: str | None, param: str) -> date | None:
    if not text:
        return None
    period = parse_month(text)
    if period is None:
        raise HttpError(422, f"{param}: “{text}” is not a month; write it as YYYY-MM, e.g. 2026-10.")
    return period


def _float(value) -> float | None:
    return None if value is None else float(value)


def _refused(error: ValidationError) -> HttpError:
    return HttpError(422, " ".join(error.messages))


def _require_staff(request) -> None:
    if not has_role(request.user, *STAFF_ROLES):
        raise HttpError(403, "This endpoint is not available to your role.")


# Monthly figures.


class FigureValuesIn(Schema):
    """One month's own values (not year-to-date). A figure left out or null is not reported."""

    output_value: Decimal | None = None
    revenue: Decimal | None = None
    total_profit: Decimal | None = None
    tax_paid: Decimal | None = None
    rd_spend: Decimal | None = None
    electricity: Decimal | None = None
    employees: int | None = None


class MonthFiguresOut(Schema):
    period: str
    reported: bool
    output_value: float | None = None
    revenue: float | None = None
    total_profit: float | None = None
    tax_paid: float | None = None
    rd_spend: float | None = None
    electricity: float | None = None
    employees: int | None = None
    source: str | None = None
    updated_at: datetime | None = None


class YearTotalOut(Schema):
    figure: str
    year_to_date: float | None
    same_period_last_year: float | None
    year_on_year_percent: float | None


class YearFiguresOut(Schema):
    enterprise_id: int
    year: int
    year_to_date_through: str | None
    loss_making: bool | None
    months: list[MonthFiguresOut]
    totals: list[YearTotalOut]


def _month_out(period: date, figure) -> dict:
    out = {"period": f"{period:%Y-%m}", "reported": figure is not None}
    if figure is not None:
        out |= {name: getattr(figure, name) for name in selectors.FIGURE_FIELDS}
        out |= {"source": figure.source, "updated_at": figure.updated_at}
    return out


@router.get(
    "/enterprises/{enterprise_id}/figures",
    response=YearFiguresOut,
    summary="An enterprise's monthly figures of one year, with year-to-date and year-on-year",
)
def year_figures(request, enterprise_id: int, year: int | None = None):
    enterprise = get_for_user(request.user, Enterprise, pk=enterprise_id)
    this_year = current_month().year
    year = year or this_year
    if not 2000 <= year <= this_year:
        raise HttpError(422, f"year must be between 2000 and {this_year}.")
    grid = selectors.year_grid(enterprise=enterprise, year=year)
    return {
        "enterprise_id": enterprise.pk,
        "year": year,
        "year_to_date_through": f"{grid.ytd_through:%Y-%m}" if grid.ytd_through else None,
        "loss_making": grid.loss_making,
        "months": [_month_out(month.period, month.figure) for month in grid.months],
        "totals": [
            {
                "figure": row.name,
                "year_to_date": _float(row.ytd),
                "same_period_last_year": _float(row.last_year_ytd),
                "year_on_year_percent": _float(row.ytd_yoy),
            }
            for row in grid.rows
        ],
    }


@router.put(
    "/enterprises/{enterprise_id}/figures/{period}",
    response=MonthFiguresOut,
    summary="Enter one month's figures (the enterprise for itself, the office for any in its scope)",
)
def put_month(request, enterprise_id: int, period: str, payload: FigureValuesIn):
    enterprise = get_for_user(request.user, Enterprise, pk=enterprise_id)
    month = _month(period, "period")
    source = figure_services.entry_source(request.user, enterprise)
    if source is None:
        raise HttpError(403, "You cannot enter this enterprise's figures.")
    try:
        figure = figure_services.figure_save(
            actor=request.user, enterprise=enterprise, period=month, values=payload.dict(), source=source
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise _refused(error) from None
    return _month_out(figure.period, figure)


class IndicatorOut(Schema):
    figure: str
    label: str
    unit: str
    month: float | None
    year_to_date: float | None
    same_month_last_year: float | None
    same_period_last_year: float | None
    month_year_on_year_percent: float | None
    year_to_date_year_on_year_percent: float | None


class IndicatorsOut(Schema):
    enterprise_id: int
    period: str
    reported: bool
    loss_making: bool | None
    figures: list[IndicatorOut]


@router.get(
    "/enterprises/{enterprise_id}/indicators",
    response=IndicatorsOut,
    summary="Derived indicators of a month (default: the latest reported): year-to-date, year-on-year, loss-making",
)
def indicators(request, enterprise_id: int, period: str | None = None):
    enterprise = get_for_user(request.user, Enterprise, pk=enterprise_id)
    month = _month(period, "period") or selectors.latest_period(enterprise) or selectors.last_complete_period()
    result = selectors.enterprise_indicators(enterprise=enterprise, period=month)
    return {
        "enterprise_id": enterprise.pk,
        "period": f"{month:%Y-%m}",
        "reported": result.reported,
        "loss_making": result.loss_making,
        "figures": [
            {
                "figure": item.name,
                "label": str(item.label),
                "unit": str(item.unit),
                "month": _float(item.month),
                "year_to_date": _float(item.ytd),
                "same_month_last_year": _float(item.last_year_month),
                "same_period_last_year": _float(item.last_year_ytd),
                "month_year_on_year_percent": _float(item.month_yoy),
                "year_to_date_year_on_year_percent": _float(item.ytd_yoy),
            }
            for item in result.figures
        ],
    }


# The loss ratio.


class LossRatioRowOut(Schema):
    region_id: int | None
    region_code: str | None
    name: str
    enterprises: int
    loss_making: int
    loss_ratio_percent: float | None
    profit: float
    profit_comparable: float  # this year's profit of the enterprises that also reported last year
    profit_last_year: float | None
    profit_growth_percent: float | None
    not_reported: int
    meets_loss_ratio_target: bool | None
    meets_profit_growth_target: bool | None


class LossRatioOut(Schema):
    period: str
    region_id: int
    loss_ratio_target_percent: float
    profit_growth_target_percent: float
    total: LossRatioRowOut
    regions: list[LossRatioRowOut]


def _loss_row(row: selectors.LossRatioRow) -> dict:
    return {
        "region_id": row.region.pk if row.region else None,
        "region_code": row.region.code if row.region else None,
        "name": row.label,
        "enterprises": row.enterprises,
        "loss_making": row.loss_making,
        "loss_ratio_percent": _float(row.loss_ratio),
        "profit": float(row.profit),
        "profit_comparable": float(row.profit_comparable),
        "profit_last_year": _float(row.profit_last_year),
        "profit_growth_percent": _float(row.profit_growth),
        "not_reported": row.not_reported,
        "meets_loss_ratio_target": row.meets_loss_target,
        "meets_profit_growth_target": row.meets_profit_target,
    }


@router.get(
    "/stats/loss-ratio",
    response=LossRatioOut,
    summary="Loss ratio (亏损面) and total profit of above-scale industrial enterprises, by child region",
)
def loss_ratio(request, period: str | None = None, region: int | None = None):
    _require_staff(request)
    month = _month(period, "period") or selectors.last_complete_period()
    if month > current_month():
        raise HttpError(422, "period must not be in the future.")
    chosen = get_for_user(request.user, Region, pk=region) if region else selectors.default_region(request.user)
    if chosen is None:
        raise HttpError(404, "No region to report on.")
    report = selectors.loss_ratio(user=request.user, period=month, region=chosen)
    return {
        "period": f"{month:%Y-%m}",
        "region_id": chosen.pk,
        "loss_ratio_target_percent": float(report.loss_ratio_target),
        "profit_growth_target_percent": float(report.profit_growth_target),
        "total": _loss_row(report.total),
        "regions": [_loss_row(row) for row in report.rows],
    }


# Early warnings.


class WarningOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    region_id: int
    rule: str
    level: int
    level_name: str
    reason: str
    period: str | None
    created_at: datetime
    created_by_id: int | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    resolution: str

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_region_id(obj):
        return obj.enterprise.region_id

    @staticmethod
    def resolve_level_name(obj):
        return WarningLevel(obj.level).name.lower()

    @staticmethod
    def resolve_period(obj):
        return f"{obj.period:%Y-%m}" if obj.period else None


class WarningFlagIn(Schema):
    level: int  # 1 blue, 2 orange, 3 red
    reason: str


class WarningResolveIn(Schema):
    resolution: str


@router.get("/warnings", response=list[WarningOut], summary="Open early warnings in your scope (staff)")
@paginate
def list_warnings(request, level: int | None = None, rule: str = "", region_id: int | None = None, q: str = ""):
    _require_staff(request)
    region = get_for_user(request.user, Region, pk=region_id) if region_id else None
    return selectors.warning_list(user=request.user, level=level, rule=rule, region=region, search=q.strip())


@router.post(
    "/enterprises/{enterprise_id}/warnings",
    response={201: WarningOut},
    summary="Flag an enterprise with a manual warning (coordinating office)",
)
def flag_warning(request, enterprise_id: int, payload: WarningFlagIn):
    if not has_role(request.user, Role.OFFICE):
        raise HttpError(403, "Only the coordinating office can flag or resolve warnings.")
    enterprise = get_for_user(request.user, Enterprise, pk=enterprise_id)
    try:
        warning = warning_services.warning_flag(
            actor=request.user, enterprise=enterprise, level=payload.level, reason=payload.reason
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise _refused(error) from None
    warning.enterprise = enterprise
    return Status(201, warning)


@router.post(
    "/warnings/{warning_id}/resolve",
    response=WarningOut,
    summary="Resolve a manual warning with a note (coordinating office; computed warnings resolve themselves)",
)
def resolve_warning(request, warning_id: int, payload: WarningResolveIn):
    if not has_role(request.user, Role.OFFICE):
        raise HttpError(403, "Only the coordinating office can flag or resolve warnings.")
    warning = get_for_user(request.user, EnterpriseWarning.objects.select_related("enterprise"), pk=warning_id)
    try:
        resolved = warning_services.warning_resolve(actor=request.user, warning=warning, resolution=payload.resolution)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise _refused(error) from None
    resolved.enterprise = warning.enterprise
    return resolved
