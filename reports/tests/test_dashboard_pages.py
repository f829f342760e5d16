"""The dashboard page (/reports/dashboard/): who may open it, the period picker, the target cards, the chart
data, the ranking table, that every drill-down link opens a list holding exactly the rows counted, and a
query count that does not grow with the cases."""

import pytest
from django.urls import reverse

from conftest import PASSWORD
from reports.tests.test_dashboard_support import MARCH_QUERY, more_cases

URL = reverse("report_dashboard")
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


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office_user", 200),
        ("auditor", 200),
        ("leader", 200),
        ("gxj_head", 200),
        ("gxj_handler", 200),
        ("town_a_handler", 200),
        ("cadre", 403),
        ("ent_a_user", 403),
    ],
)
def test_who_may_open_it(login, county, dashboard_frozen, who, status):
    assert login(getattr(county, who)).get(URL).status_code == status


def test_signed_out_goes_to_login(client, county):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_default_period_is_this_year_to_date(login, county, dashboard_frozen):
    response = login(county.office_user).get(URL)
    board = response.context["board"]
    assert (board.date_from.isoformat(), board.date_to.isoformat()) == ("2026-01-01", "2026-11-22")
    assert len(response.context["data"]["by_month"]) == 11
    assert 'id="dashboard-data"' in response.content.decode()


def test_a_bad_period_is_shown_next_to_the_field(login, county, dashboard_frozen):
    response = login(county.office_user).get(URL, {"from": "2026-05-01", "to": "2026-04-01"})
    assert response.status_code == 200 and response.context["board"] is None
    assert 'data-testid="error-to"' in response.content.decode()
    response = login(county.office_user).get(URL, {"from": "May"})
    assert response.context["board"] is None and 'data-testid="error-from"' in response.content.decode()


def test_cards_charts_and_ranking(login, example):
    response = login(example.office_user).get(URL, MARCH_QUERY)
    html = response.content.decode()
    for testid in ("chart-trend", "chart-category", "chart-channel", "chart-region", "chart-plans", "unit-ranking"):
        assert f'data-testid="{testid}"' in html
    assert html.count('data-testid="target-card"') == 3
    assert 'data-key="resolution_rate" data-met="no"' in html
    assert html.count('data-testid="ranking-row"') == 4
    assert html.count("(tied)") == 2
    data = response.context["chart_data"]
    assert data["text"]["collected"] == "Collected"
    assert data["total"]["collected"] == 9


def count_of(client, url, name="page"):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context[name].paginator.count


def test_every_link_opens_the_list_of_exactly_the_cases_counted(login, example):
    client = login(example.office_user)
    data = client.get(URL, MARCH_QUERY).context["data"]
    assert count_of(client, data["total"]["url"]) == 9
    assert count_of(client, data["total"]["overdue_url"]) == 1
    month = data["by_month"][0]
    assert count_of(client, month["url"]) == month["collected"] == 9
    assert count_of(client, month["overdue_url"]) == month["overdue_open"] == 1
    assert count_of(client, month["solved_url"]) == month["solved"]
    assert count_of(client, data["total"]["solved_url"]) == data["total"]["solved"] > 0
    for group in ("by_category", "by_channel", "by_region"):
        for row in data[group]:
            assert count_of(client, row["url"]) == row["collected"], (group, row["label"])
    ranking = {row["label"]: row for row in data["ranking"]}
    for unit in ("县发改局", "酿溪镇人民政府", "县工信局中小企业股"):
        assert count_of(client, ranking[unit]["url"]) == ranking[unit]["collected"]
    assert data["targets"][0]["url"] == data["total"]["url"]


def test_the_links_of_enterprises_and_plans(login, example):
    client = login(example.office_user)
    data = client.get(URL, MARCH_QUERY).context["data"]
    assert count_of(client, data["risk"]["at_risk_url"]) == data["risk"]["at_risk"] == 2
    assert count_of(client, data["risk"]["red_url"]) == data["risk"]["red"] == 1
    plans = {row["key"]: row for row in data["plans"]["by_category"]}
    response = client.get(plans["turnaround"]["url"])
    assert response.context["page"].paginator.count == plans["turnaround"]["plans"] == 1
    summary = {row.category: row for row in response.context["summary"]}
    assert (summary["turnaround"].goals, summary["turnaround"].achieved) == (2, 1)
    assert client.get(data["targets"][1]["url"]).status_code == 200


@pytest.mark.parametrize(("who", "collected"), [("gxj_handler", 2), ("town_a_handler", 2), ("leader", 3)])
def test_a_slice_links_to_the_same_slice(login, example, who, collected):
    client = login(getattr(example, who))
    data = client.get(URL, MARCH_QUERY).context["data"]
    assert data["total"]["collected"] == collected
    assert count_of(client, data["total"]["url"]) == collected
    for row in data["by_category"]:
        assert count_of(client, row["url"]) == row["collected"]


def test_query_count_does_not_grow_with_the_cases(login, example, django_assert_num_queries):
    client = login(example.office_user)
    client.get(URL, MARCH_QUERY)  # warms the calendar cache
    # session, user, roles, the user's unit and its region, 23 of the selector, the calendar banner, and the
    # event targets panel (1: no target here; reports/tests/test_dashboard_event_targets.py pins it with targets),
    # and the office's smart-dispatch accuracy (3: totals, by month, the model in use)
    with django_assert_num_queries(28):
        client.get(URL, MARCH_QUERY)
    more_cases(example, 12)
    with django_assert_num_queries(28):
        response = client.get(URL, MARCH_QUERY)
    assert response.context["data"]["total"]["collected"] == 21
