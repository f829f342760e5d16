"""The case page: who sees it (out of scope is 404), what it shows each of them (contact masked, internal
records hidden from the enterprise, the trail verified), what it asks of them, the attachment downloads,
and its pinned query count."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import Case, CaseAttachment, CaseEvent, CaseReply
from cases.services import dispatch, handling, intake, supervision
from cases.tests.test_detail_support import action_names, event_kinds, html, pdf

pytest_plugins = ["cases.tests.test_detail_support"]

State = Case.State


def page_url(case) -> str:
    return reverse("case_detail", args=[case.pk])


# Who sees the page -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office_user", 200),
        ("auditor", 200),
        ("gxj_handler", 200),  # lead unit
        ("gxj_head", 200),
        ("fgj_handler", 200),  # co-handling unit
        ("town_a_handler", 200),  # locality
        ("sme_handler", 404),  # a unit below the lead, with its own-unit scope
        ("ent_a_user", 200),  # the enterprise
        ("ent_a_colleague", 200),
        ("ent_b_user", 404),  # another enterprise
        ("leader", 404),  # a leader not linked to ent_a
        ("cadre", 404),
    ],
)
def test_who_sees_the_page(county, assigned_case, login, who, status):
    response = login(getattr(county, who)).get(page_url(assigned_case))
    assert response.status_code == status
    if status == 200:
        assert 'data-testid="case-number">' + assigned_case.number in html(response)


def test_a_unit_without_an_assignment_does_not_see_it(county, assigned_case, login, make_user):
    town_b_handler = make_user("town_b_handler", Role.UNIT_HANDLER, unit=county.town_b_gov)
    assert login(town_b_handler).get(page_url(assigned_case)).status_code == 404


def test_the_linked_leader_and_cadre_see_their_enterprises_cases(county, file_case, login):
    case = file_case(enterprise=county.ent_c, actor=county.office_user, channel=Case.Channel.OFFICE)
    for user in (county.leader, county.cadre):
        response = login(user).get(page_url(case))
        assert response.status_code == 200
        # A leader may list it for supervision; a cadre has nothing to do on it.
        assert ("list" in action_names(response)) is (user == county.leader)


def test_signed_out_visitors_go_to_the_login_page(client, assigned_case):
    response = client.get(page_url(assigned_case))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# What it shows ----------------------------------------------------------------------------------------------


def test_the_page_shows_the_case(county, assigned_case, login):
    response = login(county.office_user).get(page_url(assigned_case))
    content = html(response)
    assert assigned_case.title in content and "企业流动资金贷款500万元" in content
    assert reverse("enterprise_detail", args=[county.ent_a.pk]) in content
    assert 'data-state="assigned"' in content and 'data-level="on_time"' in content
    assert 'data-testid="due-at"' in content and 'data-testid="accept-due"' in content
    roles = [(a.unit.name, a.role, a.state) for a in response.context["assignments"]]
    assert roles == [
        ("县工信局", "lead", "pending"),
        ("县发改局", "co", "pending"),
        ("酿溪镇人民政府", "locality", "pending"),
    ]
    assert event_kinds(response) == ["submitted", "assigned"]
    assert 'data-testid="trail" data-intact="yes"' in content
    assert "县工信局" in content and "县发改局" in content  # the assignment event names the units


def test_the_contact_phone_is_masked_for_those_who_need_not_call(county, file_case, login):
    case = file_case(contact_name="张经理", contact_phone="13812345678")
    dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk)
    for user, shown in [
        (county.office_user, "13812345678"),
        (county.ent_a_user, "13812345678"),
        (county.gxj_handler, "13812345678"),  # the unit working on it must be able to call back
        (county.auditor, "138****5678"),
    ]:
        content = html(login(user).get(page_url(case)))
        assert "张经理" in content and shown in content
        assert ("13812345678" in content) is (shown == "13812345678")
    # A unit that sent its part back has no call to make any more.
    dispatch.case_assign(
        actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk, co_unit_ids=[county.fgj.pk]
    )
    handling.case_return(actor=county.fgj_handler, case_id=case.pk, reason="不属于本单位职责")
    assert "138****5678" in html(login(county.fgj_handler).get(page_url(case)))


def test_the_enterprise_does_not_read_internal_records_but_the_whole_trail_is_verified(county, assigned_case, login):
    supervision.case_supervise(actor=county.office_user, case_id=assigned_case.pk, text="请加快办理")
    office = login(county.office_user).get(page_url(assigned_case))
    assert event_kinds(office) == ["submitted", "assigned", "supervised"]
    own = login(county.ent_a_user).get(page_url(assigned_case))
    assert event_kinds(own) == ["submitted", "assigned"]
    assert "请加快办理" not in html(own)
    assert 'data-intact="yes"' in html(own) and own.context["trail_length"] == 3


def test_a_changed_event_shows_the_broken_link(county, assigned_case, login):
    # A write behind the services' back (queryset update bypasses the append-only save()).
    CaseEvent.objects.filter(case=assigned_case, seq=2).update(payload={"note": "改过"})
    response = login(county.office_user).get(page_url(assigned_case))
    assert 'data-testid="trail" data-intact="no"' in html(response)
    assert response.context["broken_link"].seq == 2


def test_deadline_levels(county, assigned_case, login):
    client = login(county.office_user)
    Case.objects.filter(pk=assigned_case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert 'data-level="overdue"' in html(client.get(page_url(assigned_case)))
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    handling.case_wait(actor=county.gxj_handler, case_id=assigned_case.pk, request="请补充近三个月流水")
    content = html(client.get(page_url(assigned_case)))
    assert 'data-level="paused"' in content and 'data-testid="paused-since"' in content


def test_a_submitted_case_has_no_deadline_badge(county, file_case, login):
    content = html(login(county.office_user).get(page_url(file_case())))
    assert 'data-testid="deadline-level"' not in content and 'data-state="submitted"' in content


def test_listed_cases_are_marked(county, assigned_case, login):
    supervision.case_list(actor=county.office_user, case_id=assigned_case.pk, note="重大事项")
    response = login(county.gxj_handler).get(page_url(assigned_case))
    assert 'data-testid="case-listed"' in html(response)


def test_the_common_issue_shows_the_members_the_viewer_may_see(county, category, login):
    cases = intake.case_submit(
        actor=county.office_user,
        enterprise_ids=[county.ent_a.pk, county.ent_b.pk],
        title="园区道路破损影响物流",
        description="多家企业反映园区道路破损。",
        category_id=category.pk,
        channel=Case.Channel.OFFICE,
    )
    office = login(county.office_user).get(page_url(cases[0]))
    assert 'data-testid="case-common-issue"' in html(office)
    assert [m.pk for m in office.context["members"]] == [cases[1].pk]
    assert "unmerge" in action_names(office)
    own = login(county.ent_a_user).get(page_url(cases[0]))
    assert "园区道路破损影响物流" in html(own) and own.context["members"] == []
    assert cases[1].number not in html(own)


# What it asks of each viewer ----------------------------------------------------------------------------------


def test_the_office_is_asked_to_dispatch_a_new_case(county, file_case, login):
    response = login(county.office_user).get(page_url(file_case()))
    assert 'data-testid="expect-dispatch"' in html(response)
    assert {"assign", "reject", "list"} <= set(action_names(response))


def test_each_unit_is_asked_to_accept_its_part(county, assigned_case, login):
    for user in (county.gxj_handler, county.fgj_handler, county.town_a_handler):
        response = login(user).get(page_url(assigned_case))
        assert 'data-testid="expect-accept"' in html(response)
        assert "accept" in action_names(response) and "assign" not in action_names(response)


def test_the_enterprise_is_asked_to_rate_a_resolved_case(county, resolved_case, login):
    response = login(county.ent_a_user).get(page_url(resolved_case))
    content = html(response)
    assert 'data-testid="expect-rate"' in content and 'data-testid="case-resolution"' in content
    assert "已协调银行续贷" in content
    assert action_names(response)[0] == "rate"
    assert 'name="rate-reopen"' in content


def test_the_enterprise_is_told_what_material_is_needed(county, in_progress_case, login):
    handling.case_wait(actor=county.gxj_handler, case_id=in_progress_case.pk, request="请补充近三个月银行流水")
    response = login(county.ent_a_user).get(page_url(in_progress_case))
    content = html(response)
    assert 'data-testid="expect-material"' in content and "请补充近三个月银行流水" in content
    assert action_names(response) == ["resume"]
    assert 'enctype="multipart/form-data"' in content


def test_a_reader_without_actions_is_told_so(county, assigned_case, login):
    response = login(county.auditor).get(page_url(assigned_case))
    assert action_names(response) == [] and 'data-testid="no-actions"' in html(response)


def test_the_handler_sees_the_reply_awaiting_the_head(county, heads, in_progress_case, login):
    handling.reply_draft(actor=county.gxj_handler, case_id=in_progress_case.pk, outcome="solved", text="已办理")
    handler = login(county.gxj_handler).get(page_url(in_progress_case))
    assert 'data-testid="pending-reply"' in html(handler) and "reply" not in action_names(handler)
    head = login(county.gxj_head).get(page_url(in_progress_case))
    assert "decide_reply" in action_names(head) and 'data-testid="reply-draft"' in html(head)
    assert 'data-testid="pending-reply"' not in html(head)


# Attachments ---------------------------------------------------------------------------------------------------


@pytest.fixture
def case_with_file(county, file_case):
    case = file_case(uploads=[pdf("营业执照 副本.pdf")])
    dispatch.case_assign(
        actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk, co_unit_ids=[county.fgj.pk]
    )
    return case


def test_attachments_download_under_their_original_name(county, case_with_file, login):
    attachment = CaseAttachment.objects.get(case=case_with_file)
    url = reverse("case_attachment", args=[case_with_file.pk, attachment.pk])
    page = html(login(county.office_user).get(page_url(case_with_file)))
    assert page.count(url) == 2  # in the files list and on the filing event
    for user in (county.office_user, county.fgj_handler, county.ent_a_user):
        response = login(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert quote("营业执照 副本.pdf") in response["Content-Disposition"]


def test_attachments_are_scoped_to_the_case_and_the_viewer(county, case_with_file, file_case, login):
    attachment = CaseAttachment.objects.get(case=case_with_file)
    url = reverse("case_attachment", args=[case_with_file.pk, attachment.pk])
    assert login(county.ent_b_user).get(url).status_code == 404
    assert login(county.town_a_handler).get(url).status_code == 404  # not assigned this time
    other = file_case()
    wrong_case = reverse("case_attachment", args=[other.pk, attachment.pk])
    assert login(county.ent_a_user).get(wrong_case).status_code == 404


def test_the_enterprise_does_not_get_the_evidence_of_a_reply_sent_back(county, heads, assigned_case, login):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    handling.reply_draft(
        actor=county.gxj_handler, case_id=assigned_case.pk, outcome="solved", text="草稿", uploads=[pdf("内部草稿.pdf")]
    )
    reply = CaseReply.objects.get()
    handling.reply_decide(actor=county.gxj_head, reply_id=reply.pk, approve=False, note="依据不足")
    draft = CaseAttachment.objects.get(case=assigned_case)
    url = reverse("case_attachment", args=[assigned_case.pk, draft.pk])
    assert "内部草稿.pdf" in html(login(county.office_user).get(page_url(assigned_case)))
    assert login(county.gxj_handler).get(url).status_code == 200
    own = login(county.ent_a_user)
    assert "内部草稿.pdf" not in html(own.get(page_url(assigned_case)))
    assert own.get(url).status_code == 404


# Queries ---------------------------------------------------------------------------------------------------------


def _case_with(county, file_case, *, units: int, notes: int):
    """An assigned case with `units` assignments and 2 + `notes` events, each note with a file."""
    others = [county.fgj, county.town_a_gov, county.town_b_gov, county.gxj_sme, county.gov][: units - 1]
    case = file_case()
    dispatch.case_assign(
        actor=county.office_user,
        case_id=case.pk,
        lead_unit_id=county.gxj.pk,
        co_unit_ids=[u.pk for u in others if u.kind == "department"],
        locality_unit_ids=[u.pk for u in others if u.kind != "department"],
    )
    for n in range(notes):
        handling.case_progress(actor=county.office_user, case_id=case.pk, note=f"进展{n}", uploads=[pdf(f"{n}.pdf")])
    case.refresh_from_db()
    assert case.event_count == 2 + notes and case.assignments.count() == units
    return case


@pytest.mark.parametrize(
    ("who", "queries"),
    [
        # session, user, roles; the case; assignments, pending extensions, open supervision notices (the
        # actions); the timeline; the assignments table; the pending reply and extension notes; the units and
        # categories of the assign form; the files; the calendar years of the banner; the viewer's unit (header).
        ("office_user", 16),
        # session, user, roles; the case; assignments, open notices (the actions); the timeline; the table; the
        # pending reply and extension notes; the linkages (contact phone); the files; the calendar years; the
        # viewer's unit.
        ("gxj_handler", 14),
        # session, user, roles; the case; assignments (the actions); the timeline without internal records; the
        # whole trail (to verify it); the table; the files; the viewer's enterprise (header).
        ("ent_a_user", 10),
    ],
)
def test_the_page_query_count_does_not_grow_with_events_and_units(
    county, file_case, login, django_assert_num_queries, who, queries
):
    small = _case_with(county, file_case, units=1, notes=0)
    large = _case_with(county, file_case, units=6, notes=4)
    client = login(getattr(county, who))
    client.get(page_url(small))  # warm the per-process caches (calendar)
    for case in (small, large):
        with django_assert_num_queries(queries):
            response = client.get(page_url(case))
        assert response.status_code == 200
    assert len(event_kinds(response)) == 6 and len(response.context["assignments"]) == 6
