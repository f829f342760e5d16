"""Reads of the operating figures: an enterprise's year as a grid, the derived indicators of one month, the
region's loss ratio (亏损面) of above-scale industrial enterprises, and the open early warnings.

Periods are first-of-month dates. Year-to-date (累计) sums the months January..M of the same year that were
reported; the same period last year sums the same calendar months of the year before. Year-on-year growth is
(this − last) ÷ |last| × 100, rounded to one decimal, and None when last year is missing or zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.scope import scoped
from core.periods import add_months, current_month, months_between
from enterprises.models import Enterprise, EnterpriseWarning, Industry, MonthlyFigure

FIGURE_FIELDS = MonthlyFigure.FIGURE_FIELDS
# A head count is a stock, not a flow: its year-to-date value is the average of the months reported.
STOCK_FIELDS = frozenset({"employees"})
FIGURE_UNITS = {
    "output_value": _("10k yuan"),
    "revenue": _("10k yuan"),
    "total_profit": _("10k yuan"),
    "tax_paid": _("10k yuan"),
    "rd_spend": _("10k yuan"),
    "electricity": _("10k kWh"),
    "employees": _("people"),
}
# Seed 000's targets for above-scale industrial enterprises: loss ratio under 4 %, total profit up ≥ 12 %.
LOSS_RATIO_TARGET = Decimal("4")
PROFIT_GROWTH_TARGET = Decimal("12")

ONE_DECIMAL = Decimal("0.1")


# Months.


def last_complete_period() -> date:
    """The month whose figures are expected by now: the one before the current month."""
    return add_months(current_month(), -1)


def growth_percent(current, previous) -> Decimal | None:
    if current is None or previous is None or previous == 0:
        return None
    current, previous = Decimal(current), Decimal(previous)
    return ((current - previous) / abs(previous) * 100).quantize(ONE_DECIMAL, ROUND_HALF_UP)


# The model's label of electricity carries its unit already; pages show units in a column of their own.
_LABELS = {"electricity": _("electricity used")}


def figure_label(name: str) -> str:
    return _LABELS.get(name) or MonthlyFigure._meta.get_field(name).verbose_name


def _year_to_date(rows: dict[date, MonthlyFigure], name: str, last: date) -> Decimal | None:
    values = [
        getattr(rows[period], name)
        for period in months_between(date(last.year, 1, 1), last)
        if period in rows and getattr(rows[period], name) is not None
    ]
    if not values:
        return None
    total = sum((Decimal(value) for value in values), Decimal(0))
    if name in STOCK_FIELDS:
        return (total / len(values)).quantize(Decimal(1), ROUND_HALF_UP)
    return total


def figure_rows(enterprise: Enterprise, first: date, last: date) -> dict[date, MonthlyFigure]:
    """The enterprise's figures of the months first..last, by month: one query."""
    rows = MonthlyFigure.objects.filter(enterprise=enterprise, period__gte=first, period__lte=last)
    return {row.period: row for row in rows}


# Indicators of one month.


@dataclass(frozen=True)
class FigureIndicator:
    name: str
    label: str
    unit: str
    month: Decimal | int | None
    ytd: Decimal | None
    last_year_month: Decimal | int | None
    last_year_ytd: Decimal | None
    month_yoy: Decimal | None
    ytd_yoy: Decimal | None


@dataclass(frozen=True)
class Indicators:
    period: date
    figures: list[FigureIndicator]
    reported: bool  # the month itself has a row

    def __getitem__(self, name: str) -> FigureIndicator:
        for indicator in self.figures:
            if indicator.name == name:
                return indicator
        raise KeyError(name)  # templates try a key before an attribute

    @property
    def loss_making(self) -> bool | None:
        """Year-to-date total profit below zero; None when no profit was reported this year."""
        ytd = self["total_profit"].ytd
        return None if ytd is None else ytd < 0


def indicators_from_rows(rows: dict[date, MonthlyFigure], period: date) -> Indicators:
    """The indicators of `period` from rows that cover January of last year through `period`."""
    same_month_last_year = add_months(period, -12)
    this_row, last_row = rows.get(period), rows.get(same_month_last_year)
    figures = []
    for name in FIGURE_FIELDS:
        month = getattr(this_row, name) if this_row else None
        last_month = getattr(last_row, name) if last_row else None
        ytd = _year_to_date(rows, name, period)
        last_ytd = _year_to_date(rows, name, same_month_last_year)
        figures.append(
            FigureIndicator(
                name=name,
                label=figure_label(name),
                unit=FIGURE_UNITS[name],
                month=month,
                ytd=ytd,
                last_year_month=last_month,
                last_year_ytd=last_ytd,
                month_yoy=growth_percent(month, last_month),
                ytd_yoy=growth_percent(ytd, last_ytd),
            )
        )
    return Indicators(period=period, figures=figures, reported=this_row is not None)


def latest_period(enterprise: Enterprise) -> date | None:
    return (
        MonthlyFigure.objects.filter(enterprise=enterprise).order_by("-period").values_list("period", flat=True).first()
    )


def enterprise_indicators(*, enterprise: Enterprise, period: date) -> Indicators:
    """Each figure of `period`: the month, year-to-date, the same period last year and the growth. One query."""
    rows = figure_rows(enterprise, date(period.year - 1, 1, 1), period)
    return indicators_from_rows(rows, period)


# A year as a grid.


@dataclass(frozen=True)
class GridCell:
    period: date
    value: Decimal | int | None
    yoy: Decimal | None


@dataclass(frozen=True)
class GridRow:
    name: str
    label: str
    unit: str
    cells: list[GridCell]
    ytd: Decimal | None
    last_year_ytd: Decimal | None
    ytd_yoy: Decimal | None


@dataclass(frozen=True)
class GridMonth:
    period: date
    figure: MonthlyFigure | None
    is_future: bool


@dataclass(frozen=True)
class YearGrid:
    year: int
    months: list[GridMonth]
    rows: list[GridRow]
    ytd_through: date | None  # the last month of the year with figures

    @property
    def loss_making(self) -> bool | None:
        profit = next(row for row in self.rows if row.name == "total_profit").ytd
        return None if profit is None else profit < 0


def year_grid(*, enterprise: Enterprise, year: int) -> YearGrid:
    """The twelve months of `year` (figure by figure), with year-to-date and year-on-year. One query."""
    rows = figure_rows(enterprise, date(year - 1, 1, 1), date(year, 12, 1))
    this_year = [period for period in rows if period.year == year]
    ytd_through = max(this_year) if this_year else None
    now = current_month()
    months = [
        GridMonth(period, rows.get(period), period > now)
        for period in months_between(date(year, 1, 1), date(year, 12, 1))
    ]
    grid_rows = []
    for name in FIGURE_FIELDS:
        cells = []
        for month in months:
            value = getattr(month.figure, name) if month.figure else None
            last_row = rows.get(add_months(month.period, -12))
            cells.append(
                GridCell(month.period, value, growth_percent(value, getattr(last_row, name) if last_row else None))
            )
        ytd = _year_to_date(rows, name, ytd_through) if ytd_through else None
        last_ytd = _year_to_date(rows, name, add_months(ytd_through, -12)) if ytd_through else None
        grid_rows.append(
            GridRow(name, figure_label(name), FIGURE_UNITS[name], cells, ytd, last_ytd, growth_percent(ytd, last_ytd))
        )
    return YearGrid(year=year, months=months, rows=grid_rows, ytd_through=ytd_through)


def chart_series(rows: dict[date, MonthlyFigure], last: date, months: int = 24) -> dict:
    """The last `months` months up to `last`, as plain lists for ECharts (json_script)."""
    periods = months_between(add_months(last, 1 - months), last)
    data: dict = {"months": [f"{period:%Y-%m}" for period in periods]}
    for name in ("revenue", "total_profit", "output_value", "electricity", "employees"):
        values = [getattr(rows[period], name) if period in rows else None for period in periods]
        data[name] = [None if value is None else float(value) for value in values]
    data["labels"] = {name: str(figure_label(name)) for name in FIGURE_FIELDS}
    return data


# The loss ratio (亏损面) of above-scale industrial enterprises.


@dataclass
class LossRatioRow:
    region: Region | None
    label: str
    enterprises: int = 0  # those that reported a profit figure this year
    not_reported: int = 0
    loss_making: int = 0
    profit: Decimal = Decimal(0)
    # Growth compares like with like (同口径): only enterprises that reported in both years.
    profit_comparable: Decimal = Decimal(0)
    profit_last_year: Decimal | None = None

    @property
    def loss_ratio(self) -> Decimal | None:
        if not self.enterprises:
            return None
        return (Decimal(self.loss_making) * 100 / self.enterprises).quantize(ONE_DECIMAL, ROUND_HALF_UP)

    @property
    def profit_growth(self) -> Decimal | None:
        return growth_percent(self.profit_comparable, self.profit_last_year)

    @property
    def meets_loss_target(self) -> bool | None:
        ratio = self.loss_ratio
        return None if ratio is None else ratio < LOSS_RATIO_TARGET

    @property
    def meets_profit_target(self) -> bool | None:
        growth = self.profit_growth
        return None if growth is None else growth >= PROFIT_GROWTH_TARGET

    def add(self, current: Decimal | None, previous: Decimal | None) -> None:
        if current is None:
            self.not_reported += 1
            return
        self.enterprises += 1
        self.loss_making += current < 0
        self.profit += current
        if previous is not None:
            self.profit_comparable += current
            self.profit_last_year = (self.profit_last_year or Decimal(0)) + previous


@dataclass
class LossRatioReport:
    period: date
    region: Region
    total: LossRatioRow
    rows: list[LossRatioRow] = field(default_factory=list)
    loss_ratio_target: Decimal = LOSS_RATIO_TARGET
    profit_growth_target: Decimal = PROFIT_GROWTH_TARGET


def above_scale_industrial(user, region: Region) -> QuerySet:
    """Above-scale industrial enterprises (sections B, C, D) in the user's scope and the region's subtree."""
    return scoped(
        user,
        Enterprise.objects.filter(
            above_scale=True,
            industry__section__in=Industry.INDUSTRIAL_SECTIONS,
            region__path__startswith=region.path,
        ),
    )


def default_region(user) -> Region | None:
    """The region a staff member reports on unless they choose one: their unit's, else the top one."""
    if user.unit_id:
        return user.unit.region
    return Region.objects.filter(parent__isnull=True).order_by("code").first()


def loss_ratio(*, user, period: date, region: Region) -> LossRatioReport:
    """Count, loss-making count, loss ratio, year-to-date total profit and its growth, for the region and for
    each of its child regions. Enterprises that reported no profit this year are counted apart, not in the
    ratio; the growth compares the enterprises that reported in both years. Three queries, however many
    enterprises."""
    base = above_scale_industrial(user, region)
    enterprise_paths = dict(base.values_list("pk", "region__path"))
    year_start, last_year_start = date(period.year, 1, 1), date(period.year - 1, 1, 1)
    same_period_last_year = add_months(period, -12)
    sums = (
        MonthlyFigure.objects.filter(enterprise__in=base.values("pk"), total_profit__isnull=False)
        .filter(
            Q(period__gte=year_start, period__lte=period)
            | Q(period__gte=last_year_start, period__lte=same_period_last_year)
        )
        .values("enterprise_id")
        .annotate(
            current=Sum("total_profit", filter=Q(period__gte=year_start)),
            previous=Sum("total_profit", filter=Q(period__lt=year_start)),
        )
    )
    profit_by_enterprise = {row["enterprise_id"]: (row["current"], row["previous"]) for row in sums}

    children = list(Region.objects.filter(parent=region).order_by("code"))
    rows_by_path = {child.path: LossRatioRow(child, child.name) for child in children}
    direct = LossRatioRow(region, str(_("%(region)s (directly)") % {"region": region.name}))
    total = LossRatioRow(region, region.name)
    child_path_length = len(region.path) + 9  # each level of a tree path adds “00000042/”
    for pk, path in enterprise_paths.items():
        current, previous = profit_by_enterprise.get(pk, (None, None))
        total.add(current, previous)
        rows_by_path.get(path[:child_path_length], direct).add(current, previous)
    rows = list(rows_by_path.values())
    if direct.enterprises or direct.not_reported:
        rows.append(direct)
    return LossRatioReport(period=period, region=region, total=total, rows=rows)


# Early warnings.


def warning_list(
    *, user, level: int | None = None, rule: str = "", region: Region | None = None, search: str = ""
) -> QuerySet:
    """Open warnings in the user's scope, most severe first (enterprise users reach none)."""
    warnings = scoped(
        user,
        EnterpriseWarning.objects.filter(resolved_at__isnull=True).select_related("enterprise", "enterprise__region"),
    )
    if level is not None:
        warnings = warnings.filter(level=level)
    if rule:
        warnings = warnings.filter(rule=rule)
    if region is not None:
        warnings = warnings.filter(enterprise__region__path__startswith=region.path)
    if search:
        warnings = warnings.filter(Q(enterprise__name__icontains=search) | Q(enterprise__credit_code__iexact=search))
    return warnings.order_by("-level", "-created_at", "pk")


def open_warnings_for(*, user, enterprise: Enterprise) -> list[EnterpriseWarning]:
    return list(
        scoped(user, EnterpriseWarning.objects.filter(enterprise=enterprise, resolved_at__isnull=True)).order_by(
            "-level", "-created_at"
        )
    )


def region_choices() -> Iterable[Region]:
    """Regions to filter by: down to townships (villages would make the list too long)."""
    return Region.objects.exclude(level=Region.Level.VILLAGE).order_by("path")
