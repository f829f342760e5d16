"""The common-issue pages: the list and an issue's members as each viewer may see them, the office's merge,
add and take-out (403 for anyone else, 404 outside the scope), messages with what was typed and ticked kept,
pinned queries."""

import pytest
from django.urls import reverse

from accounts.models import User
from cases.models import Case, CommonIssue
from cases.services import dispatch

pytest_plugins = ["cases.tests.test_common_support"]

LIST = reverse("common_issue_list")
MERGE = reverse("common_issue_merge")


@pytest.fixture
def pair(county, file_case):
    """ent_a's and ent_b's cases merged by the office, awaiting dispatch."""
    a = file_case()
    b = file_case(enterprise=county.ent_b, actor=county.ent_b_user)
    issue = dispatch.case_merge(actor=county.office_user, case_ids=[a.pk, b.pk], title="电价上涨")
    return issue, a, b


@pytest.fixture
def assigned_pair(county, pair):
    issue, a, b = pair
    dispatch.case_assign(actor=county.office_user, case_id=a.pk, lead_unit_id=county.gxj.pk)
    return pair


def ids(response, key="page"):
    return [item.pk for item in response.context[key]]


# The list ---------------------------------------------------------------------------------------------------


def test_list_shows_members_and_states_as_each_viewer_sees_them(county, login, assigned_pair, file_case):
    issue, a, b = assigned_pair
    office = login(county.office_user).get(LIST)
    assert office.status_code == 200
    [row] = office.context["page"]
    assert row.member_count == 2 and [(s.state, s.count) for s in row.states] == [("assigned", 2)]
    assert 'data-testid="merge-link"' in office.content.decode()

    assert ids(login(county.gxj_handler).get(LIST)) == [issue.pk]
    [mine] = login(county.ent_a_user).get(LIST).context["page"]
    assert mine.member_count == 1  # its own case only
    assert ids(login(county.fgj_handler).get(LIST)) == []
    assert 'data-testid="merge-link"' not in login(county.gxj_handler).get(LIST).content.decode()


def test_list_filters(county, login, pair):
    issue, a, b = pair
    client = login(county.office_user)
    assert ids(client.get(LIST, {"q": "电价"})) == [issue.pk]
    assert ids(client.get(LIST, {"q": a.number})) == [issue.pk]
    assert ids(client.get(LIST, {"q": "用地"})) == []
    assert ids(client.get(LIST, {"open": "1"})) == [issue.pk]
    Case.objects.filter(common_issue=issue).update(state=Case.State.CLOSED)
    assert ids(client.get(LIST, {"open": "1"})) == []


def _more_issues(county, office_case, make_enterprise, n, start):
    for i in range(start, start + n):
        first, _user = make_enterprise(2 * i)
        second, _user = make_enterprise(2 * i + 1)
        cases = [office_case(first), office_case(second)]
        dispatch.case_merge(actor=county.office_user, case_ids=[c.pk for c in cases], title=f"共性问题{i}")


def test_list_queries_are_pinned(county, login, office_case, make_enterprise, django_assert_num_queries):
    _more_issues(county, office_case, make_enterprise, 2, 0)
    client = login(county.office_user)
    client.get(LIST)
    # Session, user, roles, count, the page with member and state counts and creators; the layout's
    # calendar warning and the user's unit.
    with django_assert_num_queries(7):
        assert client.get(LIST).status_code == 200
    _more_issues(county, office_case, make_enterprise, 4, 2)
    with django_assert_num_queries(7):
        response = client.get(LIST)
    assert len(response.context["page"]) == 6


# One issue --------------------------------------------------------------------------------------------------


def test_detail_lists_the_members_with_links(county, login, assigned_pair):
    issue, a, b = assigned_pair
    response = login(county.office_user).get(reverse("common_issue_detail", args=[issue.pk]))
    assert response.status_code == 200
    assert [m.pk for m in response.context["members"]] == sorted(
        [a.pk, b.pk], key=lambda pk: Case.objects.get(pk=pk).enterprise.name
    )
    content = response.content.decode()
    assert reverse("case_detail", args=[a.pk]) in content and reverse("case_detail", args=[b.pk]) in content
    assert 'data-testid="common-issue-explained"' in content and 'data-testid="common-issue-description"' in content
    # Handling has started: no case can join any more.
    assert 'data-testid="add-closed"' in content and 'data-testid="add-form"' not in content
    assert content.count('data-testid="remove-form"') == 2


def test_an_enterprise_sees_only_its_own_member(county, login, pair):
    issue, a, b = pair
    response = login(county.ent_a_user).get(reverse("common_issue_detail", args=[issue.pk]))
    assert [m.pk for m in response.context["members"]] == [a.pk]
    content = response.content.decode()
    assert county.ent_b.name not in content and 'data-testid="remove-form"' not in content
    # The issue's text is the first member's: another enterprise's words.
    assert 'data-testid="common-issue-description"' not in content


def test_outside_the_scope_is_404(county, login, pair, make_user):
    issue, a, b = pair
    assert login(county.fgj_handler).get(reverse("common_issue_detail", args=[issue.pk])).status_code == 404
    stranger = make_user("ent_c_user", "enterprise", enterprise=county.ent_c)
    assert login(stranger).get(reverse("common_issue_detail", args=[issue.pk])).status_code == 404
    assert login(county.office_user).get(reverse("common_issue_detail", args=[99999])).status_code == 404


def test_the_office_adds_cases_found_by_search_or_number(county, login, pair, office_case):
    issue, a, b = pair
    c = office_case(county.ent_c)
    url = reverse("common_issue_detail", args=[issue.pk])
    client = login(county.office_user)
    page = client.get(url, {"q": county.ent_c.name})
    assert [x.pk for x in page.context["candidates"]] == [c.pk]
    # The search keeps what was ticked.
    page = client.get(url, {"q": "nothing", "add-case_ids": [c.pk]})
    assert [x.pk for x in page.context["chosen"]] == [c.pk] and page.context["candidates"] == []

    response = client.post(reverse("common_issue_add", args=[issue.pk]), {"add-numbers": c.number})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.common_issue_id == issue.pk


def test_add_refusals_come_back_on_the_form(county, login, pair, office_case):
    issue, a, b = pair
    client = login(county.office_user)
    url = reverse("common_issue_add", args=[issue.pk])
    empty = client.post(url, {})
    assert empty.status_code == 200 and 'data-testid="error-case_ids"' in empty.content.decode()
    unknown = client.post(url, {"add-numbers": "2099-999999"})
    assert 'data-testid="error-numbers"' in unknown.content.decode() and "2099-999999" in unknown.content.decode()

    busy = office_case(county.ent_c)
    dispatch.case_assign(actor=county.office_user, case_id=busy.pk, lead_unit_id=county.fgj.pk)
    refused = client.post(url, {"add-case_ids": [busy.pk]})
    assert 'data-testid="form-errors"' in refused.content.decode() and "cannot be merged" in refused.content.decode()
    busy.refresh_from_db()
    assert busy.common_issue_id is None


def test_taking_a_member_out(county, login, pair):
    issue, a, b = pair
    response = login(county.office_user).post(
        reverse("common_issue_remove", args=[issue.pk, b.pk]), {"note": "另案处理"}
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.common_issue_id is None and b.events.filter(kind="unmerged", payload__note="另案处理").exists()


@pytest.mark.parametrize("username", ["gxj_handler", "gxj_head", "ent_a", "auditor"])
def test_only_the_office_changes_members(county, login, assigned_pair, office_case, username):
    issue, a, b = assigned_pair
    c = office_case(county.ent_c)
    client = login(User.objects.get(username=username))
    assert client.post(reverse("common_issue_add", args=[issue.pk]), {"add-case_ids": [c.pk]}).status_code == 403
    assert client.post(reverse("common_issue_remove", args=[issue.pk, a.pk])).status_code == 403
    assert client.get(MERGE).status_code == 403
    assert client.post(MERGE, {"title": "x", "case_ids": [c.pk]}).status_code == 403
    a.refresh_from_db(), c.refresh_from_db()
    assert a.common_issue_id == issue.pk and c.common_issue_id is None


def test_writes_outside_the_scope_are_404(county, login, pair):
    issue, a, b = pair
    client = login(county.fgj_handler)
    assert client.post(reverse("common_issue_add", args=[issue.pk]), {"add-case_ids": [a.pk]}).status_code == 404
    assert client.post(reverse("common_issue_remove", args=[issue.pk, a.pk])).status_code == 404


# Merging ----------------------------------------------------------------------------------------------------


def test_merge_from_a_search_list(county, login, file_case, office_case):
    a = file_case()
    b = file_case(enterprise=county.ent_b, actor=county.ent_b_user)
    c = office_case(county.ent_c)
    client = login(county.office_user)
    page = client.get(MERGE)
    assert {x.pk for x in page.context["candidates"]} == {a.pk, b.pk, c.pk}
    # Searching again keeps the ticks, the title and the typed numbers.
    page = client.get(MERGE, {"q": county.ent_b.name, "case_ids": [a.pk], "title": "续贷难", "numbers": c.number})
    assert [x.pk for x in page.context["chosen"]] == [a.pk]
    assert [x.pk for x in page.context["candidates"]] == [b.pk]
    assert page.context["form"]["title"].value() == "续贷难" and page.context["form"]["numbers"].value() == c.number

    response = client.post(MERGE, {"title": "续贷难", "case_ids": [a.pk, b.pk], "numbers": c.number})
    issue = CommonIssue.objects.get(title="续贷难")
    assert response.status_code == 302 and response.url == reverse("common_issue_detail", args=[issue.pk])
    assert set(issue.cases.values_list("pk", flat=True)) == {a.pk, b.pk, c.pk}


def test_merge_refusals_keep_what_was_ticked(county, login, file_case, office_case):
    a = file_case()
    b = file_case(enterprise=county.ent_b, actor=county.ent_b_user)
    client = login(county.office_user)

    one = client.post(MERGE, {"title": "续贷难", "case_ids": [a.pk]})
    assert one.status_code == 200
    content = one.content.decode()
    assert 'data-testid="error-case_ids"' in content and "at least two" in content
    assert [x.pk for x in one.context["chosen"]] == [a.pk] and 'value="续贷难"' in content

    untitled = client.post(MERGE, {"title": "", "case_ids": [a.pk, b.pk]})
    assert 'data-testid="error-title"' in untitled.content.decode()
    assert [x.pk for x in untitled.context["chosen"]] == [a.pk, b.pk]

    dispatch.case_assign(actor=county.office_user, case_id=b.pk, lead_unit_id=county.gxj.pk)
    busy = client.post(MERGE, {"title": "续贷难", "case_ids": [a.pk, b.pk]})
    assert "cannot be merged" in busy.content.decode()
    assert not CommonIssue.objects.exists()
