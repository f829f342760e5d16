"""GET /api/v1/cases (queues, filters, search, sort, pages, scope) and GET /api/v1/cases/queues."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import api_token_create
from cases.tests.test_lists_support import more_cases

pytest_plugins = ["cases.tests.test_lists_support"]

URL = "/api/v1/cases"


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["items"]}


def test_signed_out_gets_401(client):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/queues").status_code == 401


def test_items_have_the_case_shape(county, world, as_user):
    response = as_user(county.office_user).get(URL, {"queue": "listed"})
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["number"] == world.listed.number and item["enterprise_name"] == "邵水新材料股份有限公司"
    assert item["lead_unit_name"] == "县工信局中小企业股" and item["category"] == "融资"
    assert item["state"] == "in_progress" and item["listed"] is True and item["deadline_level"] == "on_time"
    assert item["expected_of_enterprise"] == ""


def test_default_queue_is_the_first_tab(county, world, as_user):
    assert titles(as_user(county.office_user).get(URL)) == {"厂房用电增容"}
    assert titles(as_user(county.gxj_handler).get(URL)) == {"贷款到期续贷困难"}


@pytest.mark.parametrize(
    ("username", "queue", "expected"),
    [
        ("office", "all", 8),
        ("gxj_handler", "all", 5),
        ("gxj_head", "to_approve", 1),
        ("fgj_handler", "all", 2),
        ("ent_a", "mine", 4),
        ("leader", "linked", 2),
        ("cadre", "linked", 2),
        ("auditor", "all", 8),
    ],
)
def test_queues_by_role(county, world, as_user, username, queue, expected):
    response = as_user(User.objects.get(username=username)).get(URL, {"queue": queue})
    assert response.status_code == 200 and response.json()["count"] == expected


def test_another_unit_and_another_enterprise_see_nothing_of_others(county, world, as_user, make_user):
    town_b = make_user("town_b_handler", Role.UNIT_HANDLER, unit=county.town_b_gov)
    assert as_user(town_b).get(URL, {"queue": "all"}).json()["count"] == 0
    assert titles(as_user(county.ent_b_user).get(URL)) == {"食品许可证延续", "冷链物流补贴"}
    # Asking for another enterprise's cases gives none, not an error that would tell they exist.
    assert as_user(county.ent_b_user).get(URL, {"enterprise_id": county.ent_a.pk}).json()["count"] == 0


def test_enterprise_sees_what_is_expected_of_it(county, world, as_user):
    items = as_user(county.ent_a_user).get(URL).json()["items"]
    assert {i["title"]: i["expected_of_enterprise"] for i in items} == {
        "厂房用电增容": "",
        "贷款到期续贷困难": "",
        "技改补贴兑现": "rate",
        "招工难": "supply_material",
    }


def test_filters_search_and_sort(county, world, as_user, category):
    client = as_user(county.office_user)

    def found(**params):
        return titles(client.get(URL, {"queue": "all", **params}))

    assert found(state="waiting") == {"招工难"}
    assert found(channel="self_service") == {"厂房用电增容", "贷款到期续贷困难"}
    assert found(lead_unit_id=county.fgj.pk) == {"食品许可证延续"}
    assert found(region_id=county.town_b.pk) == {"食品许可证延续", "冷链物流补贴"}
    assert found(listed="true") == {"新材料项目用地"}
    assert found(level="paused") == {"招工难"}
    assert found(category_id=category.pk, urgency="normal") == found()
    today = timezone.localdate().isoformat()
    assert len(found(submitted_from=today, submitted_to=today)) == 8
    assert found(q="邵水") == {"新材料项目用地", "研发费用加计扣除"}
    assert found(q=world.new.number) == {"厂房用电增容"}
    # A drafted reply gives no outcome yet: only the approved one counts.
    assert found(outcome="solved") == found(outcome="answered") == {"技改补贴兑现"}
    assert found(outcome="not_solved") == set()
    numbers = [i["number"] for i in client.get(URL, {"queue": "all", "sort": "number"}).json()["items"]]
    assert numbers == sorted(numbers) and len(numbers) == 8
    newest = [i["number"] for i in client.get(URL, {"queue": "all"}).json()["items"]]
    assert newest == sorted(numbers, reverse=True)


def test_overdue_queue_with_the_clock_moved(county, world, as_user):
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        client = as_user(county.office_user)  # a session of 40 days ago would have expired
        items = client.get(URL, {"queue": "overdue"}).json()["items"]
    assert {i["title"] for i in items} == {"贷款到期续贷困难", "食品许可证延续", "新材料项目用地", "研发费用加计扣除"}
    assert {i["deadline_level"] for i in items} == {"overdue"}


def test_bad_input_answers_422(county, world, as_user):
    client = as_user(county.gxj_handler)
    for params in (
        {"queue": "new"},  # the office's queue
        {"state": "nonsense"},
        {"level": "late"},
        {"sort": "title"},
        {"outcome": "fixed"},
        {"submitted_from": "2026-13-01"},
        {"submitted_from": "2026-03-05", "submitted_to": "2026-03-01"},
    ):
        response = client.get(URL, params)
        assert response.status_code == 422, params
        assert "detail" in response.json()


def test_pages(county, category, as_user):
    more_cases(county, category, 7)
    body = as_user(county.office_user).get(URL, {"queue": "all", "limit": 5, "offset": 5}).json()
    assert body["count"] == 7 and len(body["items"]) == 2


def test_queue_counts(county, world, as_user):
    response = as_user(county.gxj_head).get(f"{URL}/queues")
    assert response.status_code == 200
    assert [(q["key"], q["count"]) for q in response.json()] == [
        ("to_accept", 1),
        ("in_progress", 3),
        ("due_soon", 0),
        ("overdue", 0),
        ("to_approve", 1),
        ("all", 6),
    ]
    assert all(q["label"] for q in response.json())
    assert as_user(county.ent_a_user).get(f"{URL}/queues").json() == [{"key": "mine", "label": "My cases", "count": 4}]


def test_token_auth(county, world, client):
    _token, raw = api_token_create(actor=county.office_user, name="12345 热线", user=county.office_user)
    response = client.get(URL, {"queue": "all"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["count"] == 8


def test_list_query_count_is_pinned(county, category, as_user, django_assert_num_queries):
    client = as_user(county.gxj_head)
    more_cases(county, category, 2, lead=county.gxj)
    client.get(URL, {"queue": "all"})
    # Session, user, roles, the user's unit (scope), the count and the page.
    with django_assert_num_queries(6):
        assert client.get(URL, {"queue": "all"}).json()["count"] == 2
    more_cases(county, category, 4, lead=county.gxj)
    with django_assert_num_queries(6):
        assert len(client.get(URL, {"queue": "all"}).json()["items"]) == 6


def test_queue_counts_query_count(county, world, as_user, django_assert_num_queries):
    client = as_user(county.office_user)
    client.get(f"{URL}/queues")
    with django_assert_num_queries(4):  # session, user, roles, the counts
        client.get(f"{URL}/queues")
