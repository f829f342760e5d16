"""Reading one case over the API: the detail with what the caller may do, the timeline, attachments, the
chain check; scope (404) on each, the contact phone masked for those who do not need it, bad input, and the
detail's query count pinned as the trail grows."""

import pytest

from cases.models import CaseAttachment, CaseEvent, ExtensionRequest
from cases.services import handling
from cases.tests.test_api_actions_support import API, events_of, pdf, state_of

pytest_plugins = ["cases.tests.test_api_actions_support"]


# The detail ---------------------------------------------------------------------------------------------------


def test_detail_shows_the_case_its_units_and_the_callers_actions(api, county, states):
    case = states.in_progress()
    body = api.as_(county.office_user).get(case).json()
    assert (body["number"], body["state"], body["enterprise_name"]) == (case.number, "in_progress", "湘中机械有限公司")
    assert (body["category"], body["lead_unit_name"], body["deadline_level"]) == ("融资", "县工信局", "on_time")
    assert body["description"] == case.description
    assert [(a["unit_name"], a["role"], a["state"]) for a in body["assignments"]] == [
        ("县工信局", "lead", "accepted"),
        ("县发改局", "co", "pending"),
        ("酿溪镇人民政府", "locality", "pending"),
    ]
    assert {"supervise", "progress", "list"} <= set(body["actions"])
    assert "accept" not in body["actions"]

    lead = api.as_(county.gxj_handler).get(case).json()["actions"]
    assert {"progress", "wait", "reply", "request_extension"} <= set(lead)
    assert not {"accept", "assign", "supervise"} & set(lead)
    assert {"accept", "return", "progress"} <= set(api.as_(county.fgj_handler).get(case).json()["actions"])
    assert api.as_(county.ent_a_user).get(case).json()["actions"] == []
    assert api.as_(county.auditor).get(case).json()["actions"] == []


def test_the_contact_phone_is_masked_for_those_who_do_not_need_it(api, county, states):
    case = states.assigned()
    # The units working on the case (lead 工信局, locality 酿溪镇) call the person who filed it.
    for user in (
        county.office_user,
        county.ent_a_user,
        county.ent_a_colleague,
        county.gxj_handler,
        county.town_a_handler,
    ):
        assert api.as_(user).get(case).json()["contact"] == {
            "name": "张经理",
            "phone": "13812345678",
            "phone_masked": False,
        }
    for user in (county.auditor,):
        contact = api.as_(user).get(case).json()["contact"]
        assert (contact["phone"], contact["phone_masked"]) == ("138****5678", True)


def test_the_detail_lists_the_records_the_caller_may_decide(api, county, states):
    case = states.with_extension()
    extension = ExtensionRequest.objects.get(case=case)
    office = api.as_(county.office_user).get(case).json()
    assert [e["id"] for e in office["extensions_to_decide"]] == [extension.pk]
    assert "decide_extension" in office["actions"]
    assert api.as_(county.gxj_handler).get(case).json()["extensions_to_decide"] == []

    case = states.with_reply()
    reply = case.replies.get()
    head = api.as_(county.gxj_head).get(case).json()
    assert [(r["id"], r["outcome"]) for r in head["replies_to_decide"]] == [(reply.pk, "solved")]
    assert "decide_reply" in head["actions"]
    assert api.as_(county.gxj_handler).get(case).json()["replies_to_decide"] == []

    case = states.supervised()
    notice = case.supervisions.get()
    handler = api.as_(county.gxj_handler).get(case).json()
    assert [(s["id"], s["unit_name"]) for s in handler["supervisions_to_answer"]] == [(notice.pk, "县工信局")]
    for user in (county.fgj_handler, county.ent_a_user):
        assert api.as_(user).get(case).json()["supervisions_to_answer"] == []


@pytest.mark.parametrize("who", ["ent_b_user", "sme_handler", "leader", "cadre", "town_a_handler"])
def test_a_case_outside_the_scope_is_not_found(api, county, states, who):
    case = states.submitted()  # not assigned yet: no unit holds it
    assert api.as_(getattr(county, who)).get(case).status_code == 404
    for suffix in ("events", "verify"):
        assert api.get(case, suffix).status_code == 404


def test_unknown_case_and_anonymous_caller(api, client, county, states):
    case = states.submitted()
    assert api.as_(county.office_user).client.get(f"{API}/{case.pk + 1000}").status_code == 404
    client.logout()
    assert client.get(f"{API}/{case.pk}").status_code == 401
    assert client.post(f"{API}/{case.pk}/accept").status_code == 401


# Timeline, attachments, chain ---------------------------------------------------------------------------------


def test_the_timeline_is_chained_and_the_enterprise_reads_no_internal_records(api, county, states):
    case = states.supervised()
    events = api.as_(county.office_user).get(case, "events").json()
    assert [e["kind"] for e in events] == ["submitted", "assigned", "accepted", "supervised"]
    assert events[0]["prev_hash"] == CaseEvent.GENESIS
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(events, events[1:], strict=False))
    assert (events[2]["actor_name"], events[2]["unit_name"]) == ("工信经办", "县工信局")
    assert events[3]["payload"]["text"] == "请加快办理"

    own = api.as_(county.ent_a_user).get(case, "events").json()
    assert [e["kind"] for e in own] == ["submitted", "assigned", "accepted"]


def test_attachments_download_within_the_scope(api, county, states):
    case = states.in_progress()
    response = api.as_(county.gxj_handler).post_form(
        case, "progress", {"note": "见附件", "files": [pdf("会议纪要.pdf")]}
    )
    [listed] = response.json()["attachments"]
    assert (listed["name"], listed["kind"], listed["size"]) == ("会议纪要.pdf", "evidence", 14)

    download = api.as_(county.ent_a_user).get(case, f"attachments/{listed['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4\nproof"
    assert "attachment" in download["Content-Disposition"]

    assert api.as_(county.ent_b_user).get(case, f"attachments/{listed['id']}").status_code == 404
    # An attachment of another case is not reached through this case's address, even by the office.
    other = states.in_progress()
    assert api.as_(county.office_user).get(other, f"attachments/{listed['id']}").status_code == 404


def test_verify_reports_a_tampered_event(api, county, states):
    case = states.in_progress()
    assert api.as_(county.auditor).get(case, "verify").json() == {
        "case_id": case.pk,
        "number": case.number,
        "ok": True,
        "event_count": 3,
        "broken_seq": None,
        "reason": "",
    }
    # Straight to the table, as someone with database access would: the model refuses to save an event twice.
    CaseEvent.objects.filter(case=case, seq=2).update(payload={"lead": "someone else"})
    body = api.get(case, "verify").json()
    assert (body["ok"], body["broken_seq"]) == (False, 2)
    assert "changed" in body["reason"]


# Bad input ----------------------------------------------------------------------------------------------------


def test_bad_input_answers_422_with_the_field_and_changes_nothing(api, county, states):
    case = states.in_progress()
    before = events_of(case)
    api.as_(county.gxj_handler)
    bad_file = {"note": "见附件", "files": [pdf(), pdf("病毒.exe")]}
    response = api.post_form(case, "progress", bad_file)
    assert response.status_code == 422 and "病毒.exe" in response.json()["detail"]
    assert not CaseAttachment.objects.filter(case=case).exists()
    response = api.post_form(case, "progress", {"note": "  "})
    assert response.status_code == 422 and response.json()["detail"].startswith("note:")
    response = api.post(case, "extensions", {"days": 90, "reason": "x"})
    assert response.status_code == 422 and response.json()["detail"].startswith("days:")
    assert events_of(case) == before

    case = states.submitted()
    response = api.as_(county.office_user).post(case, "assign", {"lead_unit_id": 999999})
    assert response.status_code == 422 and response.json()["detail"].startswith("lead_unit:")
    response = api.post(case, "assign", {})
    assert response.status_code == 422 and response.json()["detail"].startswith("lead_unit:")

    case = states.resolved()
    response = api.as_(county.ent_a_user).post(case, "rate", {"rating": "unsatisfied"})
    assert response.status_code == 422 and response.json()["detail"].startswith("comment:")
    assert state_of(case) == "resolved" and events_of(case) == case.event_count


# Queries ------------------------------------------------------------------------------------------------------


def _grow(county, case, notes: int):
    for n in range(notes):
        handling.case_progress(actor=county.gxj_handler, case_id=case.pk, note=f"进展{n}", uploads=[pdf(f"{n}.pdf")])


@pytest.mark.parametrize(
    ("who", "queries"),
    [
        # session, user, roles, case, assignments + extensions + replies + supervisions (actions),
        # assignments, attachments
        ("office_user", 10),
        # + pending reply / extension checks of the lead, the contact linkages, the live assignments (contact)
        ("gxj_handler", 13),
        # no supervision notices for the enterprise; its own contacts need no lookup
        ("ent_a_user", 8),
    ],
)
def test_the_detail_costs_the_same_with_a_longer_trail(api, county, states, who, queries, django_assert_num_queries):
    case = states.in_progress()
    api.as_(getattr(county, who))
    _grow(county, case, 2)
    with django_assert_num_queries(queries):
        assert api.get(case).status_code == 200
    _grow(county, case, 6)
    with django_assert_num_queries(queries):
        body = api.get(case).json()
    assert len(body["attachments"]) == 8 and events_of(case) == 11
