"""The whole loop of the issue's "Done when", through the service functions: filed by the enterprise,
assigned to two units and a locality, returned, reassigned, accepted, extended, resolved, rated 不满意,
reopened, resolved again, rated 满意, closed; every step on the trail, and the chain verifies."""

from cases.models import Assignment, Case, CaseEvent, CaseReply, ExtensionRequest
from cases.services import dispatch, handling, review
from cases.services.trail import verify_trail

State = Case.State


def test_the_whole_loop(county, heads, file_case):
    case = file_case()
    assert case.state == State.SUBMITTED and case.number.startswith(f"{case.year}-")

    dispatch.case_assign(
        actor=county.office_user,
        case_id=case.pk,
        lead_unit_id=county.fgj.pk,
        co_unit_ids=[county.gxj.pk],
        locality_unit_ids=[county.town_a_gov.pk],
    )
    case.refresh_from_db()
    assert case.state == State.ASSIGNED and case.lead_unit == county.fgj and case.due_at is not None

    handling.case_return(actor=county.fgj_handler, case_id=case.pk, reason="不属于本单位职责")
    case.refresh_from_db()
    assert case.state == State.RETURNED and case.return_count == 1

    dispatch.case_assign(
        actor=county.office_user,
        case_id=case.pk,
        lead_unit_id=county.gxj.pk,
        co_unit_ids=[county.fgj.pk],
        locality_unit_ids=[county.town_a_gov.pk],
    )
    handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS
    due_before = case.due_at

    handling.extension_request(actor=county.gxj_handler, case_id=case.pk, days=3, reason="需协调银行审批")
    extension = ExtensionRequest.objects.get(case=case)
    handling.extension_decide(actor=county.office_user, extension_id=extension.pk, approve=True)
    case.refresh_from_db()
    assert case.due_at > due_before and case.extension_days == 3

    handling.reply_draft(actor=county.gxj_handler, case_id=case.pk, outcome="solved", text="已协调银行办理续贷")
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS
    reply = CaseReply.objects.get(case=case, status="pending")
    handling.reply_decide(actor=county.gxj_head, reply_id=reply.pk, approve=True)
    case.refresh_from_db()
    assert case.state == State.RESOLVED and case.outcome == "solved"

    review.case_rate(
        actor=county.ent_a_user, case_id=case.pk, rating="unsatisfied", comment="续贷利率过高", reopen=True
    )
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and case.reopen_count == 1

    handling.reply_draft(actor=county.gxj_head, case_id=case.pk, outcome="solved", text="已协调降低利率")
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    review.case_rate(actor=county.ent_a_user, case_id=case.pk, rating="satisfied")
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.rating == "satisfied"

    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        "submitted", "assigned", "returned", "reassigned", "accepted", "extension_requested",
        "extension_approved", "reply_drafted", "resolved", "rated", "reopened", "reply_drafted",
        "resolved", "rated", "closed",
    ]  # fmt: skip
    assert list(verify_trail()) == []
    assert Assignment.objects.filter(case=case, state="returned").count() == 1
    assert CaseEvent.objects.filter(case=case).count() == case.event_count
