"""The template helpers other case pages load too (case_tags): state and deadline badges, and every kind of
trail event told in words, with its text escaped and its files linked."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from cases.deadlines import Thresholds
from cases.models import Case, CaseEvent
from cases.templatetags.case_tags import event_summary

Kind = CaseEvent.Kind


def render(source: str, **context) -> str:
    return Template("{% load case_tags %}" + source).render(Context(context))


@pytest.mark.parametrize("state", Case.State.values)
def test_state_badge(state):
    html = render("{% state_badge case %}", case=Case(state=state))
    assert f'class="case-state case-state-{state}"' in html and str(Case.State(state).label) in html


@pytest.mark.django_db
def test_deadline_badge_levels():
    now = timezone.now()
    thresholds = Thresholds.at(now)

    def badge(**fields):
        return render("{% deadline_badge case %}", case=Case(**fields), thresholds=thresholds)

    assert 'data-level="overdue"' in badge(state="in_progress", due_at=now - timedelta(minutes=1))
    assert 'data-level="on_time"' in badge(state="assigned", due_at=now + timedelta(days=30))
    assert 'data-level="paused"' in badge(state="waiting", due_at=now + timedelta(days=3), paused_since=now)
    assert badge(state="resolved", due_at=now - timedelta(days=1)) == ""
    assert badge(state="submitted") == ""
    # Without thresholds in the context the tag computes them itself.
    html = render("{% deadline_badge case %}", case=Case(state="in_progress", due_at=now - timedelta(hours=2)))
    assert 'data-level="overdue"' in html


FILES = [{"id": 7, "name": "证明<材料>.pdf", "size": 2048, "sha256": "0" * 64}]
PAYLOADS = {
    Kind.SUBMITTED: (
        {"channel": "hotline", "title": "用电难", "category": "用电", "urgency": "urgent", "attachments": FILES},
        "hotline",
    ),
    Kind.ASSIGNED: (
        {
            "lead": {"id": 1, "name": "县工信局"},
            "co": [{"id": 2, "name": "县发改局"}],
            "locality": [],
            "accept_days": 1,
            "resolve_days": 5,
            "note": "尽快",
        },
        "县工信局",
    ),
    Kind.REASSIGNED: ({"lead": {"id": 1, "name": "县发改局"}, "resolve_days": 5, "accept_days": 1}, "Reassigned"),
    Kind.REJECTED: ({"reason": "duplicate", "note": "重复", "duplicate_of": "2026-00001"}, "2026-00001"),
    Kind.MERGED: ({"common_issue": 1, "title": "道路破损"}, "道路破损"),
    Kind.UNMERGED: ({"common_issue": 1, "note": ""}, "common issue"),
    Kind.ACCEPTED: ({"role": "co", "on_time": False}, "after the acceptance deadline"),
    Kind.RETURNED: ({"role": "lead", "reason": "非本单位职责"}, "非本单位职责"),
    Kind.PROGRESS: ({"note": "已走访", "attachments": FILES}, "已走访"),
    Kind.WAITING: ({"request": "补充流水"}, "补充流水"),
    Kind.RESUMED: ({"note": "已补充", "attachments": [], "by_enterprise": True}, "The enterprise supplied material"),
    Kind.EXTENSION_REQUESTED: ({"request": 1, "days": 4, "reason": "审批慢"}, "4 more working days"),
    Kind.EXTENSION_APPROVED: ({"request": 1, "days": 4, "note": ""}, "approved"),
    Kind.EXTENSION_REFUSED: ({"request": 1, "days": 4, "note": "理由不足"}, "理由不足"),
    Kind.REPLY_DRAFTED: ({"reply": 1, "outcome": "explained", "text": "政策不支持", "attachments": []}, "explained"),
    Kind.REPLY_SENT_BACK: ({"reply": 1, "note": "补充依据"}, "补充依据"),
    Kind.RESOLVED: (
        {"reply": 1, "outcome": "not_solved", "text": "无法解决", "on_time": False, "attachments": []},
        "after the deadline",
    ),
    Kind.RATED: ({"rating": "basically_satisfied", "comment": "", "via": "phone"}, "on a callback"),
    Kind.REOPENED: ({"reason": "没解决", "resolve_days": 5, "accept_days": 1, "count": 2}, "reopen no. 2"),
    Kind.CLOSED: ({"reason": "auto", "rating": "unrated", "working_days": 7}, "not rated within 7 working days"),
    Kind.CALLBACK: (
        {"callback": 1, "reached": True, "rating": "satisfied", "confirmed": False, "spot_check": True, "note": ""},
        "Spot-check callback",
    ),
    Kind.SUPERVISED: (
        {"supervision": 1, "to": {"id": 1, "name": "县工信局"}, "text": "请加快", "reply_days": 2, "automatic": True},
        "Automatic supervision notice",
    ),
    Kind.SUPERVISION_REPLIED: ({"supervision": 1, "reply": "已加快", "on_time": True}, "已加快"),
    Kind.LISTED: ({"note": "重大"}, "重大"),
    Kind.UNLISTED: ({"note": ""}, "supervision list"),
    Kind.REMINDED: ({"due_at": "2026-10-09T08:00:00+00:00"}, "2026-10-09 16:00"),
    Kind.ESCALATED: ({"level": 2, "to": [3], "due_at": "2026-10-09T08:00:00+00:00"}, "linked leader"),
    Kind.ATTACHED: ({"attachments": FILES}, "证明&lt;材料&gt;.pdf"),
}


def test_every_kind_of_event_is_described():
    assert set(PAYLOADS) == set(Kind.values)


@pytest.mark.parametrize("kind", Kind.values)
def test_event_summary(kind):
    payload, expected = PAYLOADS[kind]
    html = str(event_summary(CaseEvent(case_id=5, seq=1, kind=kind, payload=payload)))
    assert html.startswith('<p class="event-what">') and expected in html
    if payload.get("attachments"):
        assert reverse("case_attachment", args=[5, 7]) in html and "2.0\xa0KB" in html


def test_event_text_is_escaped():
    event = CaseEvent(case_id=1, seq=1, kind=Kind.PROGRESS, payload={"note": "<script>alert(1)</script>\n第二行"})
    html = str(event_summary(event))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<br>" in html


def test_an_odd_payload_does_not_break_the_page():
    for kind in Kind.values:
        assert str(event_summary(CaseEvent(case_id=1, seq=1, kind=kind, payload={})))
    assert "weird" in str(event_summary(CaseEvent(case_id=1, seq=1, kind=Kind.ACCEPTED, payload={"role": "weird"})))


def test_ids_in_the_payload_are_not_shown_as_text():
    requested = CaseEvent(
        case_id=1, seq=1, kind=Kind.EXTENSION_REQUESTED, payload={"request": 9, "days": 2, "reason": "慢"}
    )
    resolved = CaseEvent(case_id=1, seq=1, kind=Kind.RESOLVED, payload={"reply": 9, "outcome": "solved", "text": "好"})
    for event in (requested, resolved):
        html = str(event_summary(event))
        assert html.count('class="event-text"') == 1 and "<p>9</p>" not in html
