"""The matching API: the enterprise's own policies and reasons, its subscriptions, the staff's scoped match
list, the office's rerun; who may call what; the list's queries pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_credit_code
from enterprises.models import Enterprise
from policies.models import Policy, PolicyCategory, PolicyMatch, PolicySubscription
from policies.services import matching
from policies.tests import test_matching_data as shared
from policies.tests.test_matching_data import LAST_YEAR, SMALL_TO_SCALE, make_policy, set_year

data, frozen, in_english = shared.data, shared.frozen, shared.in_english  # fixtures
pytestmark = pytest.mark.usefixtures("frozen", "in_english")
API = "/api/v1/policies"


def _as(client, user):
    client.force_login(user)
    return client


def test_mine_lists_the_own_standings(client, data):
    body = _as(client, data.county.ent_b_user).get(f"{API}/mine").json()
    assert sorted((item["policy"]["id"], item["state"]) for item in body) == [
        (data.small.pk, "nearly"),
    ]
    small = next(item for item in body if item["policy"]["id"] == data.small.pk)
    assert small["missing"][0]["path"] == "all[1]"
    assert "1,320" in small["missing"][0]["reason"]
    assert client.get(f"{API}/mine", {"state": "eligible"}).json() == []


def test_mine_detail_has_the_reasons_tree(client, data):
    matching.match_all()
    body = _as(client, data.county.ent_a_user).get(f"{API}/mine/{data.srdi.pk}").json()
    assert body["state"] == "to_confirm" and body["active"] is True
    assert body["first_matched_at"] is not None
    tree = body["reasons"]
    assert tree["passed"] is None and [child["passed"] for child in tree["children"]] == [True, True, None]
    # Another policy: the standing is still the caller's own; a draft does not exist for an enterprise.
    assert client.get(f"{API}/mine/{data.tech.pk}").json()["state"] is None
    draft = make_policy(data.county.office_user, "草稿", SMALL_TO_SCALE, status=Policy.Status.DRAFT)
    assert client.get(f"{API}/mine/{draft.pk}").status_code == 404


def test_mine_is_for_enterprise_users(client, data):
    assert _as(client, data.county.office_user).get(f"{API}/mine").status_code == 403
    assert client.get(f"{API}/mine/{data.small.pk}").status_code == 403
    assert client.get(f"{API}/subscriptions").status_code == 403
    client.logout()
    assert client.get(f"{API}/mine").status_code == 401


def test_subscriptions_get_and_put(client, data):
    funding = PolicyCategory.objects.get(code="funding")
    _as(client, data.county.ent_a_user)
    response = client.put(f"{API}/subscriptions", {"category_ids": [funding.pk]}, content_type="application/json")
    assert response.status_code == 200
    assert [item["code"] for item in response.json() if item["subscribed"]] == ["funding"]
    assert list(PolicySubscription.objects.values_list("enterprise_id", "category_id")) == [(data.ent_a.pk, funding.pk)]
    response = client.put(f"{API}/subscriptions", {"category_ids": [999999]}, content_type="application/json")
    assert response.status_code == 422
    assert (
        _as(client, data.county.office_user)
        .put(f"{API}/subscriptions", {"category_ids": []}, content_type="application/json")
        .status_code
        == 403
    )


def test_matches_are_scoped_and_filtered(client, data):
    matching.match_all()
    url = f"{API}/{data.small.pk}/matches"
    body = _as(client, data.county.office_user).get(url).json()
    assert {item["enterprise"]["id"]: item["state"] for item in body["items"]} == {
        data.ent_a.pk: "eligible",
        data.ent_b.pk: "nearly",
    }
    assert [item["enterprise"]["id"] for item in client.get(url, {"state": "nearly"}).json()["items"]] == [
        data.ent_b.pk
    ]
    assert client.get(url, {"state": "wrong"}).status_code == 422
    body = _as(client, data.county.town_a_handler).get(url).json()
    assert [item["enterprise"]["id"] for item in body["items"]] == [data.ent_a.pk]
    assert _as(client, data.county.ent_a_user).get(url).status_code == 403
    assert _as(client, data.county.office_user).get(f"{API}/999999/matches").status_code == 404


def test_matches_queries_do_not_grow(client, data):
    matching.match_all()
    _as(client, data.county.office_user)
    url = f"{API}/{data.small.pk}/matches"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for serial in range(60, 68):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(serial), name=f"企业{serial}", region=data.county.town_a
        )
        set_year(enterprise, LAST_YEAR, revenue=1700)
    matching.match_policy(data.small)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).json()
    assert body["count"] == 10
    assert len(many) == len(few)


def test_the_office_reruns_a_policy(client, data):
    url = f"{API}/{data.small.pk}/match"
    body = _as(client, data.county.office_user).post(url).json()
    assert (body["eligible"], body["nearly"], body["created"]) == (1, 1, 2)
    assert PolicyMatch.objects.filter(policy=data.small).count() == 2
    assert _as(client, data.county.gxj_handler).post(url).status_code == 403
    assert _as(client, data.county.ent_a_user).post(url).status_code == 403  # it reads the policy, but may not run it
