"""The monthly dispatch report (月调度) as an Excel workbook: one sheet per section of the page (summary,
overdue cases, visit coverage, plans, indicators by unit, by region, economy). Each sheet has a title row,
a styled header row (bold, shaded, wrapped, frozen) and fixed column widths; money in 万元 with two decimals,
percentages as numbers to 0.1. Titles and headers are gettext msgids, so the workbook speaks the active
language (Chinese by default)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core.exports import XLSX_CONTENT_TYPE
from reports.selectors.dispatch import DispatchReport

MONEY = "#,##0.00"
PERCENT = "0.0"
DAYS = "0.0"
INTEGER = "0"
DATETIME = "yyyy-mm-dd hh:mm"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
TOTAL_FONT = Font(bold=True)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ROW = 2  # row 1 is the sheet's title


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 14
    number_format: str | None = None


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def _sheet(workbook: Workbook, title: str, heading: str, columns: list[Column], rows: Iterable, total=None):
    sheet = workbook.create_sheet(title[:31])
    sheet.cell(row=1, column=1, value=heading).font = TITLE_FONT
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        cell = sheet.cell(row=HEADER_ROW, column=index, value=str(column.header))
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    number = HEADER_ROW
    for row in [*rows, *([total] if total is not None else [])]:
        number += 1
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=number, column=index, value=_cell_value(column.value(row)))
            cell.border = BORDER
            if column.number_format:
                cell.number_format = column.number_format
            if total is not None and row is total:
                cell.font = TOTAL_FONT
    return sheet


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _summary(workbook: Workbook, report: DispatchReport, heading: str) -> None:
    counts, plans, economy = report.counts, report.plans, report.economy.total
    overdue_label = _("Overdue now") if report.live else _("Overdue at the end of the month")
    rows = [
        (_("Month"), f"{report.month:%Y-%m}", None),
        (_("Figures as of"), report.as_of, DATETIME),
        (_("New cases (submitted in the month)"), counts.new, INTEGER),
        (_("Resolved in the month: solved"), counts.solved, INTEGER),
        (_("Resolved in the month: explained"), counts.explained, INTEGER),
        (_("Solved or explained in the month"), counts.solved_or_explained, INTEGER),
        (_("Resolved in the month: not solved"), counts.not_solved, INTEGER),
        (overdue_label, counts.overdue, INTEGER),
        (_("Listed for supervision and open"), counts.listed_open, INTEGER),
        (_("Listed for supervision in the month"), counts.listed_in_month, INTEGER),
        (_("Resolution rate of the month's cases (%)"), report.by_unit.total.resolution_rate, PERCENT),
        (_("Linked enterprises (visit coverage)"), report.coverage_total.linked, INTEGER),
        (_("Visited in the month"), report.coverage_total.visited, INTEGER),
        (_("Visit coverage (%)"), report.coverage_total.coverage, PERCENT),
        (_("Plan goals set (%(year)s)") % {"year": plans.year}, plans.goals, INTEGER),
        (_("Plan goals achieved"), plans.achieved, INTEGER),
        (_("Plan goals achieved (%)"), plans.ratio, PERCENT),
        (_("Assisted enterprises"), economy.enterprises, INTEGER),
        (_("Total profit year to date (10k yuan)"), economy.total_profit, MONEY),
        (_("Total profit growth (%)"), economy.profit_growth, PERCENT),
        (_("Loss-making enterprises"), economy.loss_making, INTEGER),
        (_("Loss ratio (%)"), economy.loss_ratio, PERCENT),
    ]
    columns = [
        Column(_("Item"), lambda row: row[0], 44),
        Column(_("Value"), lambda row: row[1], 20),
    ]
    sheet = _sheet(workbook, _("Summary"), heading, columns, rows)
    for offset, (_label, _value, number_format) in enumerate(rows):
        if number_format:
            sheet.cell(row=HEADER_ROW + 1 + offset, column=2).number_format = number_format


def _indicator_columns(first_header: str) -> list[Column]:
    def rate(name):
        return lambda row: getattr(row, name)

    return [
        Column(first_header, lambda row: row.label, 26),
        Column(_("Collected"), lambda row: row.collected, 10, INTEGER),
        Column(_("Assigned"), lambda row: row.assigned, 10, INTEGER),
        Column(_("Rejected"), lambda row: row.rejected, 10, INTEGER),
        Column(_("Solved"), lambda row: row.solved, 10, INTEGER),
        Column(_("Explained"), lambda row: row.explained, 10, INTEGER),
        Column(_("Not solved"), lambda row: row.not_solved, 10, INTEGER),
        Column(_("Resolution rate (%)"), rate("resolution_rate"), 12, PERCENT),
        Column(_("Closure rate (%)"), rate("closure_rate"), 12, PERCENT),
        Column(_("On-time rate (%)"), rate("on_time_rate"), 12, PERCENT),
        Column(_("Satisfaction (%)"), rate("satisfaction_rate"), 12, PERCENT),
        Column(_("Overdue now"), lambda row: row.overdue_open, 10, INTEGER),
        Column(_("Average working days to resolve"), rate("average_working_days"), 14, DAYS),
    ]


def _coverage_columns() -> list[Column]:
    return [
        Column(_("Unit"), lambda row: row.label, 28),
        Column(_("Linked enterprises"), lambda row: row.linked, 14, INTEGER),
        Column(_("Visited in the month"), lambda row: row.visited, 14, INTEGER),
        Column(_("Coverage (%)"), lambda row: row.coverage, 12, PERCENT),
        Column(_("Visits made by the unit"), lambda row: row.visits_made, 14, INTEGER),
    ]


def _economy_columns() -> list[Column]:
    return [
        Column(_("Lead unit"), lambda row: row.label, 28),
        Column(_("Assisted enterprises"), lambda row: row.enterprises, 12, INTEGER),
        Column(_("Output value year to date (10k yuan)"), lambda row: row.output_value.current, 16, MONEY),
        Column(_("Output value growth (%)"), lambda row: row.output_value.growth, 12, PERCENT),
        Column(_("Revenue year to date (10k yuan)"), lambda row: row.revenue.current, 16, MONEY),
        Column(_("Revenue growth (%)"), lambda row: row.revenue.growth, 12, PERCENT),
        Column(_("Total profit year to date (10k yuan)"), lambda row: row.total_profit, 16, MONEY),
        Column(_("Total profit growth (%)"), lambda row: row.profit_growth, 12, PERCENT),
        Column(_("Reported a profit figure"), lambda row: row.reported, 12, INTEGER),
        Column(_("Loss-making enterprises"), lambda row: row.loss_making, 12, INTEGER),
        Column(_("Loss ratio (%)"), lambda row: row.loss_ratio, 12, PERCENT),
    ]


def build_dispatch_xlsx(report: DispatchReport) -> bytes:
    """The workbook of `report`: seven sheets, in the order of the page."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    month = f"{report.month:%Y-%m}"

    def heading(section: str) -> str:
        return _("Monthly dispatch report %(month)s: %(section)s") % {"month": month, "section": section}

    _summary(workbook, report, heading(_("Summary")))

    overdue_columns = [
        Column(_("Number"), lambda item: item.case.number, 16),
        Column(_("Enterprise"), lambda item: item.case.enterprise.name, 28),
        Column(_("Title"), lambda item: item.case.title, 36),
        Column(_("Lead unit"), lambda item: item.case.lead_unit.name if item.case.lead_unit else "", 24),
        Column(_("Deadline"), lambda item: item.case.due_at, 18, DATETIME),
        Column(_("Working days overdue"), lambda item: item.working_days_overdue, 12, DAYS),
        Column(_("Listed for supervision"), lambda item: _yes_no(item.listed), 12),
    ]
    _sheet(workbook, _("Overdue cases"), heading(_("Overdue cases")), overdue_columns, report.overdue)

    _sheet(
        workbook,
        _("Visit coverage"),
        heading(_("Visit coverage")),
        _coverage_columns(),
        report.coverage,
        total=report.coverage_total,
    )

    plan_columns = [
        Column(_("Category"), lambda row: str(row[0]), 30),
        Column(_("Plans"), lambda row: row[1], 10, INTEGER),
        Column(_("Goals set"), lambda row: row[2], 10, INTEGER),
        Column(_("Goals achieved"), lambda row: row[3], 10, INTEGER),
        Column(_("Achieved (%)"), lambda row: row[4], 12, PERCENT),
    ]
    plans = report.plans
    plan_rows = [
        (row.summary.label, row.summary.plans, row.summary.goals, row.summary.achieved, row.ratio) for row in plans.rows
    ]
    plan_total = (_("Total"), plans.plans, plans.goals, plans.achieved, plans.ratio)
    _sheet(
        workbook,
        _("Plans"),
        heading(_("Assistance plans of %(year)s") % {"year": plans.year}),
        plan_columns,
        plan_rows,
        total=plan_total,
    )

    _sheet(
        workbook,
        _("Indicators by unit"),
        heading(_("Indicators by lead unit")),
        _indicator_columns(_("Lead unit")),
        [group.row for group in report.by_unit_rows],
        total=report.by_unit.total,
    )
    _sheet(
        workbook,
        _("Indicators by region"),
        heading(_("Indicators by region")),
        _indicator_columns(_("Region")),
        [group.row for group in report.by_region_rows],
        total=report.by_region.total,
    )
    _sheet(
        workbook,
        _("Economy"),
        heading(_("Economic indicators of the assisted enterprises, year to date")),
        _economy_columns(),
        report.economy.by_unit,
        total=report.economy.total,
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def dispatch_filename(report: DispatchReport) -> str:
    return _("dispatch-report-%(month)s") % {"month": f"{report.month:%Y-%m}"} + ".xlsx"


def dispatch_xlsx_response(report: DispatchReport) -> HttpResponse:
    """The workbook as a download (the name RFC 6266-encoded, so a Chinese name is fine)."""
    response = HttpResponse(build_dispatch_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(dispatch_filename(report))}"
    return response
