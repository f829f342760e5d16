"""The deadline scan: reminder before the deadline, supervision and escalation to the unit head when
overdue, then to the linked leader, acceptance reminders and the automatic close; each step once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from cases.models import Case, Supervision
from cases.services import dispatch, handling, intake
from cases.services.scan import scan
from cases.services.trail import verify_trail
from core.models import Notification

CST = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=CST)


@pytest.fixture
def running_case(county, heads, category):
    """ent_c's case (linked leader 李县长), assigned Monday 2 November 10:00 to 工信局, accepted: due Monday
    9 November 10:00."""
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        (case,) = intake.case_submit(
            actor=county.office_user,
            enterprise_ids=[county.ent_c.pk],
            title="土地证办理缓慢",
            description="新厂房用地手续迟迟未办结。",
            category_id=category.pk,
            channel=Case.Channel.HOTLINE,
        )
        dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk)
        handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
    return case


def scan_at(*moment):
    with time_machine.travel(at(*moment), tick=False):
        return scan()


def test_nothing_to_do_while_on_time(running_case):
    result = scan_at(2026, 11, 4, 10)
    assert (result.reminded, result.escalated_to_head, result.closed) == (0, 0, 0)


def test_a_reminder_the_day_before_once(county, running_case):
    assert scan_at(2026, 11, 6, 12).reminded == 1
    assert scan_at(2026, 11, 6, 13).reminded == 0
    case = Case.objects.get(pk=running_case.pk)
    assert case.reminded_at and case.events.filter(kind="reminded").count() == 1
    told = set(
        Notification.objects.filter(topic__startswith=f"case:{case.pk}:reminder").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"gxj_handler", "gxj_head"}


def test_overdue_means_a_supervision_notice_and_the_unit_head(county, running_case):
    result = scan_at(2026, 11, 9, 11)
    assert result.escalated_to_head == 1
    case = Case.objects.get(pk=running_case.pk)
    assert case.escalation_level == 1
    notice = Supervision.objects.get(case=case)
    assert notice.automatic and notice.unit == county.gxj
    assert Notification.objects.filter(topic=f"case:{case.pk}:escalated:1", recipient=county.gxj_head).exists()
    assert scan_at(2026, 11, 9, 12).escalated_to_head == 0
    assert Supervision.objects.filter(case=case).count() == 1


def test_still_overdue_goes_to_the_linked_leader(county, running_case):
    scan_at(2026, 11, 9, 11)
    assert scan_at(2026, 11, 11, 12).escalated_to_leader == 0  # two working days late: not yet
    assert scan_at(2026, 11, 12, 11).escalated_to_leader == 1  # three
    case = Case.objects.get(pk=running_case.pk)
    assert case.escalation_level == 2
    assert Notification.objects.filter(topic=f"case:{case.pk}:escalated:2", recipient=county.leader).exists()
    assert scan_at(2026, 11, 13, 11).escalated_to_leader == 0
    assert list(verify_trail()) == []


def test_an_approved_extension_clears_the_escalation(county, running_case):
    scan_at(2026, 11, 9, 11)
    with time_machine.travel(at(2026, 11, 9, 12), tick=False):
        handling.extension_request(actor=county.gxj_handler, case_id=running_case.pk, days=5, reason="需省厅审批")
        request = running_case.extensions.get()
        handling.extension_decide(actor=county.office_user, extension_id=request.pk, approve=True)
    case = Case.objects.get(pk=running_case.pk)
    assert case.escalation_level == 0 and case.due_at.astimezone(CST) == at(2026, 11, 16, 10)
    assert scan_at(2026, 11, 10, 10).escalated_to_head == 0


def test_a_waiting_case_is_not_overdue(county, running_case):
    with time_machine.travel(at(2026, 11, 3, 10), tick=False):
        handling.case_wait(actor=county.gxj_handler, case_id=running_case.pk, request="补充材料")
    assert scan_at(2026, 11, 20, 10).escalated_to_head == 0


def test_an_unaccepted_assignment_is_reminded_once(county, file_case):
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        case = file_case()
        dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.fgj.pk)
    assert scan_at(2026, 11, 3, 9).accept_reminded == 0
    assert scan_at(2026, 11, 3, 11).accept_reminded == 1
    assert scan_at(2026, 11, 3, 12).accept_reminded == 0
    assert Notification.objects.filter(topic__endswith="accept-overdue", recipient=county.fgj_handler).count() == 1


def test_unrated_cases_close_after_seven_working_days(county, heads, running_case):
    with time_machine.travel(at(2026, 11, 2, 12), tick=False):
        handling.reply_draft(actor=county.gxj_head, case_id=running_case.pk, outcome="solved", text="已办结")
    assert scan_at(2026, 11, 11, 11).closed == 0
    assert scan_at(2026, 11, 11, 13).closed == 1
    case = Case.objects.get(pk=running_case.pk)
    assert case.state == Case.State.CLOSED and case.rating == Case.Rating.UNRATED
    assert case.events.get(kind="closed").payload["reason"] == "auto"


def test_the_command_runs_the_scan(running_case, capsys):
    with time_machine.travel(at(2026, 11, 9, 11), tick=False):
        call_command("scan_cases")
    assert "escalated to unit heads 1" in capsys.readouterr().out
