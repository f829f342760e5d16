"""The indicators page: who may open it, the default period, the table, chart and export, bad input kept
with its message, scope, and a query count that does not grow with the cases."""

import io
from datetime import date

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from cases.models import Case
from cases.tests.test_indicators_support import at, make_case
from cases.views.indicators import shortcuts
from conftest import PASSWORD

pytest_plugins = ["cases.tests.test_indicators_support"]

URL = "/cases/indicators/"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English labels; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


def cells(response, testid="indicator-total") -> dict:
    """{indicator name: text} of the total row (or of the first row with that data-testid)."""
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    row = html[start : html.index("</tr>", start)]
    found = {}
    for part in row.split('data-name="')[1:]:
        name, rest = part.split('"', 1)
        found[name] = rest.split(">", 1)[1].split("<", 1)[0]
    return found


@pytest.mark.parametrize(
    ("username", "status"),
    [("office", 200), ("auditor", 200), ("leader", 200), ("gxj_handler", 200), ("cadre", 200), ("ent_a", 403)],
)
def test_who_may_open_it(client, county, username, status):
    client.login(username=username, password=PASSWORD)
    assert client.get(URL).status_code == status


def test_signed_out_goes_to_login(client, county):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_default_period_is_this_year_to_date(login, county):
    response = login(county.office_user).get(URL)
    today = timezone.localdate()
    report = response.context["report"]
    assert (report.date_from, report.date_to, report.group_by) == (date(today.year, 1, 1), today, None)
    # The form shows the period the figures are for.
    assert f'value="{today.year}-01-01"' in response.content.decode()
    assert f'value="{today.isoformat()}"' in response.content.decode()
    assert 'data-testid="indicator-total"' in response.content.decode()
    assert response.context["chart"] is None  # nothing to chart without groups


def test_shortcuts():
    periods = {str(label): (first, last) for label, first, last in shortcuts(date(2026, 5, 20))}
    assert periods == {
        "This month": (date(2026, 5, 1), date(2026, 5, 20)),
        "Last month": (date(2026, 4, 1), date(2026, 4, 30)),
        "This quarter": (date(2026, 4, 1), date(2026, 5, 20)),
        "Last quarter": (date(2026, 1, 1), date(2026, 3, 31)),
        "This year": (date(2026, 1, 1), date(2026, 5, 20)),
        "Last year": (date(2025, 1, 1), date(2025, 12, 31)),
    }
    assert shortcuts(date(2026, 1, 10))[3][1:] == (date(2025, 10, 1), date(2025, 12, 31))


def test_table_and_chart_by_unit(login, example):
    response = login(example.office_user).get(URL, {**MARCH, "group_by": "unit"})
    assert response.status_code == 200
    total = cells(response)
    assert total["collected"] == "10" and total["resolution_rate"] == "37.5 %"
    assert total["closure_rate"] == "57.1 %" and total["average_working_days"] == "1.9"
    first = cells(response, "indicator-row")
    assert first["collected"] == "4" and first["reopen_rate"] == "0.0 %"
    rows = response.context["rows"]
    assert [r["key"] for r in rows] == [example.gxj.pk, example.fgj.pk, None]
    # The group without a lead unit has nothing to close: a dash, not a division by zero.
    assert {c["name"]: c["text"] for c in rows[2]["cells"]}["closure_rate"] == "—"
    chart = response.context["chart"]
    assert chart["groups"] == ["县工信局", "县发改局", "No lead unit (awaiting assignment)"]
    assert chart["resolution"] == [50.0, 33.3, 0.0] and chart["satisfaction"] == [100.0, 50.0, None]
    html = response.content.decode()
    assert 'id="indicator-chart-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "js/cases-indicators.js" in html


def test_region_rows_link_one_level_down(login, example):
    response = login(example.office_user).get(URL, {**MARCH, "group_by": "region"})
    rows = response.context["rows"]
    assert [(r["label"], "drill" in r) for r in rows] == [("酿溪镇", True), ("雀塘镇", True)]
    assert f"region={example.town_a.pk}" in rows[0]["drill"] and "group_by=region" in rows[0]["drill"]
    deeper = login(example.office_user).get(URL, {**MARCH, "group_by": "region", "region": example.town_a.pk})
    assert deeper.context["report"].region == example.town_a
    assert [r["label"] for r in deeper.context["rows"]] == ["酿溪镇 (directly)"]
    assert "drill" not in deeper.context["rows"][0]


def test_export(login, example):
    response = login(example.office_user).get(URL, {**MARCH, "group_by": "unit", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5  # header, three units, total
    assert rows[0][:2] == ("lead unit", "Collected") and rows[0][7] == "Resolution rate (%)"
    assert rows[1][:8] == ("县工信局", 4, 4, 0, 2, 0, 0, 50.0)
    assert rows[3][8] is None  # no closure rate without assigned cases
    assert rows[4][0] == "Total" and rows[4][1] == 10 and rows[4][7] == 37.5 and rows[4][16] == 1.9


def test_bad_input_is_shown_next_to_the_field_and_kept(login, example):
    response = login(example.office_user).get(URL, {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    html = response.content.decode()
    assert response.status_code == 200 and response.context["report"] is None
    assert 'data-testid="error-date_to"' in html
    assert 'value="2026-03-31"' in html and 'value="2026-03-01"' in html
    response = login(example.office_user).get(URL, {"date_from": "31/03/2026", "group_by": "colour"})
    assert 'data-testid="error-date_from"' in response.content.decode()
    assert set(response.context["form"].errors) == {"date_from", "group_by"}
    assert 'value="31/03/2026"' in response.content.decode()
    # No export of a report that could not be made.
    response = login(example.office_user).get(URL, {"date_from": "bad", "export": "xlsx"})
    assert response["Content-Type"].startswith("text/html")


def test_scope(login, example):
    response = login(example.gxj_handler).get(URL, {**MARCH, "group_by": "unit"})
    assert cells(response)["collected"] == "5"
    assert [r["key"] for r in response.context["rows"]] == [example.gxj.pk, None]
    # The unit filter offers the user's own unit only.
    assert [value for value, _label in response.context["form"].fields["unit"].choices] == ["", example.gxj.pk]
    response = login(example.fgj_handler).get(URL, MARCH)
    assert cells(response)["collected"] == "3"
    # Another unit's filter is not offered, and asking for it anyway is an error next to the field.
    response = login(example.gxj_handler).get(URL, {**MARCH, "unit": example.fgj.pk})
    assert response.context["report"] is None and 'data-testid="error-unit"' in response.content.decode()


def resolved_cases(county, how_many):
    for day in range(2, 2 + how_many):
        make_case(
            county.ent_c,
            submitted_at=at(3, day),
            state=Case.State.CLOSED,
            lead=county.gxj if day % 2 else county.fgj,
            accepted_at=at(3, day, 10),
            accept_due_at=at(3, day + 1),
            outcome=Case.Outcome.SOLVED,
            resolved_at=at(3, day, 16),
            resolved_on_time=True,
            rating=Case.Rating.SATISFIED,
        )


@pytest.mark.parametrize("group_by", ["", "unit", "month"])
def test_query_count_is_constant(login, county, group_by, django_assert_num_queries):
    client = login(county.office_user)
    params = {**MARCH, "group_by": group_by}
    resolved_cases(county, 2)
    client.get(URL, params)  # warms the calendar cache
    # session, user, roles, filter choices (units; the user's unit and its region; regions; categories),
    # cases, lead acceptances, resolution timestamps, the unit labels (grouped by unit), calendar banner
    expected = 13 if group_by == "unit" else 12
    with django_assert_num_queries(expected):
        client.get(URL, params)
    resolved_cases(county, 4)
    with django_assert_num_queries(expected):
        response = client.get(URL, params)
    assert response.context["report"].total.collected == 6
