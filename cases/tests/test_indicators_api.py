"""GET /api/v1/cases/indicators: the worked example of test_indicators_support over HTTP, its parameters,
roles and scope, 422 for bad input, and a query count that does not grow with the cases."""

from datetime import date

import pytest
from django.utils import timezone, translation

from accounts.models import ApiToken
from cases.tests.test_indicators_pages import resolved_cases
from conftest import PASSWORD

pytest_plugins = ["cases.tests.test_indicators_support"]

URL = "/api/v1/cases/indicators"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


def test_the_whole(login, example):
    body = login(example.office_user).get(URL, MARCH).json()
    assert (body["date_from"], body["date_to"], body["group_by"], body["rows"]) == (
        "2026-03-01",
        "2026-03-31",
        None,
        [],
    )
    total = body["total"]
    assert {k: total[k] for k in ("collected", "assigned", "rejected", "solved", "explained", "not_solved")} == {
        "collected": 10,
        "assigned": 8,
        "rejected": 2,
        "solved": 2,
        "explained": 1,
        "not_solved": 1,
    }
    assert total["resolution_rate"] == 37.5 and total["closure_rate"] == 57.1 and total["on_time_rate"] == 75.0
    assert total["satisfaction_rate"] == 66.7 and total["timely_acceptance_rate"] == 83.3
    assert total["return_rate"] == 25.0 and total["reopen_rate"] == 40.0
    assert (total["overdue_open"], total["resolved_late"], total["average_working_days"]) == (1, 1, 1.9)


def test_groups(login, example):
    client = login(example.office_user)
    by_unit = client.get(URL, {**MARCH, "group_by": "unit"}).json()
    assert [(r["key"], r["collected"], r["resolution_rate"]) for r in by_unit["rows"]] == [
        (example.gxj.pk, 4, 50.0),
        (example.fgj.pk, 3, 33.3),
        (None, 3, 0.0),
    ]
    assert by_unit["rows"][2]["closure_rate"] is None
    by_region = client.get(URL, {**MARCH, "group_by": "region"}).json()
    assert by_region["region_id"] == example.region.pk
    assert [(r["key"], r["label"], r["collected"]) for r in by_region["rows"]] == [
        (example.town_a.pk, "酿溪镇", 7),
        (example.town_b.pk, "雀塘镇", 3),
    ]
    by_month = client.get(URL, {"date_from": "2026-02-01", "date_to": "2026-03-31", "group_by": "month"}).json()
    assert [(r["key"], r["collected"]) for r in by_month["rows"]] == [("2026-02", 1), ("2026-03", 10)]
    by_channel = client.get(URL, {**MARCH, "group_by": "channel"}).json()
    assert [(r["key"], r["collected"]) for r in by_channel["rows"]] == [("self_service", 10)]
    filtered = client.get(URL, {**MARCH, "unit_id": example.fgj.pk, "channel": "self_service"}).json()
    assert filtered["total"]["collected"] == 3


def test_default_period(login, county):
    body = login(county.office_user).get(URL).json()
    today = timezone.localdate()
    assert (body["date_from"], body["date_to"]) == (f"{today.year}-01-01", today.isoformat())
    assert body["total"]["collected"] == 0 and body["total"]["resolution_rate"] is None


def test_roles_and_scope(login, client, example):
    assert login(example.gxj_handler).get(URL, MARCH).json()["total"]["collected"] == 5
    assert login(example.leader).get(URL, MARCH).json()["total"]["collected"] == 2
    # Filtering by another unit reaches no further than the scope: 工信局 does not see 发改局's cases.
    other = login(example.gxj_handler).get(URL, {**MARCH, "unit_id": example.fgj.pk}).json()
    assert other["total"]["collected"] == 0
    response = login(example.ent_a_user).get(URL, MARCH)
    assert response.status_code == 403 and "detail" in response.json()
    client.logout()
    assert client.get(URL).status_code == 401


def test_token(client, example):
    """A dashboard or the provincial platform reads the figures with the office's token."""
    raw = ApiToken.generate()
    ApiToken.objects.create(name="dashboard", user=example.office_user, digest=ApiToken.hash(raw), hint=raw[:8])
    response = client.get(URL, MARCH, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["total"]["collected"] == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "date_to"),
        ({"group_by": "colour"}, "group_by"),
        ({"channel": "fax"}, "channel"),
        ({"region_id": 999999}, "region"),
    ],
)
def test_bad_parameters_are_422(login, county, params, field):
    response = login(county.office_user).get(URL, params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")


def test_malformed_date_is_422(login, county):
    assert login(county.office_user).get(URL, {"date_from": "31/03/2026"}).status_code == 422


def test_query_count_is_constant(login, county, django_assert_num_queries):
    client = login(county.office_user)
    params = {**MARCH, "group_by": "unit"}
    resolved_cases(county, 2)
    client.get(URL, params)  # warms the calendar cache
    # session, user, roles, cases, lead acceptances, resolution timestamps, unit labels
    with django_assert_num_queries(7):
        client.get(URL, params)
    resolved_cases(county, 4)
    with django_assert_num_queries(7):
        body = client.get(URL, params).json()
    assert body["total"]["collected"] == 6 and date.fromisoformat(body["date_from"]) == date(2026, 3, 1)
