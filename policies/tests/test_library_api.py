"""The library API: the office's CRUD with the services' 422 messages, publish and withdraw, clauses; other
staff read only (403 on writes), an enterprise reads the published policies only (a draft is 404); pinned
list queries."""

import json

import pytest

from policies.models import Policy
from policies.tests.test_library_support import SCALE_UP_RULE, make_policy

pytest_plugins = ["policies.tests.test_library_support"]

URL = "/api/v1/policies/"


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


NEW = {
    "title": "研发费用补助",
    "issuer": "新邵县科技局",
    "level": "county",
    "benefit_kind": "subsidy",
    "obtain": "auto_grant",
    "benefit_formula": {"fact": "last_year_revenue", "rate": 0.01},
    "benefit_cap": 30,
    "eligibility": SCALE_UP_RULE,
    "categories": [],
    "clauses": [{"heading": "补助对象", "text": "研发投入占比达标的企业"}],
}


def test_the_office_creates_changes_publishes_and_withdraws(county, login, english):
    client = login(county.office_user)
    response = post(client, URL, NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["eligibility"] == SCALE_UP_RULE
    assert [c["heading"] for c in body["clauses"]] == ["补助对象"] and body["clause_count"] == 1
    pk = body["id"]

    response = patch(client, f"{URL}{pk}", {"summary": "按研发投入给予补助", "benefit_cap": "40"})
    assert response.status_code == 200 and response.json()["summary"] == "按研发投入给予补助"
    assert response.json()["benefit_cap"] == "40.00"

    assert post(client, f"{URL}{pk}/publish").json()["status"] == "published"
    assert post(client, f"{URL}{pk}/withdraw").json()["status"] == "withdrawn"
    response = post(client, f"{URL}{pk}/withdraw")
    assert response.status_code == 422 and response.json()["detail"] == "Only a published policy can be withdrawn."


def test_mistakes_answer_422_naming_each_part(county, login, english):
    client = login(county.office_user)
    bad = dict(NEW, eligibility={"all": [{"fact": "tags", "op": "has_tag", "value": "zjtx"}, {"any": []}]}, title="")
    response = post(client, URL, bad)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "title: This field is required." in detail
    assert "eligibility: all[1].any: must not be empty" in detail
    response = post(client, URL, dict(NEW, eligibility='{"all": ['))
    assert response.status_code == 422 and "malformed JSON at line 1" in response.json()["detail"]
    response = post(client, URL, dict(NEW, benefit_formula={"fixed": -1}))
    assert "benefit_formula: The fixed amount must be a number" in response.json()["detail"]
    response = post(client, URL, dict(NEW, effective_from="2026-05-01", expires_on="2026-04-01"))
    assert "expires_on: The policy cannot expire before it takes effect." in response.json()["detail"]
    assert not Policy.objects.exists()


def test_clauses_over_the_api(county, login, draft):
    client = login(county.office_user)
    response = post(client, f"{URL}{draft.pk}/clauses", {"heading": "第3条", "text": "补充"})
    assert response.status_code == 201 and response.json()["position"] == 3
    third = response.json()["id"]
    assert post(client, f"{URL}{draft.pk}/clauses/{third}/move", {"position": 1}).json()["position"] == 1
    response = patch(client, f"{URL}{draft.pk}/clauses/{third}", {"heading": "总则", "text": "改"})
    assert response.json()["heading"] == "总则"
    assert client.delete(f"{URL}{draft.pk}/clauses/{third}").status_code == 204
    assert [c.heading for c in draft.clauses.order_by("position")] == ["第1条", "第2条"]


@pytest.mark.parametrize("who", ["auditor", "gxj_handler", "ent_a_user"])
def test_only_the_office_writes(county, login, published, who):
    client = login(getattr(county, who))
    assert post(client, URL, NEW).status_code == 403
    assert patch(client, f"{URL}{published.pk}", {"title": "x"}).status_code == 403
    assert post(client, f"{URL}{published.pk}/withdraw").status_code == 403
    assert post(client, f"{URL}{published.pk}/clauses", {"heading": "a", "text": "b"}).status_code == 403


def test_reading_follows_the_scope(county, login, published, draft):
    staff = login(county.gxj_handler).get(URL).json()
    assert {item["id"] for item in staff["items"]} == {published.pk, draft.pk}
    assert login(county.gxj_handler).get(f"{URL}{draft.pk}").status_code == 200
    # An enterprise reads the published policies only: a draft does not exist for it.
    enterprise = login(county.ent_a_user)
    assert [item["id"] for item in enterprise.get(URL).json()["items"]] == [published.pk]
    assert enterprise.get(f"{URL}{draft.pk}").status_code == 404
    assert enterprise.get(f"{URL}{published.pk}").json()["clauses"][0]["heading"] == "第1条"


def test_list_search_and_filters(county, login, published, draft):
    client = login(county.office_user)
    assert {i["id"] for i in client.get(URL, {"q": "条款1 内容"}).json()["items"]} == {published.pk, draft.pk}
    assert [i["id"] for i in client.get(URL, {"status": "draft"}).json()["items"]] == [draft.pk]
    assert [i["id"] for i in client.get(URL, {"q": "专精特新"}).json()["items"]] == [draft.pk]
    assert client.get(URL, {"category": "finance"}).json()["count"] == 0


def test_anonymous_cannot_read_the_library(client, published):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}{published.pk}").status_code == 401


def test_list_queries_do_not_grow(county, login, django_assert_num_queries):
    client = login(county.office_user)
    for n in range(2):
        make_policy(county, title=f"政策{n}")
    client.get(URL)
    with django_assert_num_queries(6):
        assert client.get(URL).json()["count"] == 2
    for n in range(2, 10):
        make_policy(county, title=f"政策{n}")
    with django_assert_num_queries(6):
        assert client.get(URL).json()["count"] == 10
