"""The callbacks API: the scoped list (the phone in full for the office only), drawing a sample and recording a
planned call (the office; others 403; outside the scope 404; refusals 422), pinned list queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import Callback, Case
from cases.services import review
from cases.tests.test_common_support import send

pytest_plugins = ["cases.tests.test_common_support"]

CALLBACKS = "/api/v1/cases/callbacks"
TODAY = timezone.localdate()
PERIOD = {"resolved_from": (TODAY - timedelta(days=30)).isoformat(), "resolved_to": TODAY.isoformat()}


@pytest.fixture
def planned(county, resolved_case):
    resolved_case(contact_name="张经理", contact_phone="13700001111")
    [callback] = review.spot_check_sample(
        actor=county.office_user, count=1, resolved_from=TODAY, resolved_to=TODAY, seed=3
    )
    return callback


def test_list_is_scoped_and_masks_the_phone_for_others(county, login, planned):
    [item] = login(county.office_user).get(CALLBACKS).json()["items"]
    assert (item["id"], item["case_id"], item["status"], item["spot_check"]) == (
        planned.pk,
        planned.case_id,
        "planned",
        True,
    )
    assert (item["contact_name"], item["contact_phone"]) == ("张经理", "13700001111")
    assert item["enterprise_name"] == county.ent_a.name and item["lead_unit_name"] == "县工信局"

    [seen] = login(county.gxj_handler).get(CALLBACKS).json()["items"]  # 工信局 led the case
    assert seen["contact_phone"] != "13700001111" and seen["contact_phone"].endswith("1111")
    assert login(county.fgj_handler).get(CALLBACKS).json()["count"] == 0
    assert login(county.ent_a_user).get(CALLBACKS).json()["count"] == 0  # internal records


def test_list_filters(county, login, planned, resolved_case):
    other = resolved_case(resolved_at=timezone.now() - timedelta(days=10))
    review.callback_record(actor=county.office_user, case_id=other.pk, reached=True, rating="satisfied")
    client = login(county.office_user)
    assert [i["status"] for i in client.get(CALLBACKS, {"status": "planned"}).json()["items"]] == ["planned"]
    assert [i["case_id"] for i in client.get(CALLBACKS, {"spot_check": "false"}).json()["items"]] == [other.pk]
    today = TODAY.isoformat()
    assert client.get(CALLBACKS, {"called_from": today, "called_to": today}).json()["count"] == 1
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert client.get(CALLBACKS, {"called_to": yesterday}).json()["count"] == 0


def test_list_queries_are_pinned(county, login, resolved_case, django_assert_num_queries):
    def more(n):
        for _ in range(n):
            Callback.objects.create(case=resolved_case(), spot_check=True, planned_at=timezone.now())

    more(2)
    client = login(county.office_user)
    client.get(CALLBACKS)
    with django_assert_num_queries(5):  # session, user, roles, count, page
        assert client.get(CALLBACKS).json()["count"] == 2
    more(4)
    with django_assert_num_queries(5):
        assert len(client.get(CALLBACKS).json()["items"]) == 6


def test_the_office_draws_a_sample(county, login, resolved_case):
    cases = [resolved_case() for _ in range(3)]
    response = send(login(county.office_user), "post", f"{CALLBACKS}/sample", {"count": 2, **PERIOD})
    assert response.status_code == 201
    body = response.json()
    assert len(body) == 2 and {i["case_id"] for i in body} <= {c.pk for c in cases}
    assert all(i["spot_check"] and i["status"] == "planned" for i in body)
    # The unit filter: 发改局 led none of them.
    none = send(
        login(county.office_user), "post", f"{CALLBACKS}/sample", {"count": 2, "unit_id": county.fgj.pk, **PERIOD}
    )
    assert none.status_code == 422 and "left to sample" in none.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"count": 0, **PERIOD}, "count:"),
        ({"count": 501, **PERIOD}, "count:"),
        (
            {"count": 1, "resolved_from": TODAY.isoformat(), "resolved_to": (TODAY - timedelta(days=1)).isoformat()},
            "resolved_to:",
        ),
    ],
)
def test_sample_refusals(county, login, resolved_case, payload, field):
    resolved_case()
    response = send(login(county.office_user), "post", f"{CALLBACKS}/sample", payload)
    assert response.status_code == 422 and response.json()["detail"].startswith(field)
    assert not Callback.objects.exists()


def test_record_a_planned_callback(county, login, planned):
    client = login(county.office_user)
    response = send(
        client,
        "post",
        f"{CALLBACKS}/{planned.pk}",
        {"reached": True, "rating": "satisfied", "confirmed": True, "note": "已放款"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["rating"], body["confirmed"], body["note"]) == ("done", "satisfied", True, "已放款")
    # The case was resolved and unrated: the call recorded the enterprise's rating.
    case = Case.objects.get(pk=planned.case_id)
    assert (case.state, case.rating) == ("closed", "satisfied")
    again = send(client, "post", f"{CALLBACKS}/{planned.pk}", {"reached": False})
    assert again.status_code == 422 and "already recorded" in again.json()["detail"]


def test_record_refusals(county, login, planned):
    client = login(county.office_user)
    unsatisfied = send(client, "post", f"{CALLBACKS}/{planned.pk}", {"reached": True, "rating": "unsatisfied"})
    assert unsatisfied.status_code == 422 and unsatisfied.json()["detail"].startswith("comment:")
    unknown = send(client, "post", f"{CALLBACKS}/{planned.pk}", {"reached": True, "rating": "great"})
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("rating:")
    planned.refresh_from_db()
    assert planned.status == "planned"
    assert send(client, "post", f"{CALLBACKS}/99999", {"reached": True}).status_code == 404


def test_unreached_keeps_nothing(county, login, planned):
    body = send(
        login(county.office_user),
        "post",
        f"{CALLBACKS}/{planned.pk}",
        {"reached": False, "rating": "satisfied", "confirmed": True},
    ).json()
    assert (body["status"], body["rating"], body["confirmed"]) == ("unreachable", "", None)
    assert Case.objects.get(pk=planned.case_id).state == "resolved"


@pytest.mark.parametrize(
    ("username", "status"),
    [("gxj_handler", 403), ("gxj_head", 403), ("auditor", 403), ("fgj_handler", 404), ("ent_a", 404)],
)
def test_others_may_not_write(county, login, planned, resolved_case, username, status):
    client = login(User.objects.get(username=username))
    assert send(client, "post", f"{CALLBACKS}/{planned.pk}", {"reached": True}).status_code == status
    assert send(client, "post", f"{CALLBACKS}/sample", {"count": 1, **PERIOD}).status_code == 403
    planned.refresh_from_db()
    assert planned.status == "planned" and Callback.objects.count() == 1
