"""The whole loop of the issue through the API alone (after filing): assigned to two units and a locality,
returned, reassigned, accepted, waiting on the enterprise's material, extended, replied with evidence
(multipart), approved, rated 不满意 and reopened, replied again, rated 满意, closed; every step on the
timeline, the files downloadable, and the chain verifies."""

from cases.models import Case
from cases.tests.test_api_actions_support import pdf

pytest_plugins = ["cases.tests.test_api_actions_support"]

State = Case.State


def _ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_the_whole_loop_through_the_api(api, county, states):
    case = states.submitted()

    body = _ok(
        api.as_(county.office_user).post(
            case,
            "assign",
            {
                "lead_unit_id": county.fgj.pk,
                "co_unit_ids": [county.gxj.pk],
                "locality_unit_ids": [county.town_a_gov.pk],
                "urgency": "urgent",
            },
        )
    )
    assert (body["state"], body["lead_unit_name"], body["urgency"]) == ("assigned", "县发改局", "urgent")
    assert "accept" in _ok(api.as_(county.fgj_handler).get(case))["actions"]

    body = _ok(api.post(case, "return", {"reason": "不属于本单位职责"}))
    assert (body["state"], body["return_count"]) == ("returned", 1)

    api.as_(county.office_user)
    body = _ok(
        api.post(
            case,
            "assign",
            {
                "lead_unit_id": county.gxj.pk,
                "co_unit_ids": [county.fgj.pk],
                "locality_unit_ids": [county.town_a_gov.pk],
            },
        )
    )
    assert (body["state"], body["lead_unit_name"]) == ("assigned", "县工信局")

    assert _ok(api.as_(county.gxj_handler).post(case, "accept"))["state"] == "in_progress"
    _ok(api.as_(county.fgj_handler).post(case, "accept"))
    _ok(api.as_(county.town_a_handler).post(case, "accept"))
    body = _ok(
        api.as_(county.fgj_handler).post_form(case, "progress", {"note": "已对接银行", "files": [pdf("对接.pdf")]})
    )
    assert [a["name"] for a in body["attachments"]] == ["对接.pdf"]

    api.as_(county.gxj_handler)
    body = _ok(api.post(case, "wait", {"request": "请补充近三月财务报表"}))
    assert (body["state"], body["deadline_level"]) == ("waiting", "paused")
    assert "resume" in _ok(api.as_(county.ent_a_user).get(case))["actions"]
    body = _ok(api.post_form(case, "resume", {"note": "报表已上传", "files": [pdf("报表.pdf"), pdf("流水.pdf", b"2")]}))
    assert body["state"] == "in_progress"
    assert {a["name"]: a["kind"] for a in body["attachments"]} == {
        "对接.pdf": "evidence",
        "报表.pdf": "material",
        "流水.pdf": "material",
    }

    due_before = _ok(api.as_(county.gxj_handler).post(case, "extensions", {"days": 3, "reason": "需协调银行审批"}))[
        "due_at"
    ]
    office = _ok(api.as_(county.office_user).get(case))
    [extension] = office["extensions_to_decide"]
    body = _ok(api.post(case, f"extensions/{extension['id']}/decision", {"approve": True, "note": "同意"}))
    assert body["extension_days"] == 3 and body["due_at"] > due_before and body["extensions_to_decide"] == []

    body = _ok(
        api.as_(county.gxj_handler).post_form(
            case, "replies", {"outcome": "solved", "text": "已协调银行办理续贷", "files": [pdf("续贷合同.pdf")]}
        )
    )
    assert body["state"] == "in_progress" and "reply" not in body["actions"]
    [reply] = _ok(api.as_(county.gxj_head).get(case))["replies_to_decide"]
    body = _ok(api.post(case, f"replies/{reply['id']}/decision", {"approve": True}))
    assert (body["state"], body["outcome"], body["resolution"]) == ("resolved", "solved", "已协调银行办理续贷")

    api.as_(county.ent_a_user)
    assert {"rate", "reopen"} <= set(_ok(api.get(case))["actions"])
    body = _ok(api.post(case, "rate", {"rating": "unsatisfied", "comment": "续贷利率过高", "reopen": True}))
    assert (body["state"], body["reopen_count"], body["rating"]) == ("in_progress", 1, "unsatisfied")

    body = _ok(
        api.as_(county.gxj_head).post_form(
            case, "replies", {"outcome": "solved", "text": "已协调降低利率", "files": [pdf("利率.pdf", b"3")]}
        )
    )
    assert body["state"] == "resolved"
    body = _ok(api.as_(county.ent_a_user).post(case, "rate", {"rating": "satisfied"}))
    assert (body["state"], body["rating"], body["actions"]) == ("closed", "satisfied", [])

    kinds = [e["kind"] for e in _ok(api.as_(county.office_user).get(case, "events"))]
    assert kinds == [
        "submitted", "assigned", "returned", "reassigned", "accepted", "accepted", "accepted", "progress",
        "waiting", "resumed", "extension_requested", "extension_approved", "reply_drafted", "resolved", "rated",
        "reopened", "reply_drafted", "resolved", "rated", "closed",
    ]  # fmt: skip
    enterprise_kinds = [e["kind"] for e in _ok(api.as_(county.ent_a_user).get(case, "events"))]
    assert "reply_drafted" not in enterprise_kinds and "extension_requested" not in enterprise_kinds
    assert _ok(api.get(case, "verify"))["ok"] is True

    attachments = _ok(api.get(case))["attachments"]
    assert len(attachments) == 5
    contract = next(a for a in attachments if a["name"] == "续贷合同.pdf")
    download = api.get(case, f"attachments/{contract['id']}")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.event_count == len(kinds)
