"""The grants API: a 免申即享 run and an application run over HTTP, 403 for roles that may not act, 404
outside the scope, 422 with the service's message, and the performance endpoint."""

from decimal import Decimal

import pytest

from conftest import PASSWORD
from policies.models import Disbursement, GrantBatch
from policies.services import grants as services
from policies.tests.test_grants_data import (  # noqa: F401
    PERIOD,
    TODAY,
    data_fixture,
    in_english_fixture,
    make_policy,
)

API = "/api/v1/policies"
pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def api(client):
    class Api:
        def login(self, user):
            client.logout()
            assert client.login(username=user.username, password=PASSWORD)
            return self

        def get(self, url, **params):
            return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")

        def post(self, url, body=None):
            return client.post(url, body or {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    return Api()


def test_a_grant_run_over_the_api(api, data):
    created = api.login(data.office_user).post(f"{API}/{data.auto.pk}/grants", {"period": PERIOD})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["listed"], body["off"], Decimal(body["total"])) == ("draft", 2, 1, Decimal(80))
    lines = {line["enterprise_name"]: line for line in body["lines"]}
    assert lines["邵水新材料股份有限公司"]["basis"]["no_amount"]
    batch_id, line_b = body["id"], lines["雀塘食品有限公司"]["id"]

    off = api.post(f"{API}/grants/{batch_id}/lines/{line_b}/exclude", {"reason": "存在失信记录"}).json()
    assert (off["listed"], Decimal(off["total"])) == (1, Decimal(30))
    refused = api.post(f"{API}/grants/{batch_id}/approve")
    assert refused.status_code == 403 and "someone other than" in refused.json()["detail"]

    approved = api.login(data.office_two).post(f"{API}/grants/{batch_id}/approve").json()
    assert approved["status"] == "approved" and approved["approved_by_id"] == data.office_two.pk
    paid = api.post(f"{API}/grants/{batch_id}/pay", {"paid_on": TODAY.isoformat()})
    assert paid.status_code == 200
    assert [(d["enterprise_id"], d["source"]) for d in paid.json()] == [(data.ent_a.pk, "auto_grant")]
    twice = api.post(f"{API}/grants/{batch_id}/pay")
    assert twice.status_code == 422 and twice.json()["detail"] == "This list has been paid already."
    assert api.get(f"{API}/grants/{batch_id}").json()["status"] == "paid"
    assert [b["id"] for b in api.get(f"{API}/grants").json()["items"]] == [batch_id]


def test_an_application_run_over_the_api(api, data):
    submitted = api.login(data.ent_a_user).post(
        f"{API}/{data.apply.pk}/applications", {"period": PERIOD, "requested_amount": "15.5", "note": "附件已上传"}
    )
    assert submitted.status_code == 201, submitted.content
    application_id = submitted.json()["id"]
    again = api.post(f"{API}/{data.apply.pk}/applications", {"period": PERIOD})
    assert again.status_code == 422 and "already applied" in again.json()["detail"]
    wrong_kind = api.post(f"{API}/{data.auto.pk}/applications", {"period": PERIOD})
    assert wrong_kind.status_code == 422 and "without application" in wrong_kind.json()["detail"]
    assert [a["id"] for a in api.get(f"{API}/applications").json()["items"]] == [application_id]
    # The enterprise cannot decide, nor read the lists of grants.
    assert api.post(f"{API}/applications/{application_id}/decision", {"approve": True}).status_code == 403
    assert api.get(f"{API}/performance").status_code == 403

    api.login(data.ent_b_user)
    assert api.get(f"{API}/applications").json()["items"] == []

    decided = api.login(data.office_user).post(f"{API}/applications/{application_id}/decision", {"approve": True})
    assert decided.json()["status"] == "approved"
    paid = api.post(f"{API}/applications/{application_id}/pay", {"amount": "15.5"})
    assert paid.status_code == 201 and paid.json()["source"] == "application"
    assert paid.json()["paid_on"] == TODAY.isoformat()
    twice = api.post(f"{API}/applications/{application_id}/pay", {"amount": "15.5"})
    assert twice.status_code == 422 and "Nothing is granted twice" in twice.json()["detail"]
    assert Disbursement.objects.count() == 1


def test_roles_and_scope(api, data):
    batch = api.login(data.office_user).post(f"{API}/{data.auto.pk}/grants", {"period": PERIOD}).json()
    line_a = next(line for line in batch["lines"] if line["enterprise_id"] == data.ent_a.pk)
    line_b = next(line for line in batch["lines"] if line["enterprise_id"] == data.ent_b.pk)

    api.login(data.town_a_handler)  # 酿溪镇: reads its lines only, acts on nothing
    read = api.get(f"{API}/grants/{batch['id']}").json()
    assert {line["enterprise_id"] for line in read["lines"]} == {data.ent_a.pk, data.ent_c.pk}
    assert api.post(f"{API}/grants/{batch['id']}/lines/{line_a['id']}/exclude", {"reason": "x"}).status_code == 403
    # A line of an enterprise outside the unit's scope does not exist for it.
    assert api.post(f"{API}/grants/{batch['id']}/lines/{line_b['id']}/exclude", {"reason": "x"}).status_code == 404
    assert api.post(f"{API}/{data.auto.pk}/grants", {"period": PERIOD}).status_code == 403

    api.login(data.ent_a_user)
    assert api.get(f"{API}/grants/{batch['id']}").status_code == 403
    assert api.post(f"{API}/{data.auto.pk}/grants", {"period": PERIOD}).status_code == 403

    api.login(data.office_user)
    assert api.get(f"{API}/grants/{batch['id'] + 50}").status_code == 404
    bad = api.post(f"{API}/{data.auto.pk}/grants", {"period": "next year"})
    assert bad.status_code == 422 and "A period is a year" in bad.json()["detail"]
    assert GrantBatch.objects.count() == 1


def test_performance_endpoint(api, data):
    rows = api.login(data.auditor).get(f"{API}/performance").json()
    by_id = {row["policy_id"]: row for row in rows}
    auto = by_id[data.auto.pk]
    assert (auto["eligible"], auto["eligible_source"], auto["granted"], auto["flags"]) == (3, "rule", 0, [])
    assert Decimal(auto["eligible_share"]) == Decimal(75)


def test_the_lists_query_counts_are_constant(api, data, django_assert_num_queries):
    def batches(n, start):
        for i in range(n):
            policy = make_policy(data.office_user, title=f"接口奖励{start + i}")
            services.grant_batch_generate(actor=data.office_user, policy_id=policy.pk, period=PERIOD)

    batches(2, 0)
    api.login(data.office_user)
    with django_assert_num_queries(5):
        api.get(f"{API}/grants")
    batches(8, 10)
    with django_assert_num_queries(5):
        body = api.get(f"{API}/grants").json()
    assert body["count"] == 10
