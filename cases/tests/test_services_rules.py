"""The lifecycle services refuse what the state or the actor does not allow, with a clear message, and
change nothing when they refuse."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cases.models import Assignment, Case, CaseReply, ExtensionRequest
from cases.services import dispatch, handling, intake, review, supervision

State = Case.State


def events(case):
    return Case.objects.get(pk=case.pk).event_count


def refused(error, call, case):
    before = events(case)
    state = Case.objects.get(pk=case.pk).state
    with pytest.raises(error) as raised:
        call()
    after = Case.objects.get(pk=case.pk)
    assert after.event_count == before and after.state == state
    return str(raised.value)


# Intake ---------------------------------------------------------------------------------------------------


def test_an_enterprise_files_only_for_itself(county, file_case):
    with pytest.raises(PermissionDenied):
        file_case(enterprise=county.ent_a, actor=county.ent_b_user)
    assert not Case.objects.exists()


def test_office_channels_are_the_office_s(county, file_case):
    with pytest.raises(PermissionDenied):
        file_case(actor=county.gxj_handler, channel=Case.Channel.HOTLINE)
    case = file_case(actor=county.office_user, channel=Case.Channel.HOTLINE, contact_phone="13800001111")
    assert case.channel == "hotline" and case.contact_phone == "13800001111"


def test_bad_input_names_the_field(county, file_case):
    with pytest.raises(ValidationError) as error:
        file_case(title="  ")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        file_case(category_id=999999)
    assert "category" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        file_case(urgency="whenever")
    assert "urgency" in error.value.message_dict


def test_numbers_run_per_year_without_gaps(county, file_case):
    first, second = file_case(), file_case()
    year = first.year
    assert [first.number, second.number] == [f"{year}-00001", f"{year}-00002"]


def test_several_enterprises_make_a_common_issue(county, category):
    cases = intake.case_submit(
        actor=county.office_user,
        enterprise_ids=[county.ent_a.pk, county.ent_b.pk, county.ent_c.pk],
        title="园区道路破损影响货车通行",
        description="工业园区主干道多处破损。",
        category_id=category.pk,
        channel=Case.Channel.RECEPTION_DAY,
    )
    assert len(cases) == 3 and len({c.common_issue_id for c in cases}) == 1
    assert all(c.events.filter(kind="merged").exists() for c in cases)


def test_an_external_reference_is_taken_once(county, file_case):
    case = file_case(actor=county.office_user, channel=Case.Channel.API, external_ref="12345-0001")
    with pytest.raises(intake.DuplicateExternalRef) as duplicate:
        file_case(actor=county.office_user, channel=Case.Channel.API, external_ref="12345-0001")
    assert duplicate.value.existing == case


def test_the_qr_token_names_its_enterprise_and_rejects_forgeries(county):
    token = intake.intake_token(county.ent_b)
    assert intake.enterprise_for_token(token) == county.ent_b
    with pytest.raises(ValidationError):
        intake.enterprise_for_token(token[:-2] + "xx")


def test_qr_filing_needs_no_account_but_a_phone(county, category):
    def qr(**contact):
        return intake.case_submit(
            actor=None,
            enterprise_ids=[county.ent_a.pk],
            channel=Case.Channel.QR_CODE,
            title="停电频繁",
            description="每周停电两三次。",
            category_id=category.pk,
            **contact,
        )[0]

    with pytest.raises(ValidationError) as error:
        qr(contact_name="张三")
    assert "contact_phone" in error.value.message_dict
    case = qr(contact_name="张三", contact_phone="13900002222")
    assert case.submitted_by is None and case.events.get().actor is None


# Dispatch -------------------------------------------------------------------------------------------------


def test_only_the_office_assigns(county, file_case):
    case = file_case()
    message = refused(
        PermissionDenied,
        lambda: dispatch.case_assign(actor=county.gxj_head, case_id=case.pk, lead_unit_id=county.gxj.pk),
        case,
    )
    assert "office" in message


def test_a_unit_cannot_hold_two_roles(county, file_case):
    case = file_case()
    with pytest.raises(ValidationError):
        dispatch.case_assign(
            actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk, co_unit_ids=[county.gxj.pk]
        )
    with pytest.raises(ValidationError):
        dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.office.pk)


def test_no_reassignment_after_the_lead_accepted(county, assigned_case):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    message = refused(
        ValidationError,
        lambda: dispatch.case_assign(actor=county.office_user, case_id=assigned_case.pk, lead_unit_id=county.fgj.pk),
        assigned_case,
    )
    assert assigned_case.number in message


def test_reject_as_duplicate_needs_the_original(county, file_case):
    original, copy = file_case(), file_case()
    with pytest.raises(ValidationError):
        dispatch.case_reject(actor=county.office_user, case_id=copy.pk, reason="duplicate", note="重复")
    dispatch.case_reject(
        actor=county.office_user,
        case_id=copy.pk,
        reason="duplicate",
        note="重复提交",
        duplicate_of_number=original.number,
    )
    copy.refresh_from_db()
    assert copy.state == State.REJECTED and copy.duplicate_of == original


# Handling -------------------------------------------------------------------------------------------------


def test_another_unit_cannot_see_let_alone_accept(county, assigned_case):
    with pytest.raises(Http404):
        handling.case_accept(actor=county.sme_handler, case_id=assigned_case.pk)


def test_the_enterprise_cannot_accept(county, assigned_case):
    refused(
        PermissionDenied, lambda: handling.case_accept(actor=county.ent_a_user, case_id=assigned_case.pk), assigned_case
    )


def test_accept_twice_is_refused(county, assigned_case):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    refused(
        PermissionDenied,
        lambda: handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk),
        assigned_case,
    )


def test_a_co_handler_returning_leaves_the_case_with_the_lead(county, assigned_case):
    handling.case_return(actor=county.fgj_handler, case_id=assigned_case.pk, reason="与本单位无关")
    assigned_case.refresh_from_db()
    assert assigned_case.state == State.ASSIGNED and assigned_case.return_count == 0
    assert assigned_case.assignments.get(unit=county.fgj).state == Assignment.State.RETURNED


def test_a_return_needs_a_reason(county, assigned_case):
    with pytest.raises(ValidationError):
        handling.case_return(actor=county.gxj_handler, case_id=assigned_case.pk, reason=" ")


def test_only_the_lead_replies_and_only_its_head_approves(county, heads, assigned_case):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    handling.case_accept(actor=county.fgj_handler, case_id=assigned_case.pk)
    refused(
        PermissionDenied,
        lambda: handling.reply_draft(actor=county.fgj_handler, case_id=assigned_case.pk, outcome="solved", text="x"),
        assigned_case,
    )
    handling.reply_draft(actor=county.gxj_handler, case_id=assigned_case.pk, outcome="explained", text="已解释政策")
    reply = CaseReply.objects.get(case=assigned_case)
    with pytest.raises(PermissionDenied):
        handling.reply_decide(actor=county.fgj_head, reply_id=reply.pk, approve=True)
    with pytest.raises(PermissionDenied):
        handling.reply_decide(actor=county.gxj_handler, reply_id=reply.pk, approve=True)
    with pytest.raises(ValidationError):  # sending back needs a note
        handling.reply_decide(actor=county.gxj_head, reply_id=reply.pk, approve=False)
    handling.reply_decide(actor=county.gxj_head, reply_id=reply.pk, approve=False, note="请补充佐证材料")
    assigned_case.refresh_from_db()
    assert assigned_case.state == State.IN_PROGRESS
    assert CaseReply.objects.get(pk=reply.pk).status == CaseReply.Status.SENT_BACK


def test_extension_limits_and_one_pending_at_a_time(county, assigned_case):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    with pytest.raises(ValidationError):
        handling.extension_request(actor=county.gxj_handler, case_id=assigned_case.pk, days=0, reason="x")
    with pytest.raises(ValidationError):
        handling.extension_request(actor=county.gxj_handler, case_id=assigned_case.pk, days="three", reason="x")
    handling.extension_request(actor=county.gxj_handler, case_id=assigned_case.pk, days=3, reason="需要审批")
    refused(
        ValidationError,
        lambda: handling.extension_request(actor=county.gxj_handler, case_id=assigned_case.pk, days=2, reason="再延"),
        assigned_case,
    )
    request = ExtensionRequest.objects.get(case=assigned_case)
    with pytest.raises(PermissionDenied):
        handling.extension_decide(actor=county.gxj_head, extension_id=request.pk, approve=True)


def test_waiting_and_resuming_belong_to_the_lead_and_the_enterprise(county, assigned_case):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    handling.case_accept(actor=county.fgj_handler, case_id=assigned_case.pk)
    with pytest.raises(PermissionDenied):
        handling.case_wait(actor=county.fgj_handler, case_id=assigned_case.pk, request="材料")
    handling.case_wait(actor=county.gxj_handler, case_id=assigned_case.pk, request="请补充材料")
    with pytest.raises(ValidationError):  # the enterprise says what it supplies
        handling.case_resume(actor=county.ent_a_user, case_id=assigned_case.pk, note="")
    with pytest.raises(Http404):
        handling.case_resume(actor=county.ent_b_user, case_id=assigned_case.pk, note="x")
    handling.case_resume(actor=county.ent_a_colleague, case_id=assigned_case.pk, note="已补充")
    assert Case.objects.get(pk=assigned_case.pk).state == State.IN_PROGRESS


# Review ---------------------------------------------------------------------------------------------------


@pytest.fixture
def resolved_case(county, heads, assigned_case):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    handling.reply_draft(actor=county.gxj_head, case_id=assigned_case.pk, outcome="solved", text="已解决")
    assigned_case.refresh_from_db()
    return assigned_case


def test_only_the_enterprise_rates_and_only_once(county, resolved_case):
    refused(
        PermissionDenied,
        lambda: review.case_rate(actor=county.office_user, case_id=resolved_case.pk, rating="satisfied"),
        resolved_case,
    )
    with pytest.raises(ValidationError):  # unsatisfied needs a comment
        review.case_rate(actor=county.ent_a_user, case_id=resolved_case.pk, rating="unsatisfied")
    review.case_rate(actor=county.ent_a_user, case_id=resolved_case.pk, rating="unsatisfied", comment="没解决")
    resolved_case.refresh_from_db()
    assert resolved_case.state == State.RESOLVED and resolved_case.rating == "unsatisfied"
    refused(
        ValidationError,
        lambda: review.case_rate(actor=county.ent_a_colleague, case_id=resolved_case.pk, rating="satisfied"),
        resolved_case,
    )
    review.case_reopen(actor=county.ent_a_colleague, case_id=resolved_case.pk, reason="仍未解决")
    resolved_case.refresh_from_db()
    assert resolved_case.state == State.IN_PROGRESS and resolved_case.reopen_count == 1


def test_a_satisfied_case_closes_and_cannot_be_reopened(county, resolved_case):
    review.case_rate(actor=county.ent_a_user, case_id=resolved_case.pk, rating="basically_satisfied")
    resolved_case.refresh_from_db()
    assert resolved_case.state == State.CLOSED and resolved_case.closed_at
    refused(
        ValidationError,
        lambda: review.case_reopen(actor=county.ent_a_user, case_id=resolved_case.pk, reason="x"),
        resolved_case,
    )


def test_the_office_records_a_phone_rating(county, resolved_case):
    review.callback_record(actor=county.office_user, case_id=resolved_case.pk, reached=True, rating="satisfied")
    resolved_case.refresh_from_db()
    assert resolved_case.state == State.CLOSED and resolved_case.rating == "satisfied"
    rated = resolved_case.events.get(kind="rated")
    assert rated.payload["via"] == "phone"


def test_the_office_closes_an_unrated_case_with_a_note(county, resolved_case):
    with pytest.raises(ValidationError):
        review.case_close(actor=county.office_user, case_id=resolved_case.pk, note="")
    review.case_close(actor=county.office_user, case_id=resolved_case.pk, note="多次联系未果")
    resolved_case.refresh_from_db()
    assert resolved_case.state == State.CLOSED and resolved_case.rating == "unrated"


# Supervision ----------------------------------------------------------------------------------------------


def test_a_leader_lists_and_only_they_or_the_office_unlist(county, assigned_case, make_user):
    from accounts.models import Role

    with pytest.raises(Http404):  # not linked to ent_a: does not even see it
        supervision.case_list(actor=county.leader, case_id=assigned_case.pk, note="重点督办")
    supervision.case_list(actor=county.office_user, case_id=assigned_case.pk, note="重点督办")
    assigned_case.refresh_from_db()
    assert assigned_case.listed_at and assigned_case.listed_by == county.office_user
    other_leader = make_user("leader2", Role.LEADER, unit=county.gov)
    with pytest.raises(Http404):
        supervision.case_unlist(actor=other_leader, case_id=assigned_case.pk)
    supervision.case_unlist(actor=county.office_user, case_id=assigned_case.pk)
    assert not Case.objects.get(pk=assigned_case.pk).listed_at


def test_supervision_goes_to_a_holding_unit_and_is_answered_by_it(county, assigned_case):
    with pytest.raises(ValidationError):
        supervision.case_supervise(
            actor=county.office_user, case_id=assigned_case.pk, text="请加快", unit_id=county.town_b_gov.pk
        )
    notice = supervision.case_supervise(actor=county.office_user, case_id=assigned_case.pk, text="请加快办理")
    assert notice.unit == county.gxj
    with pytest.raises(PermissionDenied):
        supervision.supervision_reply(actor=county.fgj_handler, supervision_id=notice.pk, reply="x")
    supervision.supervision_reply(actor=county.gxj_handler, supervision_id=notice.pk, reply="已加快办理")
    with pytest.raises(ValidationError):
        supervision.supervision_reply(actor=county.gxj_handler, supervision_id=notice.pk, reply="again")
