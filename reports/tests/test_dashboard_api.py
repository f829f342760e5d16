"""GET /api/v1/reports/dashboard: the same data as the page, each user's slice, the roles that may read it,
bad periods, and a query count that does not grow with the cases."""

import pytest

from accounts.models import ApiToken
from conftest import PASSWORD
from reports.selectors import dashboard as selectors
from reports.tests.test_dashboard_support import MARCH, MARCH_QUERY, more_cases

URL = "/api/v1/reports/dashboard"
pytest_plugins = ["reports.tests.test_dashboard_support"]
pytestmark = pytest.mark.usefixtures("dashboard_english")


@pytest.fixture
def example(dashboard_example):
    return dashboard_example


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


def test_the_same_data_as_the_page(login, example):
    response = login(example.office_user).get(URL, MARCH_QUERY)
    assert response.status_code == 200
    body = response.json()
    expected = selectors.as_data(selectors.dashboard(example.office_user, *MARCH))
    for key in ("total", "targets", "by_month", "by_category", "by_channel", "by_region", "ranking", "risk", "plans"):
        assert body[key] == expected[key], key
    assert (body["date_from"], body["date_to"], body["figures_month"]) == ("2026-03-01", "2026-03-31", "2026-03")
    assert [(row["rank"], row["tied"]) for row in body["ranking"]] == [(1, True), (1, True), (3, False), (4, False)]
    assert body["targets"][0] == {
        "key": "resolution_rate",
        "label": "Resolution rate",
        "figure": 62.5,
        "target": 97.0,
        "kind": "min",
        "met": False,
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
        "url": body["total"]["url"],
    }


def test_default_period(login, county, dashboard_frozen):
    body = login(county.office_user).get(URL).json()
    assert (body["date_from"], body["date_to"]) == ("2026-01-01", "2026-11-22")


def test_slices(login, example):
    assert login(example.gxj_handler).get(URL, MARCH_QUERY).json()["total"]["collected"] == 2
    body = login(example.leader).get(URL, MARCH_QUERY).json()
    assert body["total"]["collected"] == 3 and body["case_queue"] == "linked"
    assert body["plans"]["goals"] == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("office_user", 200), ("auditor", 200), ("leader", 200), ("gxj_head", 200), ("cadre", 403), ("ent_a_user", 403)],
)
def test_roles(login, county, dashboard_frozen, who, status):
    response = login(getattr(county, who)).get(URL)
    assert response.status_code == status
    if status == 403:
        assert response.json()["detail"] == "This endpoint is not available to your role."


def test_signed_out_is_401(client, county):
    assert client.get(URL).status_code == 401


def test_token(client, example):
    raw = ApiToken.generate()
    ApiToken.objects.create(name="screen", user=example.office_user, digest=ApiToken.hash(raw), hint=raw[:8])
    response = client.get(URL, MARCH_QUERY, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["total"]["collected"] == 9


def test_bad_periods_are_422(login, county, dashboard_frozen):
    client = login(county.office_user)
    response = client.get(URL, {"from": "2026-05-01", "to": "2026-04-01"})
    assert response.status_code == 422 and "ends before it begins" in response.json()["detail"]
    assert client.get(URL, {"from": "May"}).status_code == 422


def test_query_count_does_not_grow_with_the_cases(login, example, django_assert_num_queries):
    client = login(example.office_user)
    client.get(URL, MARCH_QUERY)  # warms the calendar cache
    # session, user, roles, the user's unit and its region, 23 of the selector (+1: the event targets, none here)
    with django_assert_num_queries(24):
        client.get(URL, MARCH_QUERY)
    more_cases(example, 12)
    with django_assert_num_queries(24):
        response = client.get(URL, MARCH_QUERY)
    assert response.json()["total"]["collected"] == 21
