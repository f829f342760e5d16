"""The dispatch report over the API: GET /api/v1/reports/dispatch/{month} (the selector's data, every section)
and /dispatch/{month}.xlsx, roles, tokens, a unit's slice, bad months (422) and the query count."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from accounts.models import ApiToken
from reports.selectors import dispatch as selectors
from reports.tests.test_dispatch_selector import grow
from reports.tests.test_dispatch_support import OCTOBER

pytest_plugins = ["reports.tests.test_dispatch_support"]
pytestmark = pytest.mark.usefixtures("dispatch_english")

URL = "/api/v1/reports/dispatch/2026-10"


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def test_the_same_data_as_the_selector(login, dispatch_example):
    response = login(dispatch_example.office_user).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body == selectors.as_data(selectors.dispatch_report(dispatch_example.office_user, OCTOBER))
    assert set(body) >= {
        "summary",
        "overdue_cases",
        "overdue_by_unit",
        "visit_coverage",
        "plans",
        "indicators_by_unit",
        "indicators_by_region",
        "economy",
    }
    summary = body["summary"]
    assert (summary["new"], summary["solved_or_explained"], summary["overdue"], summary["listed_open"]) == (8, 3, 3, 2)
    assert body["as_of"] == "2026-11-01T00:00:00+08:00" and body["live"] is False
    assert [case["working_days_overdue"] for case in body["overdue_cases"]] == [32.6, 4.6, 2.6]
    assert body["overdue_cases"][1]["listed"] is True and body["overdue_cases"][1]["lead_unit"] == "县工信局"
    assert body["visit_coverage"]["total"]["coverage"] == 50.0
    assert body["plans"]["ratio"] == 66.7
    assert body["indicators_by_region"]["region"] == "新邵县"
    economy = body["economy"]["total"]
    assert (economy["enterprises"], economy["revenue_growth"], economy["loss_ratio"]) == (2, 14.3, 50.0)


def test_the_workbook(login, dispatch_example):
    response = login(dispatch_example.office_user).get(f"{URL}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 7
    assert workbook["Summary"]["B5"].value == 8  # new cases


def test_a_unit_sees_its_slice(login, dispatch_example):
    body = login(dispatch_example.gxj_handler).get(URL).json()
    assert (body["summary"]["new"], body["summary"]["overdue"]) == (2, 1)
    assert [case["number"] for case in body["overdue_cases"]] == [dispatch_example.cases["A"].number]


@pytest.mark.parametrize(
    ("who", "status"),
    [("office_user", 200), ("auditor", 200), ("leader", 200), ("fgj_handler", 200), ("ent_a_user", 403)],
)
def test_roles(login, dispatch_example, who, status):
    client = login(getattr(dispatch_example, who))
    assert client.get(URL).status_code == status
    assert client.get(f"{URL}.xlsx").status_code == status


def test_signed_out_and_token(client, dispatch_example):
    assert client.get(URL).status_code == 401
    raw = ApiToken.generate()
    ApiToken.objects.create(name="screen", user=dispatch_example.office_user, digest=ApiToken.hash(raw), hint=raw[:8])
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["summary"]["new"] == 8


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-13", "is not a month"), ("oct", "is not a month"), ("2027-01", "has not begun yet")],
)
def test_bad_months_are_422(login, dispatch_example, month, message):
    client = login(dispatch_example.office_user)
    for url in (f"/api/v1/reports/dispatch/{month}", f"/api/v1/reports/dispatch/{month}.xlsx"):
        response = client.get(url)
        assert response.status_code == 422 and message in response.json()["detail"]


def test_the_query_count_does_not_grow(login, dispatch_example, django_assert_num_queries):
    client = login(dispatch_example.office_user)
    client.get(URL)  # warms the calendar cache
    grow(dispatch_example, 2)
    # session, user, roles; the report's 16 and the user's unit and its region
    with django_assert_num_queries(21):
        small = client.get(URL).json()
    grow(dispatch_example, 8)
    with django_assert_num_queries(21):
        large = client.get(URL).json()
    assert len(large["overdue_cases"]) == len(small["overdue_cases"]) + 8
