"""The whole loop of the issue's "Done when" through the case page's action views, as the people involved
would click it: the enterprise files (through the service), the office assigns to two units and a locality,
the lead returns it, the office reassigns, the new lead accepts, asks for an extension the office approves,
replies and its head approves, the enterprise rates 不满意 and reopens, the unit replies again, the
enterprise rates 满意 and the case closes. Every step is checked on the rendered timeline."""

import re
from html import unescape

from django.urls import reverse

from cases.models import Case, CaseCategory, CaseReply, ExtensionRequest
from cases.tests.test_detail_support import event_kinds, html, pdf, post

pytest_plugins = ["cases.tests.test_detail_support"]

State = Case.State


def test_the_whole_loop_through_the_page(county, heads, file_case, login):
    office, ent = login(county.office_user), login(county.ent_a_user)
    gxj, fgj, head = login(county.gxj_handler), login(county.fgj_handler), login(county.gxj_head)
    case = file_case(uploads=[pdf("贷款合同.pdf")])
    url = reverse("case_detail", args=[case.pk])
    seen = ["submitted"]

    def step(client, action, data=None, *, item=None, state, kinds, says=()):
        """Act through the view, then read the page as the office: the state, the new events, their words."""
        response = post(client, case, action, data, item=item)
        assert response.status_code == 302, f"{action}: {html(response)[:2000]}"
        page = office.get(url)
        content = html(page)
        assert f'data-testid="case-state" data-state="{state}"' in content, action
        seen.extend(kinds)
        assert event_kinds(page) == seen, action
        timeline = unescape(content[content.index('data-testid="case-timeline"') :])
        for words in says:
            assert words in timeline, f"{action}: {words!r} not on the timeline"
        assert 'data-testid="trail" data-intact="yes"' in content
        return content

    first = office.get(url)
    assert event_kinds(first) == seen and "贷款合同.pdf" in html(first)

    financing = CaseCategory.objects.get(code="financing").pk
    assign = {"category": financing, "urgency": "normal"}
    step(
        office,
        "assign",
        {**assign, "lead_unit": county.fgj.pk, "co_units": [county.gxj.pk], "locality_units": [county.town_a_gov.pk]},
        state=State.ASSIGNED,
        kinds=["assigned"],
        says=["Assigned to 县发改局 as lead unit.", "Co-handling: 县工信局.", "Locality: 酿溪镇人民政府."],
    )
    step(
        fgj,
        "return",
        {"reason": "不属于本单位职责"},
        state=State.RETURNED,
        kinds=["returned"],
        says=["Returned by the lead unit.", "不属于本单位职责", "发改经办"],
    )
    step(
        office,
        "assign",
        {
            **assign,
            "lead_unit": county.gxj.pk,
            "co_units": [county.fgj.pk],
            "locality_units": [county.town_a_gov.pk],
            "note": "改由工信局主办",
        },
        state=State.ASSIGNED,
        kinds=["reassigned"],
        says=["Reassigned to 县工信局 as lead unit.", "改由工信局主办"],
    )
    step(gxj, "accept", state=State.IN_PROGRESS, kinds=["accepted"], says=["Accepted as lead, on time."])
    due_before = Case.objects.get(pk=case.pk).due_at

    step(
        gxj,
        "request_extension",
        {"days": "3", "reason": "需协调银行审批"},
        state=State.IN_PROGRESS,
        kinds=["extension_requested"],
        says=["Asked for 3 more working days.", "需协调银行审批"],
    )
    extension = ExtensionRequest.objects.get(case=case)
    step(
        office,
        "decide_extension",
        {"decision": "approve", "note": "同意延期"},
        item=extension,
        state=State.IN_PROGRESS,
        kinds=["extension_approved"],
        says=["Extension of 3 working days approved.", "同意延期"],
    )
    assert Case.objects.get(pk=case.pk).due_at > due_before

    step(
        gxj,
        "reply",
        {"outcome": "solved", "text": "已协调银行办理续贷", "files": [pdf("续贷批复.pdf")]},
        state=State.IN_PROGRESS,
        kinds=["reply_drafted"],
        says=["Reply drafted: solved.", "已协调银行办理续贷", "续贷批复.pdf"],
    )
    reply = CaseReply.objects.get(case=case, status="pending")
    step(
        head,
        "decide_reply",
        {"decision": "approve"},
        item=reply,
        state=State.RESOLVED,
        kinds=["resolved"],
        says=["Resolved: solved, within the deadline.", "工信局长"],
    )

    # The enterprise reads the outcome and is asked to rate; it does not read the unit's internal records.
    own = ent.get(url)
    own_content = html(own)
    assert 'data-testid="expect-rate"' in own_content and "已协调银行办理续贷" in own_content
    assert "reply_drafted" not in event_kinds(own) and "extension_requested" not in event_kinds(own)
    assert 'data-intact="yes"' in own_content

    step(
        ent,
        "rate",
        {"rating": "unsatisfied", "comment": "续贷利率过高", "reopen": "on"},
        state=State.IN_PROGRESS,
        kinds=["rated", "reopened"],
        says=["Rated “unsatisfied” by the enterprise.", "续贷利率过高", "Reopened (reopen no. 1)"],
    )
    step(
        gxj,
        "reply",
        {"outcome": "solved", "text": "已协调降低利率"},
        state=State.IN_PROGRESS,
        kinds=["reply_drafted"],
        says=["已协调降低利率"],
    )
    reply = CaseReply.objects.get(case=case, status="pending")
    step(head, "decide_reply", {"decision": "approve"}, item=reply, state=State.RESOLVED, kinds=["resolved"])
    content = step(
        ent,
        "rate",
        {"rating": "satisfied", "comment": "感谢"},
        state=State.CLOSED,
        kinds=["rated", "closed"],
        says=["Rated “satisfied” by the enterprise.", "Closed after the enterprise's rating."],
    )

    case.refresh_from_db()
    # The reopening started a new clock: the extension belonged to the first one.
    assert (case.state, case.rating, case.reopen_count, case.return_count, case.extension_days) == (
        State.CLOSED,
        "satisfied",
        1,
        1,
        0,
    )
    assert 'data-testid="case-rating"' in content and len(re.findall(r'data-testid="attachment"', content)) == 2
    final = ent.get(url)
    assert event_kinds(final) == [
        "submitted", "assigned", "returned", "reassigned", "accepted", "extension_approved", "resolved", "rated",
        "reopened", "resolved", "rated", "closed",
    ]  # fmt: skip
    assert 'data-testid="no-actions"' in html(final)
