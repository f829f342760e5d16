"""The whole case loop (诉求闭环) through the real pages, each person in their own browser: the enterprise files a
problem from its phone; the office assigns it to 工信局 (lead), 发改局 (co-handling) and 酿溪镇 (locality);
发改局 returns it, the office reassigns the co-handling to 工信局中小企业股; the three units accept; 工信局 asks
for an extension the office approves, replies and its head approves; the enterprise rates 不满意 and reopens
the case from its phone; 工信局 replies again, its head approves, the enterprise rates 满意 and the case
closes. After every step the actor's page shows the new events and state, and the database agrees; at the end
the office reads the whole timeline and the trail verifies.

A second journey: a unit's handler submits a form the page showed before another unit changed the case; the
page says why nothing was done, and nothing changed.

Elements are found by data-testid, field name or value, never by visible text (see docs/testing.md).
"""

import re
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from cases.models import Assignment, Case, CaseCategory, CaseEvent, CaseReply, ExtensionRequest
from cases.selectors.detail import INTERNAL_EVENTS
from cases.services import dispatch, intake
from cases.services.trail import verify_case, verify_trail

State = Case.State
Kind = CaseEvent.Kind
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def action_form(page: Page, action: str) -> Locator:
    """The form of one action on the case page, its <details> opened first when it is folded."""
    box = page.get_by_test_id(f"action-{action}")
    expect(box).to_have_count(1)
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    form = box.locator("form")
    expect(form).to_be_visible()
    return form


def submit(form: Locator, *, status: int = 200, tap: bool = False) -> None:
    """Send an action's form (HTMX swaps the page part in place) and check the answer's status."""
    page = form.page
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        button = form.locator('button[type="submit"]')
        button.tap() if tap else button.click()
    assert answer.value.status == status, f"{answer.value.url}: {answer.value.status}"


def kinds_on(page: Page) -> list[str]:
    return page.get_by_test_id("event").evaluate_all("events => events.map(e => e.dataset.kind)")


class Trail:
    """The events the case should have so far; check(page) waits until the page shows them (as its viewer may
    read them), in the expected state, with the trail intact, and that the database agrees."""

    def __init__(self, case: Case):
        self.case, self.kinds = case, [Kind.SUBMITTED.value]

    def check(self, page: Page, *new: str, state: str, enterprise: bool = False) -> Case:
        self.kinds.extend(new)
        shown = [k for k in self.kinds if not (enterprise and k in INTERNAL_EVENTS)]
        expect(page.get_by_test_id("event")).to_have_count(len(shown))
        assert kinds_on(page) == shown
        expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", state)
        expect(page.get_by_test_id("trail")).to_have_attribute("data-intact", "yes")
        self.case.refresh_from_db()
        assert self.case.state == state
        assert list(self.case.events.order_by("seq").values_list("kind", flat=True)) == self.kinds
        return self.case


def assignments(case: Case) -> set[tuple[str, int, str]]:
    return {(a.role, a.unit_id, a.state) for a in case.assignments.all()}


def test_the_whole_case_loop_through_the_pages(county, new_page, phone_page, login_as, review_screenshot):
    # 1. The enterprise files the problem from its phone, through the navigation.
    ent = login_as(phone_page, county.ent_a_user)
    ent.locator('button[aria-controls="main-nav"]').tap()
    ent.locator(f'#main-nav a[href="{reverse("case_file")}"]').tap()
    form = ent.get_by_test_id("intake-form")
    financing = CaseCategory.objects.get(code="financing")
    form.locator('input[name="title"]').fill("贷款到期续贷困难")
    form.locator('textarea[name="description"]').fill(
        "企业流动资金贷款500万元下月到期，银行要求先还后贷，企业无力过桥。"
    )
    form.locator('select[name="category"]').select_option(str(financing.pk))
    form.locator('input[name="urgency"][value="urgent"]').tap()
    expect(form.locator('input[name="contact_name"]')).to_have_value(county.ent_a_user.full_name)
    form.locator('input[name="contact_phone"]').fill("13800001111")
    form.locator('input[name="files"]').set_input_files(pdf("贷款合同.pdf"))
    review_screenshot(ent, "case-file-phone")
    ent.get_by_test_id("intake-submit").tap()

    expect(ent).to_have_url(re.compile(rf"{re.escape(reverse('case_filed'))}$"))
    case = Case.objects.get()
    expect(ent.get_by_test_id("filed-case").get_by_test_id("case-number")).to_have_text(case.number)
    assert (case.enterprise, case.submitted_by, case.channel, case.state) == (
        county.ent_a,
        county.ent_a_user,
        Case.Channel.SELF_SERVICE,
        State.SUBMITTED,
    )
    assert (case.category, case.urgency, case.contact_phone) == (financing, "urgent", "13800001111")
    assert [a.original_name for a in case.attachments.all()] == ["贷款合同.pdf"]
    ent.get_by_test_id("case-link").tap()
    url = reverse("case_detail", args=[case.pk])
    expect(ent).to_have_url(re.compile(rf"{re.escape(url)}$"))
    expect(ent.get_by_test_id("expect-status")).to_be_visible()
    expect(ent.get_by_test_id("no-actions")).to_be_visible()
    trail = Trail(case)
    trail.check(ent, state=State.SUBMITTED, enterprise=True)
    review_screenshot(ent, "case-filed-phone")

    # 2. The office assigns it: 工信局 leads, 发改局 co-handles, 酿溪镇 is the locality.
    office = login_as(new_page(), county.office_user, next_url=url)
    expect(office.get_by_test_id("expect-dispatch")).to_be_visible()
    expect(office.get_by_test_id("attachment")).to_have_count(1)
    form = action_form(office, "assign")
    form.locator('select[name="assign-lead_unit"]').select_option(str(county.gxj.pk))
    form.locator('select[name="assign-co_units"]').select_option([str(county.fgj.pk)])
    form.locator('select[name="assign-locality_units"]').select_option([str(county.town_a_gov.pk)])
    expect(form.locator('select[name="assign-category"]')).to_have_value(str(financing.pk))
    submit(form)
    case = trail.check(office, Kind.ASSIGNED, state=State.ASSIGNED)
    assert case.lead_unit == county.gxj and case.accept_due_at and case.due_at
    assert assignments(case) == {
        ("lead", county.gxj.pk, "pending"),
        ("co", county.fgj.pk, "pending"),
        ("locality", county.town_a_gov.pk, "pending"),
    }

    # 3. 发改局 returns its part; the office reassigns the co-handling; the three units accept.
    fgj = login_as(new_page(), county.fgj_handler, next_url=url)
    expect(fgj.get_by_test_id("expect-accept")).to_be_visible()
    form = action_form(fgj, "return")
    form.locator('textarea[name="return-reason"]').fill("不属于本单位职责，建议由中小企业股协办")
    submit(form)
    case = trail.check(fgj, Kind.RETURNED, state=State.ASSIGNED)
    expect(fgj.get_by_test_id("return-reason")).to_have_text("不属于本单位职责，建议由中小企业股协办")
    returned = case.assignments.get(unit=county.fgj)
    assert (returned.state, returned.return_reason) == ("returned", "不属于本单位职责，建议由中小企业股协办")
    assert case.lead_unit == county.gxj and case.return_count == 0  # only the lead's return counts

    office.reload()
    form = action_form(office, "assign")
    # The form starts from the units still holding the case.
    expect(form.locator('select[name="assign-lead_unit"]')).to_have_value(str(county.gxj.pk))
    expect(form.locator('select[name="assign-locality_units"]')).to_have_value(str(county.town_a_gov.pk))
    form.locator('select[name="assign-co_units"]').select_option([str(county.gxj_sme.pk)])
    form.locator('textarea[name="assign-note"]').fill("发改局退回，改由中小企业股协办")
    submit(form)
    case = trail.check(office, Kind.REASSIGNED, state=State.ASSIGNED)
    assert assignments(case) == {
        ("lead", county.gxj.pk, "pending"),
        ("co", county.fgj.pk, "returned"),
        ("co", county.gxj_sme.pk, "pending"),
        ("locality", county.town_a_gov.pk, "pending"),
    }

    gxj = login_as(new_page(), county.gxj_handler, next_url=url)
    submit(action_form(gxj, "accept"))
    case = trail.check(gxj, Kind.ACCEPTED, state=State.IN_PROGRESS)
    for handler in (county.sme_handler, county.town_a_handler):
        unit_page = login_as(new_page(), handler, next_url=url)
        submit(action_form(unit_page, "accept"))
        case = trail.check(unit_page, Kind.ACCEPTED, state=State.IN_PROGRESS)
        expect(unit_page.get_by_test_id("action-accept")).to_have_count(0)
    live = {("lead", county.gxj.pk), ("co", county.gxj_sme.pk), ("locality", county.town_a_gov.pk)}
    assert {(a.role, a.unit_id) for a in case.assignments.filter(state=Assignment.State.ACCEPTED)} == live

    # 4. 工信局 asks for three more working days; the office approves.
    gxj.reload()
    form = action_form(gxj, "request_extension")
    form.locator('input[name="request_extension-days"]').fill("3")
    form.locator('textarea[name="request_extension-reason"]').fill("需协调银行审批")
    submit(form)
    case = trail.check(gxj, Kind.EXTENSION_REQUESTED, state=State.IN_PROGRESS)
    expect(gxj.get_by_test_id("pending-extension")).to_be_visible()
    extension = ExtensionRequest.objects.get(case=case)
    assert (extension.status, extension.days, extension.unit) == ("pending", 3, county.gxj)
    due_before = case.due_at
    review_screenshot(gxj, "case-unit-handler")

    office.reload()
    expect(office.get_by_test_id("expect-decide_extension")).to_be_visible()
    form = action_form(office, "decide_extension")
    form.locator('input[name$="-decision"][value="approve"]').check()
    form.locator('textarea[name$="-note"]').fill("同意延期")
    submit(form)
    case = trail.check(office, Kind.EXTENSION_APPROVED, state=State.IN_PROGRESS)
    extension.refresh_from_db()
    assert extension.status == "approved" and case.extension_days == 3 and case.due_at > due_before

    # 5. 工信局 replies (solved, with evidence); its head approves and the reply goes out.
    gxj.reload()
    form = action_form(gxj, "reply")
    form.locator('input[name="reply-outcome"][value="solved"]').check()
    form.locator('textarea[name="reply-text"]').fill("已协调银行办理续贷")
    form.locator('input[name="reply-files"]').set_input_files(pdf("续贷批复.pdf"))
    submit(form)
    case = trail.check(gxj, Kind.REPLY_DRAFTED, state=State.IN_PROGRESS)
    expect(gxj.get_by_test_id("pending-reply")).to_be_visible()
    assert CaseReply.objects.get(case=case).status == "pending"

    head = login_as(new_page(), county.gxj_head, next_url=url)
    expect(head.get_by_test_id("reply-draft")).to_contain_text("已协调银行办理续贷")
    form = action_form(head, "decide_reply")
    form.locator('input[name$="-decision"][value="approve"]').check()
    submit(form)
    case = trail.check(head, Kind.RESOLVED, state=State.RESOLVED)
    assert (case.outcome, case.resolution, case.resolved_on_time) == ("solved", "已协调银行办理续贷", True)
    assert CaseReply.objects.get(case=case).status == "approved"

    # 6. The enterprise reads the outcome on its phone, rates 不满意 and sends the case back (重办).
    ent.reload()
    expect(ent.get_by_test_id("expect-rate")).to_be_visible()
    expect(ent.get_by_test_id("case-resolution")).to_contain_text("已协调银行办理续贷")
    trail.check(ent, state=State.RESOLVED, enterprise=True)  # no draft, no extension request on its timeline
    form = action_form(ent, "rate")
    form.locator('input[name="rate-rating"][value="unsatisfied"]').tap()
    form.locator('textarea[name="rate-comment"]').fill("续贷利率过高")
    form.locator('input[name="rate-reopen"]').tap()
    review_screenshot(ent, "case-rate-phone")
    submit(form, tap=True)
    case = trail.check(ent, Kind.RATED, Kind.REOPENED, state=State.IN_PROGRESS, enterprise=True)
    expect(ent.get_by_test_id("case-reopened")).to_be_visible()
    assert (case.rating, case.rating_comment, case.reopen_count, case.outcome) == ("unsatisfied", "续贷利率过高", 1, "")

    # 7. 工信局 replies again, its head approves, the enterprise rates 满意 and the case closes.
    gxj.reload()
    form = action_form(gxj, "reply")
    form.locator('input[name="reply-outcome"][value="solved"]').check()
    form.locator('textarea[name="reply-text"]').fill("已协调银行降低续贷利率")
    submit(form)
    trail.check(gxj, Kind.REPLY_DRAFTED, state=State.IN_PROGRESS)

    head.reload()
    form = action_form(head, "decide_reply")
    form.locator('input[name$="-decision"][value="approve"]').check()
    submit(form)
    case = trail.check(head, Kind.RESOLVED, state=State.RESOLVED)
    assert case.resolution == "已协调银行降低续贷利率" and case.rating == ""

    ent.reload()
    form = action_form(ent, "rate")
    form.locator('input[name="rate-rating"][value="satisfied"]').tap()
    form.locator('textarea[name="rate-comment"]').fill("感谢")
    submit(form, tap=True)
    case = trail.check(ent, Kind.RATED, Kind.CLOSED, state=State.CLOSED, enterprise=True)
    expect(ent.get_by_test_id("case-rating")).to_be_visible()
    expect(ent.get_by_test_id("no-actions")).to_be_visible()
    assert (case.state, case.rating, case.reopen_count, case.extension_days) == (State.CLOSED, "satisfied", 1, 0)
    assert case.closed_at is not None

    # 8. The office reads every step on the timeline, in order, and the trail verifies.
    office.reload()
    trail.check(office, state=State.CLOSED)
    assert trail.kinds == [
        "submitted", "assigned", "returned", "reassigned", "accepted", "accepted", "accepted",
        "extension_requested", "extension_approved", "reply_drafted", "resolved", "rated", "reopened",
        "reply_drafted", "resolved", "rated", "closed",
    ]  # fmt: skip
    seqs = office.get_by_test_id("event").evaluate_all("events => events.map(e => Number(e.dataset.seq))")
    assert seqs == list(range(1, len(trail.kinds) + 1))
    expect(office.get_by_test_id("attachment")).to_have_count(2)
    expect(office.get_by_test_id("case-actions").locator('[data-testid="action-assign"]')).to_have_count(0)
    review_screenshot(office, "case-office-timeline")

    assert verify_case(case, list(case.events.order_by("seq"))) is None
    assert list(verify_trail(Case.objects.all())) == []
    out = StringIO()
    call_command("verify_trail", case.number, stdout=out)
    assert out.getvalue().startswith("1 case trails verified")


def test_a_stale_form_is_refused_with_the_reason_and_nothing_changes(county, new_page, login_as):
    financing = CaseCategory.objects.get(code="financing")
    (case,) = intake.case_submit(
        actor=county.ent_a_user,
        enterprise_ids=[county.ent_a.pk],
        channel=Case.Channel.SELF_SERVICE,
        title="厂房用电增容",
        description="新生产线需要增容至2000千伏安。",
        category_id=financing.pk,
    )
    dispatch.case_assign(
        actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk, co_unit_ids=[county.fgj.pk]
    )
    url = reverse("case_detail", args=[case.pk])

    # 发改局's handler opens the case and starts returning its part...
    fgj = login_as(new_page(), county.fgj_handler, next_url=url)
    form = action_form(fgj, "return")
    form.locator('textarea[name="return-reason"]').fill("不属于本单位职责")

    # ...while 工信局, the lead, returns the whole case to the office.
    gxj = login_as(new_page(), county.gxj_handler, next_url=url)
    form_gxj = action_form(gxj, "return")
    form_gxj.locator('textarea[name="return-reason"]').fill("应由发改局主办")
    submit(form_gxj)
    expect(gxj.get_by_test_id("case-state")).to_have_attribute("data-state", State.RETURNED)
    case.refresh_from_db()
    before = (case.state, case.return_count, case.event_count, assignments(case))
    assert before[:2] == (State.RETURNED, 1)

    # The page 发改局 still shows offers a return the case no longer allows.
    submit(form, status=422)
    refused = fgj.get_by_test_id("action-refused")
    with translation.override("zh-hans"):
        message = translation.gettext("Case %(number)s is %(state)s: it cannot be %(action)s now.") % {
            "number": case.number,
            "state": State.RETURNED.label,
            "action": translation.gettext("returned"),
        }
    expect(refused).to_contain_text(message)
    # The page is the case as it now stands: returned, and nothing left for 发改局 to return.
    expect(fgj.get_by_test_id("case-state")).to_have_attribute("data-state", State.RETURNED)
    expect(fgj.get_by_test_id("action-return")).to_have_count(0)
    case.refresh_from_db()
    assert (case.state, case.return_count, case.event_count, assignments(case)) == before
    assert case.assignments.get(unit=county.fgj).state == Assignment.State.PENDING
