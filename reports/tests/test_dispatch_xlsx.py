"""The dispatch workbook read back with openpyxl: its sheets in the page's order, titles and header styling,
column widths, and the cells of every section for the worked month of test_dispatch_support."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from reports.exports.dispatch import build_dispatch_xlsx
from reports.selectors.dispatch import dispatch_report
from reports.tests.test_dispatch_support import OCTOBER, at

pytest_plugins = ["reports.tests.test_dispatch_support"]
pytestmark = pytest.mark.usefixtures("dispatch_english")

SHEETS = [
    "Summary",
    "Overdue cases",
    "Visit coverage",
    "Plans",
    "Indicators by unit",
    "Indicators by region",
    "Economy",
]


@pytest.fixture
def workbook(dispatch_example):
    return load_workbook(io.BytesIO(build_dispatch_xlsx(dispatch_report(dispatch_example.office_user, OCTOBER))))


def local(month, day, hour=0):
    """A China-time moment as Excel holds it: without a zone."""
    return at(month, day, hour).replace(tzinfo=None)


def rows(sheet) -> list[tuple]:
    """The data rows under the title (row 1) and the header (row 2)."""
    return list(sheet.iter_rows(min_row=3, values_only=True))


def header(sheet) -> list:
    return [cell.value for cell in sheet[2]]


def test_sheets_titles_and_styling(workbook):
    assert workbook.sheetnames == SHEETS
    for name in SHEETS:
        sheet = workbook[name]
        assert sheet["A1"].value.startswith("Monthly dispatch report 2026-10: ")
        assert sheet["A1"].font.b
        assert all(cell.font.b for cell in sheet[2])
        assert sheet["A2"].fill.fgColor.rgb.endswith("DDEBF7")
        assert sheet.freeze_panes == "A3"
    assert workbook["Overdue cases"].column_dimensions["C"].width == 36
    assert workbook["Summary"].column_dimensions["A"].width == 44


def test_summary(workbook):
    values = dict(rows(workbook["Summary"]))
    assert values["Month"] == "2026-10"
    assert values["Figures as of"] == local(11, 1)
    assert values["New cases (submitted in the month)"] == 8
    assert values["Resolved in the month: solved"] == 2
    assert values["Resolved in the month: explained"] == 1
    assert values["Solved or explained in the month"] == 3
    assert values["Overdue at the end of the month"] == 3
    assert values["Listed for supervision and open"] == 2
    assert values["Visit coverage (%)"] == 50.0
    assert values["Plan goals set (2026)"] == 3 and values["Plan goals achieved (%)"] == 66.7
    assert values["Assisted enterprises"] == 2 and values["Loss ratio (%)"] == 50.0
    assert values["Total profit year to date (10k yuan)"] == 10.0


def test_overdue_cases(workbook, dispatch_example):
    sheet = workbook["Overdue cases"]
    assert header(sheet) == [
        "Number",
        "Enterprise",
        "Title",
        "Lead unit",
        "Deadline",
        "Working days overdue",
        "Listed for supervision",
    ]
    cases = dispatch_example.cases
    assert rows(sheet) == [
        (
            cases["G"].number,
            "邵水新材料股份有限公司",
            cases["G"].title,
            "县发改局",
            local(9, 10, 9),
            32.6,
            "no",
        ),
        (cases["A"].number, "湘中机械有限公司", cases["A"].title, "县工信局", local(10, 26, 9), 4.6, "yes"),
        (
            cases["C"].number,
            "邵水新材料股份有限公司",
            cases["C"].title,
            "县工信局中小企业股",
            local(10, 28, 9),
            2.6,
            "no",
        ),
    ]
    assert sheet["E3"].number_format == "yyyy-mm-dd hh:mm"


def test_coverage_and_plans(workbook):
    coverage = rows(workbook["Visit coverage"])
    assert coverage == [("县工信局中小企业股", 1, 0, 0.0, 0), ("县工信局", 1, 1, 100.0, 1), ("Total", 2, 1, 50.0, 1)]
    assert workbook["Visit coverage"]["A5"].font.b  # the total row
    plans = rows(workbook["Plans"])
    assert plans[0] == ("turn losses into profit (扭亏增盈)", 1, 2, 1, 50.0)
    assert plans[-1] == ("Total", 2, 3, 2, 66.7)


def test_indicators(workbook, dispatch_example):
    by_unit = workbook["Indicators by unit"]
    assert header(by_unit)[:8] == [
        "Lead unit",
        "Collected",
        "Assigned",
        "Rejected",
        "Solved",
        "Explained",
        "Not solved",
        "Resolution rate (%)",
    ]
    unit_rows = {row[0]: row for row in rows(by_unit)}
    assert unit_rows["县发改局"][1:8] == (2, 2, 0, 2, 0, 0, 100.0)
    assert unit_rows["Total"][1] == 8 and unit_rows["Total"][7] == 42.9
    assert unit_rows["No lead unit (awaiting assignment)"][1] == 2
    assert by_unit["H3"].number_format == "0.0"
    region_rows = {row[0]: row[1] for row in rows(workbook["Indicators by region"])}
    assert region_rows == {"酿溪镇": 5, "雀塘镇": 3, "Total": 8}


def test_economy(workbook):
    sheet = workbook["Economy"]
    assert header(sheet)[2] == "Output value year to date (10k yuan)"
    assert rows(sheet) == [
        ("县工信局", 1, 500.0, -9.1, 400.0, 14.3, -30.0, -250.0, 1, 1, 100.0),
        ("县工信局中小企业股", 1, 100.0, None, 80.0, None, 40.0, None, 1, 0, 0.0),
        ("Total", 2, 600.0, -9.1, 480.0, 14.3, 10.0, -250.0, 2, 1, 50.0),
    ]
    assert sheet["C3"].number_format == "#,##0.00"


def test_titles_follow_the_language(dispatch_example):
    report = dispatch_report(dispatch_example.office_user, OCTOBER)
    with translation.override("zh-hans"):
        content = build_dispatch_xlsx(report)
        expected = translation.gettext("Overdue cases")
    assert expected in load_workbook(io.BytesIO(content)).sheetnames
