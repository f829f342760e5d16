"""The dispatch report's page and workbook download: sections and figures, drill-down links, the default
month, bad months, roles, a unit's slice, and the page's query count as cases grow."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reports.tests.test_dispatch_selector import grow

pytest_plugins = ["reports.tests.test_dispatch_support"]
pytestmark = pytest.mark.usefixtures("dispatch_english")

URL = reverse("dispatch_report")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def element(html: str, name: str) -> str:
    """The element with data-testid=`name`, up to the end of its tag's line (enough for the counts)."""
    match = re.search(rf'data-testid="{name}"[^\n]*', html)
    assert match, name
    return match.group(0)


def test_the_page_shows_every_section(login, dispatch_example):
    response = login(dispatch_example.office_user).get(URL, {"month": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    for section in ("summary", "overdue", "coverage", "plans", "by-unit", "by-region", "economy"):
        assert f'data-testid="section-{section}"' in html
    report = response.context["report"]
    assert (report.counts.new, report.counts.overdue) == (8, 3)
    # The new cases link to the case list of the month; the overdue count of a past month does not link.
    new_url = "/cases/?queue=all&amp;submitted_from=2026-10-01&amp;submitted_to=2026-10-31"
    assert f'<a href="{new_url}" data-testid="link-new">8</a>' in html
    assert 'data-testid="link-overdue"' not in html
    assert html.count('data-testid="overdue-row"') == 3
    assert f'data-number="{dispatch_example.cases["A"].number}"' in html
    assert f'href="/cases/{dispatch_example.cases["A"].pk}/"' in html
    assert html.count('data-testid="by-unit-row"') == 5 and html.count('data-testid="by-region-row"') == 2
    assert html.count('data-testid="economy-row"') == 2
    assert 'data-name="loss_ratio">50.0 %' in html
    assert 'data-name="coverage">50.0 %' in html
    assert f'href="{reverse("dispatch_report_xlsx", args=["2026-10"])}" data-testid="dispatch-xlsx"' in html
    assert "reports-dispatch.css" in html


def test_the_current_month_links_its_overdue_cases(login, dispatch_example):
    html = login(dispatch_example.office_user).get(URL, {"month": "2026-12"}).content.decode()
    assert '<a href="/cases/?queue=all&amp;level=overdue" data-testid="link-overdue">3</a>' in html


def test_the_default_month_is_the_last_complete_one(login, dispatch_example):
    response = login(dispatch_example.office_user).get(URL)
    assert response.status_code == 200
    assert response.context["report"].month.isoformat() == "2026-11-01"
    assert 'value="2026-11"' in response.content.decode()


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-13", "is not a month"), ("2027-01", "has not begun yet"), ("last month", "is not a month")],
)
def test_a_bad_month_says_what_is_wrong(login, dispatch_example, month, message):
    response = login(dispatch_example.office_user).get(URL, {"month": month})
    assert response.status_code == 400
    assert response.context["report"] is None
    assert message in element(response.content.decode(), "dispatch-errors") or message in response.content.decode()


def test_a_unit_sees_its_slice(login, dispatch_example):
    response = login(dispatch_example.gxj_handler).get(URL, {"month": "2026-10"})
    report = response.context["report"]
    assert (report.counts.new, report.counts.overdue) == (2, 1)
    html = response.content.decode()
    assert html.count('data-testid="overdue-row"') == 1
    assert dispatch_example.cases["G"].number not in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office_user", 200),
        ("auditor", 200),
        ("leader", 200),
        ("gxj_head", 200),
        ("gxj_handler", 200),
        ("cadre", 200),
        ("ent_a_user", 403),
    ],
)
def test_roles(login, dispatch_example, who, status):
    client = login(getattr(dispatch_example, who))
    assert client.get(URL, {"month": "2026-10"}).status_code == status
    assert client.get(reverse("dispatch_report_xlsx", args=["2026-10"])).status_code == status


def test_no_role_and_signed_out(client, login, dispatch_example, make_user):
    assert client.get(URL).status_code == 302  # to the login page
    outsider = make_user("outsider")
    assert login(outsider).get(URL).status_code == 403


def test_the_workbook_download(login, dispatch_example):
    response = login(dispatch_example.office_user).get(reverse("dispatch_report_xlsx", args=["2026-10"]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "dispatch-report-2026-10.xlsx" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"


@pytest.mark.parametrize("month", ["2026-13", "2027-01", "1999-12"])
def test_the_workbook_of_a_bad_month_is_404(login, dispatch_example, month):
    assert login(dispatch_example.office_user).get(f"/reports/dispatch/{month}.xlsx").status_code == 404


def test_the_query_count_does_not_grow(login, dispatch_example, django_assert_num_queries):
    client = login(dispatch_example.office_user)
    params = {"month": "2026-10"}
    client.get(URL, params)  # warms the calendar cache
    grow(dispatch_example, 2)
    # session, user, roles; the report's 16 (reports/tests/test_dispatch_selector.py) and the user's unit and
    # its region (the indicators by region read them); the calendar banner
    with django_assert_num_queries(22):
        small = client.get(URL, params)
    grow(dispatch_example, 8)
    with django_assert_num_queries(22):
        large = client.get(URL, params)
    assert large.content.decode().count('data-testid="overdue-row"') == (
        small.content.decode().count('data-testid="overdue-row"') + 8
    )
