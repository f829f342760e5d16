"""A common issue handled once (点办理、批处理), through the services: merged, assigned once, accepted once, the
lead unit's reply on one member approved by its head resolves every member; each enterprise then rates its
own case, and one that reopens leaves the issue."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cases.models import Case, CaseReply
from cases.selectors import common as selectors
from cases.services import dispatch, handling, review
from cases.services.base import TransitionError
from cases.services.trail import verify_trail

State = Case.State

pytest_plugins = ["cases.tests.test_common_support"]


@pytest.fixture
def three(county, file_case, office_case):
    a = file_case()
    b = file_case(enterprise=county.ent_b, actor=county.ent_b_user)
    c = office_case(county.ent_c)
    issue = dispatch.case_merge(actor=county.office_user, case_ids=[a.pk, b.pk, c.pk], title="园区道路破损影响物流")
    return issue, a, b, c


def states(*cases):
    return [Case.objects.get(pk=c.pk).state for c in cases]


def test_the_lead_units_reply_on_one_member_resolves_every_member(county, three):
    issue, a, b, c = three
    dispatch.case_assign(actor=county.office_user, case_id=b.pk, lead_unit_id=county.gxj.pk)
    assert states(a, b, c) == [State.ASSIGNED] * 3

    handling.case_accept(actor=county.gxj_handler, case_id=c.pk)
    assert states(a, b, c) == [State.IN_PROGRESS] * 3

    handling.reply_draft(actor=county.gxj_handler, case_id=a.pk, outcome="solved", text="已修复园区道路")
    assert CaseReply.objects.filter(case__common_issue=issue, status="pending").count() == 3
    reply = CaseReply.objects.get(case=a, status="pending")
    handling.reply_decide(actor=county.gxj_head, reply_id=reply.pk, approve=True)

    members = list(Case.objects.filter(common_issue=issue).order_by("pk"))
    assert [m.state for m in members] == [State.RESOLVED] * 3
    assert {m.outcome for m in members} == {"solved"} and {m.resolution for m in members} == {"已修复园区道路"}

    # Each enterprise rates its own case, and only its own.
    with pytest.raises(Http404):
        review.case_rate(actor=county.ent_a_user, case_id=b.pk, rating="satisfied")
    with pytest.raises(PermissionDenied):
        review.case_rate(actor=county.gxj_head, case_id=a.pk, rating="satisfied")
    review.case_rate(actor=county.ent_a_user, case_id=a.pk, rating="satisfied")
    review.case_rate(actor=county.ent_b_user, case_id=b.pk, rating="unsatisfied", comment="路面仍有坑洼", reopen=True)

    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.state, a.rating) == (State.CLOSED, "satisfied")
    # The unsatisfied enterprise's case goes on alone; the others are untouched by its rating.
    assert (b.state, b.rating, b.common_issue_id, b.reopen_count) == (State.IN_PROGRESS, "unsatisfied", None, 1)
    assert (c.state, c.rating, c.common_issue_id) == (State.RESOLVED, "", issue.pk)

    office_view = selectors.issue_for(county.office_user, issue.pk)
    assert office_view.member_count == 2 and selectors.state_counts(office_view) == {"resolved": 1, "closed": 1}
    assert list(verify_trail()) == []


def test_a_member_taken_out_is_left_alone_by_the_others_handling(county, three):
    issue, a, b, c = three
    dispatch.case_unmerge(actor=county.office_user, case_id=c.pk, note="另行处理")
    dispatch.case_assign(actor=county.office_user, case_id=a.pk, lead_unit_id=county.gxj.pk)
    assert states(a, b, c) == [State.ASSIGNED, State.ASSIGNED, State.SUBMITTED]
    assert not selectors.accepts_members(issue)
    with pytest.raises(TransitionError) as caught:
        dispatch.case_merge(actor=county.office_user, case_ids=[c.pk], common_issue_id=issue.pk)
    assert caught.value.code == "issue_in_handling"
