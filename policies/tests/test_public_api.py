"""The public read API: anyone, without a session or token, reads the published policies; drafts and
withdrawn ones are 404."""

from policies.models import Policy
from policies.tests.test_library_support import make_policy

pytest_plugins = ["policies.tests.test_library_support"]


def test_anonymous_reads_published_policies(client, county, published):
    make_policy(county, title="草稿", status=Policy.Status.DRAFT)
    body = client.get("/api/v1/policies/public").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["title"] == published.title and item["interpreter_phone"] == "0739-3612345"
    assert item["url"] == f"http://testserver/p/{published.pk}/"
    assert item["categories"] == [{"code": "funding", "name": "资金奖补"}]
    assert "eligibility" not in item and "status" not in item

    detail = client.get(f"/api/v1/policies/public/{published.pk}").json()
    assert [c["position"] for c in detail["clauses"]] == [1, 2]


def test_drafts_and_withdrawn_are_404(client, county):
    for status in (Policy.Status.DRAFT, Policy.Status.WITHDRAWN):
        policy = make_policy(county, status=status)
        assert client.get(f"/api/v1/policies/public/{policy.pk}").status_code == 404


def test_public_search(client, county, published):
    make_policy(county, title="稳岗补贴", summary="返还失业保险费", clauses=0)
    assert [i["title"] for i in client.get("/api/v1/policies/public", {"q": "失业保险"}).json()["items"]] == [
        "稳岗补贴"
    ]
    assert client.get("/api/v1/policies/public", {"q": "条款2"}).json()["count"] == 1


def test_public_list_queries_do_not_grow(client, county, django_assert_num_queries):
    for n in range(2):
        make_policy(county, title=f"政策{n}")
    with django_assert_num_queries(3):
        client.get("/api/v1/policies/public")
    for n in range(2, 10):
        make_policy(county, title=f"政策{n}")
    with django_assert_num_queries(3):
        assert client.get("/api/v1/policies/public").json()["count"] == 10
