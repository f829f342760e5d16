"""The action views of the case page: each one does its service's transition (asserted in the database),
refuses the wrong person (403, or 404 outside their scope) with nothing changed, shows the service's message
when the state does not allow it, keeps what was typed when the input is refused, and answers HTMX with the
page's part (200 done, 422 refused)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from cases.models import (
    Assignment,
    Callback,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseReply,
    ExtensionRequest,
    Supervision,
)
from cases.services import dispatch, handling, intake, review, supervision
from cases.tests.test_detail_support import field_errors, form_errors, html, pdf, post

pytest_plugins = ["cases.tests.test_detail_support"]

State = Case.State


def page_url(case) -> str:
    return reverse("case_detail", args=[case.pk])


def state_of(case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


def events_of(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("kind", flat=True))


def assert_done(response, case):
    """A plain POST that worked: back to the page."""
    assert response.status_code == 302, html(response)[:3000]
    assert response["Location"] == page_url(case)


def assert_partial(response, status=200):
    """An HTMX answer: the page's part alone, to swap in place of #case-page."""
    assert response.status_code == status
    content = html(response)
    assert content.startswith('<div id="case-page"') and "<html" not in content
    return content


# The common shape of every action view ------------------------------------------------------------------------


def test_actions_answer_post_only(county, assigned_case, login):
    client = login(county.gxj_handler)
    assert client.get(reverse("case_action_accept", args=[assigned_case.pk])).status_code == 405


def test_outsiders_get_404_and_nothing_changes(county, assigned_case, login, make_user):
    outsider = make_user("town_b_handler", Role.UNIT_HANDLER, unit=county.town_b_gov)
    for user in (county.ent_b_user, outsider, county.leader):
        assert post(login(user), assigned_case, "accept").status_code == 404
        assert post(login(user), assigned_case, "rate", {"rating": "satisfied"}).status_code == 404
    assert state_of(assigned_case) == State.ASSIGNED
    assert not Assignment.objects.filter(case=assigned_case, state="accepted").exists()


def test_a_success_message_follows_the_redirect(county, assigned_case, login):
    client = login(county.gxj_handler)
    response = post(client, assigned_case, "accept")
    page = client.get(response["Location"])
    assert 'class="banner success"' in html(page)


# Assign (the office) ------------------------------------------------------------------------------------------


def assign_data(county, **changes):
    data = {
        "lead_unit": county.gxj.pk,
        "co_units": [county.fgj.pk],
        "locality_units": [county.town_a_gov.pk],
        "category": CaseCategory.objects.get(code="financing").pk,
        "urgency": "urgent",
        "note": "请三日内办结",
    }
    data.update(changes)
    return data


def test_assign(county, file_case, login):
    case = file_case()
    response = post(login(county.office_user), case, "assign", assign_data(county))
    assert_done(response, case)
    case.refresh_from_db()
    assert case.state == State.ASSIGNED and case.lead_unit == county.gxj and case.urgency == "urgent"
    live = sorted(case.assignments.values_list("unit__name", "role"))
    assert live == [("县发改局", "co"), ("县工信局", "lead"), ("酿溪镇人民政府", "locality")]
    assert CaseEvent.objects.get(case=case, kind="assigned").payload["note"] == "请三日内办结"


def test_assign_with_htmx_answers_the_page_part(county, file_case, login):
    case = file_case()
    response = post(login(county.office_user), case, "assign", assign_data(county), htmx=True)
    content = assert_partial(response)
    assert 'class="banner success"' in content and 'data-state="assigned"' in content
    assert state_of(case) == State.ASSIGNED


def test_assign_without_a_lead_unit_keeps_what_was_typed(county, file_case, login):
    case = file_case()
    response = post(login(county.office_user), case, "assign", assign_data(county, lead_unit=""))
    assert response.status_code == 200
    assert field_errors(response, "lead_unit")
    assert "请三日内办结</textarea>" in html(response)
    assert f'<option value="{county.fgj.pk}" selected>' in html(response)
    assert state_of(case) == State.SUBMITTED and not case.assignments.exists()
    # The same through HTMX: 422 and the part with the message.
    response = post(login(county.office_user), case, "assign", assign_data(county, lead_unit=""), htmx=True)
    assert "请三日内办结</textarea>" in assert_partial(response, 422)


def test_assign_refuses_one_unit_in_two_roles(county, file_case, login):
    case = file_case()
    response = post(login(county.office_user), case, "assign", assign_data(county, co_units=[county.gxj.pk]))
    assert response.status_code == 200 and field_errors(response, "co_units")
    assert state_of(case) == State.SUBMITTED


def test_only_the_office_assigns(county, assigned_case, login):
    response = post(login(county.gxj_handler), assigned_case, "assign", assign_data(county, lead_unit=county.fgj.pk))
    assert response.status_code == 403
    assert Case.objects.get(pk=assigned_case.pk).lead_unit == county.gxj


def test_assign_in_the_wrong_state_shows_the_services_message(county, in_progress_case, login):
    response = post(login(county.office_user), in_progress_case, "assign", assign_data(county, lead_unit=county.fgj.pk))
    assert response.status_code == 200
    assert 'data-testid="action-refused"' in html(response)
    assert "cannot be assigned now" in form_errors(response)
    assert Case.objects.get(pk=in_progress_case.pk).lead_unit == county.gxj


# Reject, unmerge ----------------------------------------------------------------------------------------------


def test_reject_a_duplicate_needs_the_number(county, file_case, login):
    first, second = file_case(), file_case()
    client = login(county.office_user)
    response = post(client, second, "reject", {"reason": "duplicate", "note": "重复提交"})
    assert field_errors(response, "duplicate_of") and "重复提交</textarea>" in html(response)
    assert state_of(second) == State.SUBMITTED
    response = post(client, second, "reject", {"reason": "duplicate", "note": "重复提交", "duplicate_of": first.number})
    assert_done(response, second)
    second.refresh_from_db()
    assert second.state == State.REJECTED and second.duplicate_of == first and second.reject_note == "重复提交"
    page = html(login(county.ent_a_user).get(page_url(second)))
    assert 'data-testid="case-outcome"' in page and "重复提交" in page


def test_reject_needs_an_explanation(county, file_case, login):
    case = file_case()
    response = post(login(county.office_user), case, "reject", {"reason": "out_of_scope"})
    assert field_errors(response, "note") and state_of(case) == State.SUBMITTED


def test_unmerge(county, category, login):
    cases = intake.case_submit(
        actor=county.office_user,
        enterprise_ids=[county.ent_a.pk, county.ent_b.pk],
        title="园区道路破损",
        description="多家企业反映。",
        category_id=category.pk,
        channel=Case.Channel.OFFICE,
    )
    client = login(county.office_user)
    assert post(login(county.ent_a_user), cases[0], "unmerge", {"note": "x"}).status_code == 403
    assert_done(post(client, cases[0], "unmerge", {"note": "单独办理"}), cases[0])
    assert Case.objects.get(pk=cases[0].pk).common_issue_id is None
    response = post(client, cases[0], "unmerge", {"note": "再来"})
    assert "not part of a common issue" in form_errors(response)


# Accept, return -------------------------------------------------------------------------------------------------


def test_accept_by_the_lead_starts_handling(county, assigned_case, login):
    assert_done(post(login(county.gxj_handler), assigned_case, "accept"), assigned_case)
    assert state_of(assigned_case) == State.IN_PROGRESS
    assert Assignment.objects.get(case=assigned_case, unit=county.gxj).state == "accepted"


def test_accept_by_a_co_unit_with_htmx(county, assigned_case, login):
    response = post(login(county.fgj_handler), assigned_case, "accept", htmx=True)
    content = assert_partial(response)
    assert 'data-testid="action-accept"' not in content
    assert Assignment.objects.get(case=assigned_case, unit=county.fgj).state == "accepted"
    assert state_of(assigned_case) == State.ASSIGNED


def test_the_enterprise_cannot_accept(county, assigned_case, login):
    assert post(login(county.ent_a_user), assigned_case, "accept").status_code == 403
    assert not Assignment.objects.filter(case=assigned_case, state="accepted").exists()


def test_return_by_the_lead_sends_it_back_to_the_office(county, assigned_case, login):
    client = login(county.gxj_handler)
    response = post(client, assigned_case, "return", {"reason": ""})
    assert field_errors(response, "reason") and state_of(assigned_case) == State.ASSIGNED
    assert_done(post(client, assigned_case, "return", {"reason": "不属于本单位职责"}), assigned_case)
    case = Case.objects.get(pk=assigned_case.pk)
    assert case.state == State.RETURNED and case.return_count == 1
    returned = Assignment.objects.get(case=case, unit=county.gxj)
    assert returned.state == "returned" and returned.return_reason == "不属于本单位职责"
    office = html(login(county.office_user).get(page_url(case)))
    assert 'data-testid="expect-dispatch"' in office and "不属于本单位职责" in office


def test_the_lead_cannot_return_what_it_accepted(county, in_progress_case, login):
    response = post(login(county.gxj_handler), in_progress_case, "return", {"reason": "太难"})
    assert response.status_code == 200 and "ask the office to reassign" in form_errors(response)
    assert state_of(in_progress_case) == State.IN_PROGRESS


# Progress, wait, resume ---------------------------------------------------------------------------------------


def test_progress_with_files(county, in_progress_case, login):
    response = post(
        login(county.fgj_handler),
        in_progress_case,
        "progress",
        {"note": "已对接银行", "files": [pdf("对接记录.pdf"), pdf("会议纪要.pdf")]},
    )
    assert_done(response, in_progress_case)
    event = CaseEvent.objects.get(case=in_progress_case, kind="progress")
    assert event.payload["note"] == "已对接银行" and len(event.payload["attachments"]) == 2
    assert set(CaseAttachment.objects.filter(case=in_progress_case).values_list("original_name", flat=True)) == {
        "对接记录.pdf",
        "会议纪要.pdf",
    }


def test_a_refused_file_shows_next_to_the_file_input_and_nothing_is_stored(county, in_progress_case, login):
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = post(login(county.gxj_handler), in_progress_case, "progress", {"note": "进展说明", "files": [fake]})
    assert response.status_code == 200
    assert "报告.pdf" in field_errors(response, "files") and "进展说明</textarea>" in html(response)
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = post(
        login(county.gxj_handler), in_progress_case, "progress", {"note": "进展说明", "files": [exe]}, htmx=True
    )
    assert response.status_code == 422 and "tool.exe" in field_errors(response, "files")
    assert not CaseAttachment.objects.filter(case=in_progress_case).exists()
    assert "progress" not in events_of(in_progress_case)


def test_wait_and_the_enterprise_resumes_with_material(county, in_progress_case, login):
    handler = login(county.gxj_handler)
    assert post(login(county.fgj_handler), in_progress_case, "wait", {"request": "流水"}).status_code == 403
    assert_done(post(handler, in_progress_case, "wait", {"request": "请补充近三个月银行流水"}), in_progress_case)
    case = Case.objects.get(pk=in_progress_case.pk)
    assert case.state == State.WAITING and case.paused_since is not None

    own = login(county.ent_a_user)
    response = post(own, case, "resume", {"note": ""})
    assert field_errors(response, "note") and state_of(case) == State.WAITING
    assert post(login(county.ent_b_user), case, "resume", {"note": "x"}).status_code == 404
    response = post(own, case, "resume", {"note": "已上传流水", "files": [pdf("银行流水.pdf")]}, htmx=True)
    assert_partial(response)
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and case.paused_since is None
    material = CaseAttachment.objects.get(case=case)
    assert material.kind == "material" and material.original_name == "银行流水.pdf"


def test_resume_in_the_wrong_state_shows_the_services_message(county, in_progress_case, login):
    response = post(login(county.ent_a_user), in_progress_case, "resume", {"note": "材料"})
    assert response.status_code == 200 and "cannot be resumed now" in form_errors(response)


# Extensions -------------------------------------------------------------------------------------------------


def test_request_and_approve_an_extension(county, in_progress_case, login):
    handler = login(county.gxj_handler)
    response = post(handler, in_progress_case, "request_extension", {"days": "0", "reason": "需协调银行审批"})
    assert field_errors(response, "days") and "需协调银行审批</textarea>" in html(response)
    response = post(handler, in_progress_case, "request_extension", {"days": "abc", "reason": "x"})
    assert field_errors(response, "days")
    assert not ExtensionRequest.objects.exists()
    assert_done(
        post(handler, in_progress_case, "request_extension", {"days": "3", "reason": "需协调银行审批"}),
        in_progress_case,
    )
    request = ExtensionRequest.objects.get(case=in_progress_case)
    assert request.status == "pending" and request.days == 3

    assert post(handler, in_progress_case, "decide_extension", {"decision": "approve"}, item=request).status_code == 403
    office = login(county.office_user)
    page = office.get(page_url(in_progress_case))
    assert 'data-testid="extension-request"' in html(page)
    response = post(office, in_progress_case, "decide_extension", {"decision": "refuse", "note": ""}, item=request)
    assert field_errors(response, "note")
    due_before = Case.objects.get(pk=in_progress_case.pk).due_at
    response = post(
        office, in_progress_case, "decide_extension", {"decision": "approve", "note": "同意"}, item=request, htmx=True
    )
    assert_partial(response)
    request.refresh_from_db()
    case = Case.objects.get(pk=in_progress_case.pk)
    assert request.status == "approved" and case.extension_days == 3 and case.due_at > due_before
    # Decided already: the service says so.
    response = post(office, in_progress_case, "decide_extension", {"decision": "approve"}, item=request)
    assert "already decided" in form_errors(response)


def test_a_decision_on_another_cases_request_is_404(county, in_progress_case, file_case, login):
    handling.extension_request(actor=county.gxj_handler, case_id=in_progress_case.pk, days=2, reason="x")
    request = ExtensionRequest.objects.get()
    other = file_case()
    response = login(county.office_user).post(
        reverse("case_action_decide_extension", args=[other.pk, request.pk]),
        {f"decide_extension-{request.pk}-decision": "approve"},
    )
    assert response.status_code == 404 and ExtensionRequest.objects.get().status == "pending"


# Reply and its approval ----------------------------------------------------------------------------------------


def test_reply_and_the_heads_approval(county, heads, in_progress_case, login):
    handler = login(county.gxj_handler)
    response = post(handler, in_progress_case, "reply", {"outcome": "solved", "text": ""})
    assert field_errors(response, "text")
    response = post(handler, in_progress_case, "reply", {"outcome": "maybe", "text": "已办理"})
    assert field_errors(response, "outcome") and "已办理</textarea>" in html(response)
    response = post(
        handler, in_progress_case, "reply", {"outcome": "solved", "text": "已协调续贷", "files": [pdf("批复.pdf")]}
    )
    assert_done(response, in_progress_case)
    reply = CaseReply.objects.get(case=in_progress_case)
    assert reply.status == "pending" and state_of(in_progress_case) == State.IN_PROGRESS

    assert post(handler, in_progress_case, "decide_reply", {"decision": "approve"}, item=reply).status_code == 403
    assert (
        post(
            login(county.ent_a_user), in_progress_case, "decide_reply", {"decision": "approve"}, item=reply
        ).status_code
        == 404
    )
    head = login(county.gxj_head)
    response = post(head, in_progress_case, "decide_reply", {"decision": "refuse", "note": ""}, item=reply)
    assert field_errors(response, "note")
    assert_done(post(head, in_progress_case, "decide_reply", {"decision": "approve"}, item=reply), in_progress_case)
    case = Case.objects.get(pk=in_progress_case.pk)
    assert case.state == State.RESOLVED and case.outcome == "solved" and case.resolution == "已协调续贷"


def test_the_head_sends_a_reply_back(county, heads, in_progress_case, login):
    handling.reply_draft(actor=county.gxj_handler, case_id=in_progress_case.pk, outcome="explained", text="政策不允许")
    reply = CaseReply.objects.get()
    response = post(
        login(county.gxj_head),
        in_progress_case,
        "decide_reply",
        {"decision": "refuse", "note": "请补充依据"},
        item=reply,
        htmx=True,
    )
    content = assert_partial(response)
    assert "请补充依据" in content  # on the timeline
    reply.refresh_from_db()
    assert reply.status == "sent_back" and state_of(in_progress_case) == State.IN_PROGRESS


# Rating, reopening, closing, callbacks ----------------------------------------------------------------------------


def test_rate_satisfied_closes_the_case(county, resolved_case, login):
    assert post(login(county.office_user), resolved_case, "rate", {"rating": "satisfied"}).status_code == 403
    assert_done(post(login(county.ent_a_user), resolved_case, "rate", {"rating": "satisfied"}), resolved_case)
    case = Case.objects.get(pk=resolved_case.pk)
    assert case.state == State.CLOSED and case.rating == "satisfied"


def test_rate_unsatisfied_needs_a_comment_and_may_reopen(county, resolved_case, login):
    own = login(county.ent_a_user)
    response = post(own, resolved_case, "rate", {"rating": "unsatisfied", "reopen": "on"})
    assert field_errors(response, "comment") and 'name="rate-reopen" id="id_rate-reopen" checked' in html(response)
    assert state_of(resolved_case) == State.RESOLVED
    response = post(
        own, resolved_case, "rate", {"rating": "unsatisfied", "comment": "利率过高", "reopen": "on"}, htmx=True
    )
    assert_partial(response)
    case = Case.objects.get(pk=resolved_case.pk)
    assert case.state == State.IN_PROGRESS and case.reopen_count == 1 and case.rating == "unsatisfied"


def test_rate_in_the_wrong_state_shows_the_services_message(county, in_progress_case, login):
    response = post(login(county.ent_a_user), in_progress_case, "rate", {"rating": "satisfied"}, htmx=True)
    assert response.status_code == 422 and "cannot be rated now" in form_errors(response)


def test_reopen_after_an_unsatisfied_rating(county, resolved_case, login):
    review.case_rate(actor=county.ent_a_user, case_id=resolved_case.pk, rating="unsatisfied", comment="未解决")
    own = login(county.ent_a_user)
    page = own.get(page_url(resolved_case))
    assert 'data-testid="action-reopen"' in html(page) and 'data-testid="expect-status"' in html(page)
    assert post(login(county.gxj_handler), resolved_case, "reopen", {"reason": "x"}).status_code == 403
    response = post(own, resolved_case, "reopen", {"reason": ""})
    assert field_errors(response, "reason")
    assert_done(post(own, resolved_case, "reopen", {"reason": "利率仍过高"}), resolved_case)
    assert state_of(resolved_case) == State.IN_PROGRESS


def test_the_office_closes_a_resolved_case(county, resolved_case, login):
    assert post(login(county.gxj_handler), resolved_case, "close", {"note": "x"}).status_code == 403
    office = login(county.office_user)
    assert field_errors(post(office, resolved_case, "close", {"note": ""}), "note")
    assert_done(post(office, resolved_case, "close", {"note": "企业联系不上"}), resolved_case)
    case = Case.objects.get(pk=resolved_case.pk)
    assert case.state == State.CLOSED and case.rating == "unrated"
    response = post(office, resolved_case, "close", {"note": "再次"})
    assert "cannot be closed now" in form_errors(response)


def test_a_callback_records_the_rating_by_phone(county, resolved_case, login):
    office = login(county.office_user)
    assert_done(post(office, resolved_case, "callback", {"reached": "no", "comment": "无人接听"}), resolved_case)
    assert Callback.objects.get().status == "unreachable" and state_of(resolved_case) == State.RESOLVED
    response = post(office, resolved_case, "callback", {"reached": "yes", "rating": "basically_satisfied"}, htmx=True)
    assert_partial(response)
    case = Case.objects.get(pk=resolved_case.pk)
    assert case.state == State.CLOSED and case.rating == "basically_satisfied"
    assert events_of(case)[-3:] == ["callback", "rated", "closed"]
    assert post(login(county.gxj_handler), resolved_case, "callback", {"reached": "yes"}).status_code == 403


# Supervision ---------------------------------------------------------------------------------------------------


def test_supervise_and_answer(county, assigned_case, login):
    office = login(county.office_user)
    response = post(office, assigned_case, "supervise", {"text": "请加快", "unit": county.gxj.pk, "reply_days": "0"})
    assert field_errors(response, "reply_days") and "请加快</textarea>" in html(response)
    assert (
        post(
            login(county.gxj_handler),
            assigned_case,
            "supervise",
            {"text": "x", "unit": county.gxj.pk, "reply_days": "2"},
        ).status_code
        == 403
    )
    response = post(
        office, assigned_case, "supervise", {"text": "请加快办理", "unit": county.fgj.pk, "reply_days": "2"}
    )
    assert_done(response, assigned_case)
    notice = Supervision.objects.get()
    assert notice.unit == county.fgj and notice.text == "请加快办理"

    assert (
        post(login(county.gxj_handler), assigned_case, "answer_supervision", {"reply": "x"}, item=notice).status_code
        == 403
    )
    assert (
        post(login(county.ent_a_user), assigned_case, "answer_supervision", {"reply": "x"}, item=notice).status_code
        == 404
    )
    fgj = login(county.fgj_handler)
    assert 'data-testid="supervision-notice"' in html(fgj.get(page_url(assigned_case)))
    assert field_errors(post(fgj, assigned_case, "answer_supervision", {"reply": ""}, item=notice), "reply")
    assert_done(post(fgj, assigned_case, "answer_supervision", {"reply": "已安排专人跟进"}, item=notice), assigned_case)
    notice.refresh_from_db()
    assert notice.reply == "已安排专人跟进" and notice.replied_by == county.fgj_handler


def test_a_leader_lists_and_unlists_a_linked_case(county, file_case, login):
    case = file_case(enterprise=county.ent_c, actor=county.office_user, channel=Case.Channel.OFFICE)
    dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk)
    assert post(login(county.gxj_handler), case, "list", {"note": "x"}).status_code == 403
    leader = login(county.leader)
    assert field_errors(post(leader, case, "list", {"note": ""}), "note")
    assert_done(post(leader, case, "list", {"note": "重大事项，挂牌督办"}), case)
    case.refresh_from_db()
    assert case.listed_by == county.leader and case.listed_at is not None
    assert 'data-testid="case-listed"' in html(login(county.gxj_handler).get(page_url(case)))
    response = post(login(county.leader), case, "list", {"note": "再挂"})
    assert "already listed" in form_errors(response)
    response = post(login(county.leader), case, "unlist", {"note": "已解决"}, htmx=True)
    assert_partial(response)
    assert Case.objects.get(pk=case.pk).listed_at is None


def test_only_the_leader_who_listed_or_the_office_unlists(county, file_case, login, make_user):
    case = file_case(enterprise=county.ent_c, actor=county.office_user, channel=Case.Channel.OFFICE)
    supervision.case_list(actor=county.office_user, case_id=case.pk, note="挂牌")
    # The leader sees ent_c's cases but did not list this one.
    assert post(login(county.leader), case, "unlist", {"note": "x"}).status_code == 403
    assert Case.objects.get(pk=case.pk).listed_at is not None
    assert_done(post(login(county.office_user), case, "unlist", {"note": "撤销"}), case)
    assert Case.objects.get(pk=case.pk).listed_at is None


# Every action, table-driven: the wrong state, the wrong person, the HTMX path -----------------------------------


@pytest.fixture
def submitted_case(file_case):
    return file_case()


def trail_size(case) -> int:
    return CaseEvent.objects.filter(case=case).count()


@pytest.mark.parametrize(
    ("fixture", "who", "action", "data", "message"),
    [
        ("resolved_case", "office_user", "reject", {"reason": "out_of_scope", "note": "x"}, "cannot be rejected now"),
        ("resolved_case", "gxj_handler", "accept", {}, "cannot be accepted now"),
        ("resolved_case", "gxj_handler", "return", {"reason": "x"}, "cannot be returned now"),
        ("resolved_case", "gxj_handler", "progress", {"note": "x"}, "cannot be given a progress note now"),
        ("assigned_case", "gxj_handler", "wait", {"request": "x"}, "cannot be put on hold for material now"),
        ("assigned_case", "gxj_handler", "request_extension", {"days": "2", "reason": "x"}, "cannot be extended now"),
        ("assigned_case", "gxj_handler", "reply", {"outcome": "solved", "text": "x"}, "cannot be replied to now"),
        ("in_progress_case", "ent_a_user", "reopen", {"reason": "x"}, "cannot be reopened now"),
        ("in_progress_case", "office_user", "close", {"note": "x"}, "cannot be closed now"),
        ("in_progress_case", "office_user", "callback", {"reached": "yes"}, "cannot be called back now"),
        ("submitted_case", "office_user", "supervise", {"text": "x", "reply_days": "2"}, "cannot be supervised now"),
        ("in_progress_case", "office_user", "unlist", {"note": ""}, "is not listed for supervision"),
    ],
)
def test_the_wrong_state_shows_the_services_message(request, county, login, fixture, who, action, data, message):
    case = request.getfixturevalue(fixture)
    before = (state_of(case), trail_size(case))
    response = post(login(getattr(county, who)), case, action, data)
    assert response.status_code == 200 and message in form_errors(response)
    assert (state_of(case), trail_size(case)) == before


@pytest.mark.parametrize(
    ("fixture", "who", "action", "data"),
    [
        ("submitted_case", "ent_a_user", "reject", {"reason": "out_of_scope", "note": "x"}),
        ("submitted_case", "ent_a_user", "list", {"note": "x"}),
        ("in_progress_case", "ent_a_user", "return", {"reason": "x"}),
        ("in_progress_case", "ent_a_user", "progress", {"note": "x"}),
        ("in_progress_case", "fgj_handler", "request_extension", {"days": "2", "reason": "x"}),
        ("in_progress_case", "fgj_handler", "reply", {"outcome": "solved", "text": "x"}),
        ("in_progress_case", "town_a_handler", "wait", {"request": "x"}),
        ("in_progress_case", "auditor", "supervise", {"text": "x", "reply_days": "2"}),
        ("resolved_case", "auditor", "close", {"note": "x"}),
        ("resolved_case", "fgj_handler", "reopen", {"reason": "x"}),
    ],
)
def test_the_wrong_person_is_refused_and_nothing_changes(request, county, login, fixture, who, action, data):
    case = request.getfixturevalue(fixture)
    before = (state_of(case), trail_size(case))
    assert post(login(getattr(county, who)), case, action, data).status_code == 403
    assert (state_of(case), trail_size(case)) == before


@pytest.mark.parametrize(
    ("fixture", "who", "action", "data", "kind", "state"),
    [
        (
            "submitted_case",
            "office_user",
            "reject",
            {"reason": "out_of_scope", "note": "不属于助企范围"},
            "rejected",
            "rejected",
        ),
        ("assigned_case", "fgj_handler", "return", {"reason": "非本单位职责"}, "returned", "assigned"),
        ("in_progress_case", "office_user", "progress", {"note": "办公室跟进"}, "progress", "in_progress"),
        ("in_progress_case", "gxj_handler", "wait", {"request": "补充材料"}, "waiting", "waiting"),
        (
            "in_progress_case",
            "gxj_handler",
            "request_extension",
            {"days": "5", "reason": "审批"},
            "extension_requested",
            "in_progress",
        ),
        (
            "in_progress_case",
            "gxj_handler",
            "reply",
            {"outcome": "explained", "text": "政策不允许"},
            "reply_drafted",
            "in_progress",
        ),
        ("resolved_case", "office_user", "reopen", {"reason": "企业电话反映未解决"}, "reopened", "in_progress"),
        ("resolved_case", "office_user", "close", {"note": "多次联系不上"}, "closed", "closed"),
        ("assigned_case", "office_user", "supervise", {"text": "请加快", "reply_days": "3"}, "supervised", "assigned"),
        ("assigned_case", "office_user", "list", {"note": "重大"}, "listed", "assigned"),
    ],
)
def test_every_action_works_through_htmx(request, county, login, fixture, who, action, data, kind, state):
    case = request.getfixturevalue(fixture)
    content = assert_partial(post(login(getattr(county, who)), case, action, data, htmx=True))
    assert 'class="banner success"' in content
    assert events_of(case)[-1] == kind and state_of(case) == state
    assert f'data-kind="{kind}"' in content


def test_answering_a_notice_twice_shows_the_services_message(county, assigned_case, login):
    notice = supervision.case_supervise(actor=county.office_user, case_id=assigned_case.pk, text="请加快")
    gxj = login(county.gxj_handler)
    assert_partial(post(gxj, assigned_case, "answer_supervision", {"reply": "已跟进"}, item=notice, htmx=True))
    response = post(gxj, assigned_case, "answer_supervision", {"reply": "再答"}, item=notice)
    assert "already replied" in form_errors(response)
    assert Supervision.objects.get().reply == "已跟进"


def test_deciding_a_reply_twice_shows_the_services_message(county, heads, in_progress_case, login):
    handling.reply_draft(actor=county.gxj_handler, case_id=in_progress_case.pk, outcome="solved", text="已办")
    reply = CaseReply.objects.get()
    head = login(county.gxj_head)
    assert_done(post(head, in_progress_case, "decide_reply", {"decision": "approve"}, item=reply), in_progress_case)
    response = post(head, in_progress_case, "decide_reply", {"decision": "approve"}, item=reply, htmx=True)
    assert response.status_code == 422 and "already decided" in form_errors(response)
