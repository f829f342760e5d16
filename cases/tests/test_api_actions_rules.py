"""Every action endpoint, four ways: it works for the right person (the state in the database), the wrong
role gets 403, someone outside the case's scope 404, and the wrong state 422 with a message that says so;
a refused action changes nothing (the trail did not move)."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from cases.models import Callback, Case, CaseReply, ExtensionRequest, Supervision
from cases.tests.test_api_actions_support import events_of, pdf, state_of

pytest_plugins = ["cases.tests.test_api_actions_support"]

State = Case.State


def _latest(queryset):
    return queryset.order_by("-pk").first().pk


@dataclass
class Action:
    name: str
    setup: str  # a States method
    path: Callable[[Case], str]
    body: Callable[[], dict]
    actor: str
    done: Callable[[Case], bool]
    wrong_role: str
    out_of_scope: str
    wrong_state: str  # a States method
    message: str  # in the 422 detail
    multipart: bool = False
    status: int = 200
    returns: str = "case"  # or "record": the notice or callback written


ACTIONS = [
    Action(
        "assign", "submitted", lambda c: "assign", lambda: {"lead_unit_id": "gxj", "co_unit_ids": ["fgj"]},
        "office_user", lambda c: c.state == State.ASSIGNED and c.assignments.count() == 2,
        "ent_a_user", "ent_b_user", "in_progress", "cannot be assigned now",
    ),
    Action(
        "reject", "submitted", lambda c: "reject", lambda: {"reason": "out_of_scope", "note": "不属于助企范围"},
        "office_user", lambda c: c.state == State.REJECTED and c.reject_reason == "out_of_scope",
        "ent_a_user", "ent_b_user", "assigned", "cannot be rejected now",
    ),
    Action(
        "unmerge", "merged", lambda c: "unmerge", lambda: {"note": "单独办理"},
        "office_user", lambda c: c.common_issue_id is None,
        "ent_a_user", "sme_handler", "submitted", "is not part of a common issue",
    ),
    Action(
        "accept", "assigned", lambda c: "accept", dict,
        "gxj_handler", lambda c: c.state == State.IN_PROGRESS,
        "ent_a_user", "sme_handler", "resolved", "cannot be accepted now",
    ),
    Action(
        "return", "assigned", lambda c: "return", lambda: {"reason": "不属于本单位职责"},
        "gxj_handler", lambda c: c.state == State.RETURNED and c.return_count == 1,
        "ent_a_user", "sme_handler", "resolved", "cannot be returned now",
    ),
    Action(
        "progress", "in_progress", lambda c: "progress", lambda: {"note": "已约谈银行", "files": [pdf()]},
        "gxj_handler", lambda c: c.attachments.filter(kind="evidence").count() == 1,
        "ent_a_user", "sme_handler", "resolved", "cannot be given a progress note now", multipart=True,
    ),
    Action(
        "wait", "in_progress", lambda c: "wait", lambda: {"request": "请补充近三月财务报表"},
        "gxj_handler", lambda c: c.state == State.WAITING and c.paused_since is not None,
        "fgj_handler", "sme_handler", "assigned", "cannot be put on hold for material now",
    ),
    Action(
        "resume", "waiting", lambda c: "resume", lambda: {"note": "已补充报表", "files": [pdf("报表.pdf")]},
        "ent_a_user", lambda c: c.state == State.IN_PROGRESS and c.attachments.filter(kind="material").exists(),
        "fgj_handler", "ent_b_user", "in_progress", "cannot be resumed now", multipart=True,
    ),
    Action(
        "request_extension", "in_progress", lambda c: "extensions", lambda: {"days": 3, "reason": "需协调银行审批"},
        "gxj_handler", lambda c: c.extensions.filter(status="pending", days=3).exists(),
        "fgj_handler", "sme_handler", "assigned", "cannot be extended now",
    ),
    Action(
        "decide_extension", "with_extension",
        lambda c: f"extensions/{_latest(ExtensionRequest.objects.filter(case=c))}/decision",
        lambda: {"approve": True}, "office_user", lambda c: c.extension_days == 3,
        "gxj_handler", "ent_b_user", "extension_decided", "already decided",
    ),
    Action(
        "reply", "in_progress", lambda c: "replies",
        lambda: {"outcome": "solved", "text": "已协调续贷", "files": [pdf("续贷合同.pdf")]},
        "gxj_handler", lambda c: c.replies.filter(status="pending").exists() and c.attachments.exists(),
        "fgj_handler", "sme_handler", "assigned", "cannot be replied to now", multipart=True,
    ),
    Action(
        "decide_reply", "with_reply", lambda c: f"replies/{_latest(CaseReply.objects.filter(case=c))}/decision",
        lambda: {"approve": True}, "gxj_head", lambda c: c.state == State.RESOLVED and c.outcome == "solved",
        "gxj_handler", "sme_handler", "reply_decided", "already decided",
    ),
    Action(
        "rate", "resolved", lambda c: "rate", lambda: {"rating": "satisfied"},
        "ent_a_user", lambda c: c.state == State.CLOSED and c.rating == "satisfied",
        "office_user", "ent_b_user", "in_progress", "cannot be rated now",
    ),
    Action(
        "reopen", "resolved", lambda c: "reopen", lambda: {"reason": "利率过高"},
        "ent_a_user", lambda c: c.state == State.IN_PROGRESS and c.reopen_count == 1,
        "gxj_handler", "ent_b_user", "in_progress", "cannot be reopened now",
    ),
    Action(
        "close", "resolved", lambda c: "close", lambda: {"note": "企业电话无法接通"},
        "office_user", lambda c: c.state == State.CLOSED and c.rating == "unrated",
        "ent_a_user", "ent_b_user", "in_progress", "cannot be closed now",
    ),
    Action(
        "callback", "resolved", lambda c: "callbacks", lambda: {"reached": True, "rating": "basically_satisfied"},
        "office_user",
        lambda c: c.state == State.CLOSED and Callback.objects.filter(case=c, status="done").count() == 1,
        "gxj_handler", "ent_b_user", "in_progress", "cannot be called back now", status=201, returns="record",
    ),
    Action(
        "supervise", "in_progress", lambda c: "supervisions", lambda: {"text": "请加快办理", "reply_days": 3},
        "office_user", lambda c: Supervision.objects.filter(case=c, unit__code="430522-GXJ").count() == 1,
        "gxj_handler", "ent_b_user", "submitted", "cannot be supervised now", status=201, returns="record",
    ),
    Action(
        "answer_supervision", "supervised",
        lambda c: f"supervisions/{_latest(Supervision.objects.filter(case=c))}/reply", lambda: {"reply": "已加快"},
        "gxj_handler", lambda c: Supervision.objects.filter(case=c, replied_at__isnull=False).count() == 1,
        "fgj_handler", "sme_handler", "supervision_replied", "already replied", returns="record",
    ),
    Action(
        "list", "in_progress", lambda c: "list", lambda: {"note": "重大诉求"},
        "office_user", lambda c: c.listed_at is not None,
        "gxj_handler", "leader", "listed", "already listed",
    ),
    Action(
        "unlist", "listed", lambda c: "unlist", lambda: {"note": "已解决"},
        "office_user", lambda c: c.listed_at is None,
        "gxj_handler", "ent_b_user", "in_progress", "is not listed",
    ),
]  # fmt: skip

IDS = [a.name for a in ACTIONS]


def _units(county, body: dict) -> dict:
    """Unit names in a body stand for the county's units (the fixture's ids are not known at collection)."""

    def unit(value):
        return getattr(county, value).pk if isinstance(value, str) else value

    out = dict(body)
    if "lead_unit_id" in out:
        out["lead_unit_id"] = unit(out["lead_unit_id"])
    if "co_unit_ids" in out:
        out["co_unit_ids"] = [unit(v) for v in out["co_unit_ids"]]
    return out


def _send(api, county, action: Action, case, who: str):
    api.as_(getattr(county, who))
    body = _units(county, action.body())
    if action.multipart:
        return api.post_form(case, action.path(case), body)
    return api.post(case, action.path(case), body)


@pytest.mark.parametrize("action", ACTIONS, ids=IDS)
def test_the_right_person_succeeds(api, county, states, action):
    case = getattr(states, action.setup)()
    before = events_of(case)
    response = _send(api, county, action, case, action.actor)
    assert response.status_code == action.status, response.content
    case.refresh_from_db()
    assert action.done(case)
    assert events_of(case) > before
    body = response.json()
    if action.returns == "case":
        # The updated case comes back, as GET /cases/{id} shows it.
        assert (body["id"], body["state"]) == (case.pk, case.state)
    else:
        assert body["case_id"] == case.pk and body["id"] > 0


@pytest.mark.parametrize("action", ACTIONS, ids=IDS)
def test_the_wrong_role_is_refused(api, county, states, action):
    case = getattr(states, action.setup)()
    before = (events_of(case), state_of(case))
    response = _send(api, county, action, case, action.wrong_role)
    assert response.status_code == 403, response.content
    assert response.json()["detail"].strip()
    assert (events_of(case), state_of(case)) == before


@pytest.mark.parametrize("action", ACTIONS, ids=IDS)
def test_out_of_scope_is_not_found(api, county, states, action):
    case = getattr(states, action.setup)()
    before = (events_of(case), state_of(case))
    response = _send(api, county, action, case, action.out_of_scope)
    assert response.status_code == 404, response.content
    assert (events_of(case), state_of(case)) == before


@pytest.mark.parametrize("action", ACTIONS, ids=IDS)
def test_the_wrong_state_is_unprocessable(api, county, states, action):
    case = getattr(states, action.wrong_state)()
    before = (events_of(case), state_of(case), case.attachments.count())
    response = _send(api, county, action, case, action.actor)
    assert response.status_code == 422, response.content
    assert action.message in response.json()["detail"]
    assert (events_of(case), state_of(case), case.attachments.count()) == before


def test_a_linked_leader_lists_a_case_and_only_they_or_the_office_take_it_off(api, county, file_case, make_user):
    case = file_case(enterprise=county.ent_c, actor=county.cadre, channel=Case.Channel.VISIT)
    body = api.as_(county.leader).post(case, "list", {"note": "重大项目用地诉求"}).json()
    assert body["listed"] is True and "unlist" in body["actions"]
    # Another leader linked to nothing does not even see the case; the cadre sees it but may not unlist it.
    other = make_user("leader2", "leader", unit=county.gov)
    assert api.as_(other).post(case, "unlist").status_code == 404
    response = api.as_(county.cadre).post(case, "unlist")
    assert response.status_code == 403 and "Only the leader who listed" in response.json()["detail"]
    body = api.as_(county.leader).post(case, "unlist", {"note": "已协调"}).json()
    assert body["listed"] is False
    assert list(case.events.values_list("kind", flat=True)) == ["submitted", "listed", "unlisted"]
