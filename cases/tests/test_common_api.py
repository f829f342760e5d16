"""The common-issue API: the scoped list and detail, merging and adding cases (the office: 201/200; others
403; outside the scope 404; refusals 422), pinned list queries."""

import pytest

from accounts.models import User
from cases.models import Case, CommonIssue
from cases.services import dispatch
from cases.tests.test_common_support import send

pytest_plugins = ["cases.tests.test_common_support"]

ISSUES = "/api/v1/cases/common-issues"


@pytest.fixture
def pair(county, file_case):
    a = file_case()
    b = file_case(enterprise=county.ent_b, actor=county.ent_b_user)
    issue = dispatch.case_merge(actor=county.office_user, case_ids=[a.pk, b.pk], title="电价上涨")
    return issue, a, b


def test_list_and_detail_are_scoped(county, login, pair):
    issue, a, b = pair
    dispatch.case_assign(actor=county.office_user, case_id=a.pk, lead_unit_id=county.gxj.pk)
    body = login(county.office_user).get(ISSUES).json()
    assert body["count"] == 1
    [item] = body["items"]
    assert (item["id"], item["title"], item["member_count"], item["states"]) == (
        issue.pk,
        "电价上涨",
        2,
        {"assigned": 2},
    )
    assert item["created_by_name"] == str(county.office_user)

    mine = login(county.ent_a_user).get(ISSUES).json()["items"]
    assert [(i["id"], i["member_count"]) for i in mine] == [(issue.pk, 1)]
    assert login(county.fgj_handler).get(ISSUES).json()["count"] == 0

    detail = login(county.ent_a_user).get(f"{ISSUES}/{issue.pk}").json()
    assert [m["number"] for m in detail["members"]] == [a.number] and detail["description"] == ""
    office = login(county.office_user).get(f"{ISSUES}/{issue.pk}").json()
    assert {m["id"] for m in office["members"]} == {a.pk, b.pk} and office["accepts_members"] is False
    assert office["description"] == a.description
    assert login(county.fgj_handler).get(f"{ISSUES}/{issue.pk}").status_code == 404


def test_list_filters(county, login, pair):
    issue, a, b = pair
    client = login(county.office_user)
    assert client.get(ISSUES, {"q": a.number}).json()["count"] == 1
    assert client.get(ISSUES, {"q": "用地"}).json()["count"] == 0
    Case.objects.filter(common_issue=issue).update(state="closed")
    assert client.get(ISSUES, {"open": "true"}).json()["count"] == 0


def _more_issues(county, office_case, make_enterprise, n, start):
    for i in range(start, start + n):
        cases = [office_case(make_enterprise(2 * i)[0]), office_case(make_enterprise(2 * i + 1)[0])]
        dispatch.case_merge(actor=county.office_user, case_ids=[c.pk for c in cases], title=f"共性问题{i}")


def test_list_queries_are_pinned(county, login, office_case, make_enterprise, django_assert_num_queries):
    _more_issues(county, office_case, make_enterprise, 2, 0)
    client = login(county.office_user)
    client.get(ISSUES)
    with django_assert_num_queries(5):  # session, user, roles, count, page with counts and creators
        assert client.get(ISSUES).json()["count"] == 2
    _more_issues(county, office_case, make_enterprise, 4, 2)
    with django_assert_num_queries(5):
        assert len(client.get(ISSUES).json()["items"]) == 6


def test_the_office_merges_and_adds(county, login, file_case, office_case):
    a = file_case()
    b = file_case(enterprise=county.ent_b, actor=county.ent_b_user)
    client = login(county.office_user)
    response = send(client, "post", ISSUES, {"case_ids": [a.pk, b.pk], "title": "续贷难"})
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "续贷难" and body["member_count"] == 2 and body["accepts_members"] is True

    c = office_case(county.ent_c)
    added = send(client, "post", f"{ISSUES}/{body['id']}/cases", {"case_ids": [c.pk]})
    assert added.status_code == 200 and added.json()["member_count"] == 3
    c.refresh_from_db()
    assert c.common_issue_id == body["id"]


def test_refusals_answer_422(county, login, pair, file_case, office_case):
    issue, a, b = pair
    client = login(county.office_user)
    lone = office_case(county.ent_c)
    one = send(client, "post", ISSUES, {"case_ids": [lone.pk], "title": "x"})
    assert one.status_code == 422 and one.json()["detail"].startswith("cases:")
    again = send(client, "post", ISSUES, {"case_ids": [lone.pk, a.pk], "title": "x"})
    assert again.status_code == 422 and "already belongs" in again.json()["detail"]
    untitled = send(client, "post", ISSUES, {"case_ids": [lone.pk, file_case().pk], "title": " "})
    assert untitled.status_code == 422 and untitled.json()["detail"].startswith("title:")

    dispatch.case_assign(actor=county.office_user, case_id=a.pk, lead_unit_id=county.gxj.pk)
    busy = send(client, "post", f"{ISSUES}/{issue.pk}/cases", {"case_ids": [lone.pk]})
    assert busy.status_code == 422 and "already being handled" in busy.json()["detail"]
    assert CommonIssue.objects.count() == 1


@pytest.mark.parametrize("username", ["gxj_handler", "ent_a", "auditor", "leader"])
def test_others_may_not_merge(county, login, pair, office_case, username):
    issue, a, b = pair
    dispatch.case_assign(actor=county.office_user, case_id=a.pk, lead_unit_id=county.gxj.pk)
    c, d = office_case(county.ent_c), office_case(county.ent_c)
    client = login(User.objects.get(username=username))
    assert send(client, "post", ISSUES, {"case_ids": [c.pk, d.pk], "title": "x"}).status_code == 403
    # The leader is linked to ent_c only: the issue of ent_a and ent_b does not exist for them.
    expected = 404 if username == "leader" else 403
    assert send(client, "post", f"{ISSUES}/{issue.pk}/cases", {"case_ids": [c.pk]}).status_code == expected
    assert CommonIssue.objects.count() == 1


def test_adding_outside_the_scope_is_404(county, login, pair, office_case):
    issue, a, b = pair
    c = office_case(county.ent_c)
    assert (
        send(login(county.fgj_handler), "post", f"{ISSUES}/{issue.pk}/cases", {"case_ids": [c.pk]}).status_code == 404
    )
    assert send(login(county.office_user), "post", f"{ISSUES}/99999/cases", {"case_ids": [c.pk]}).status_code == 404
