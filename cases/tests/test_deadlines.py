"""Deadlines in working days on the Chinese calendar: across Spring Festival and National Day, into a year
whose schedule is not published, with pauses and extensions, and recomputed from the trail when a holiday
is entered later."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import deadlines
from cases.deadlines import Level, Thresholds
from cases.models import Case, CaseEvent, DeadlineRule, ExtensionRequest
from cases.services import dispatch, handling
from core import services as calendar_services
from core import workdays

CST = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CST)


def assign_at(county, file_case, moment, urgency="normal"):
    with time_machine.travel(moment, tick=False):
        case = file_case(urgency=urgency)
        dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk)
    case.refresh_from_db()
    return case


def test_limits_default_to_the_design_and_follow_the_office_rules(category):
    assert deadlines.limits_for(category.pk, "normal") == deadlines.Limits(1, 5)
    assert deadlines.limits_for(category.pk, "urgent").resolve_days == 3
    assert deadlines.limits_for(category.pk, "complex").resolve_days == 15
    DeadlineRule.objects.create(category=category, urgency="normal", accept_days=2, resolve_days=10)
    assert deadlines.limits_for(category.pk, "normal") == deadlines.Limits(2, 10)
    DeadlineRule.objects.filter(category=None, urgency="urgent").delete()
    assert deadlines.limits_for(category.pk, "urgent") == deadlines.Limits(1, 3)


def test_spring_festival_2026_pushes_the_deadline_past_the_holiday(county, file_case):
    # Thursday 12 February; the 14th (Saturday) is a make-up workday, 15–23 February are the holiday.
    case = assign_at(county, file_case, at(2026, 2, 12, 10))
    assert case.due_at.astimezone(CST) == at(2026, 2, 26, 10)
    # Accept within one working day: the Friday.
    assert case.accept_due_at.astimezone(CST) == at(2026, 2, 13, 10)


def test_national_day_2026_with_its_make_up_saturday(county, file_case):
    # Tuesday 29 September; 1–7 October off, Saturday 10 October worked, Sunday 11 October off.
    case = assign_at(county, file_case, at(2026, 9, 29, 9))
    assert case.due_at.astimezone(CST) == at(2026, 10, 12, 9)


def test_urgent_case_over_national_day(county, file_case):
    case = assign_at(county, file_case, at(2026, 9, 30, 14), urgency="urgent")
    # 10 h of 30 September, then 8, 9 October and 14 h of the 10th.
    assert case.due_at.astimezone(CST) == at(2026, 10, 10, 14)


def test_a_deadline_in_2027_counts_weekends_and_moves_when_the_office_enters_a_holiday(county, file_case):
    assert not workdays.package_covers(2027)
    case = assign_at(county, file_case, at(2026, 12, 28, 10))
    # Without the 2027 schedule, New Year's Day (a Friday) counts as a working day.
    assert case.due_at.astimezone(CST) == at(2027, 1, 4, 10)
    with time_machine.travel(at(2026, 12, 28, 11), tick=False):
        assert 2027 in workdays.missing_schedule_years()
    calendar_services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
    deadlines.refresh_open()
    case.refresh_from_db()
    assert case.due_at.astimezone(CST) == at(2027, 1, 5, 10)


def test_entering_a_holiday_refreshes_running_deadlines_on_commit(
    county, file_case, django_capture_on_commit_callbacks
):
    case = assign_at(county, file_case, at(2026, 12, 28, 10))
    with django_capture_on_commit_callbacks(execute=True):
        calendar_services.calendar_day_set(
            actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦"
        )
    case.refresh_from_db()
    assert case.due_at.astimezone(CST) == at(2027, 1, 5, 10)


def test_waiting_for_material_pauses_the_clock(county, file_case):
    case = assign_at(county, file_case, at(2026, 11, 2, 10))  # Monday
    assert case.due_at.astimezone(CST) == at(2026, 11, 9, 10)
    with time_machine.travel(at(2026, 11, 3, 10), tick=False):
        handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
        handling.case_wait(actor=county.gxj_handler, case_id=case.pk, request="请补充近三个月的银行流水")
    case.refresh_from_db()
    assert case.state == Case.State.WAITING and case.paused_since is not None
    # While paused the deadline stands where it was and no warning level applies.
    assert case.due_at.astimezone(CST) == at(2026, 11, 9, 10)
    assert Thresholds.at(at(2026, 11, 20, 10)).level(case.due_at, case.state, case.paused_since) == Level.PAUSED
    # Material comes back after the weekend: Tue 10:00 → Mon 16:00 is 4 working days and 6 hours.
    with time_machine.travel(at(2026, 11, 9, 16), tick=False):
        handling.case_resume(actor=county.ent_a_user, case_id=case.pk, note="已上传银行流水")
    case.refresh_from_db()
    assert case.paused_since is None and case.state == Case.State.IN_PROGRESS
    assert case.due_at.astimezone(CST) == at(2026, 11, 13, 16)
    # Recomputing from the trail alone gives the same answer.
    assert deadlines.compute(case.events.order_by("seq")).due_at == case.due_at


def test_a_holiday_entered_later_inside_a_pause_gives_the_fresh_answer(county, file_case):
    case = assign_at(county, file_case, at(2026, 11, 2, 10))
    with time_machine.travel(at(2026, 11, 3, 10), tick=False):
        handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
        handling.case_wait(actor=county.gxj_handler, case_id=case.pk, request="补充材料")
    with time_machine.travel(at(2026, 11, 5, 10), tick=False):
        handling.case_resume(actor=county.ent_a_user, case_id=case.pk, note="已补充")
    case.refresh_from_db()
    before = case.due_at
    # A local rest day on Wednesday the 4th, inside the pause, and Monday the 9th, after it.
    calendar_services.calendar_day_set(actor=county.office_user, date=date(2026, 11, 4), is_workday=False, name="县庆")
    calendar_services.calendar_day_set(actor=county.office_user, date=date(2026, 11, 9), is_workday=False, name="县庆")
    deadlines.refresh_open()
    case.refresh_from_db()
    # Fresh computation: 5 working days from Mon 2 Nov 10:00, plus the pause (Tue 10:00 → Thu 10:00 with Wed
    # off: 1 working day), skipping the new rest days.
    expected = workdays.add_working_time(at(2026, 11, 2, 10), timedelta(days=6))
    assert case.due_at == expected != before
    assert expected.astimezone(CST) == at(2026, 11, 12, 10)


def test_an_approved_extension_moves_the_deadline_and_a_refused_one_does_not(county, file_case):
    case = assign_at(county, file_case, at(2026, 11, 2, 10))
    with time_machine.travel(at(2026, 11, 3, 10), tick=False):
        handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
        handling.extension_request(actor=county.gxj_handler, case_id=case.pk, days=2, reason="需银行总行审批")
        handling.extension_decide(
            actor=county.office_user,
            extension_id=ExtensionRequest.objects.get(case=case).pk,
            approve=False,
            note="请按期办结",
        )
    case.refresh_from_db()
    assert case.due_at.astimezone(CST) == at(2026, 11, 9, 10)
    with time_machine.travel(at(2026, 11, 4, 10), tick=False):
        handling.extension_request(actor=county.gxj_handler, case_id=case.pk, days=2, reason="需银行总行审批")
        pending = ExtensionRequest.objects.get(case=case, status="pending")
        handling.extension_decide(actor=county.office_user, extension_id=pending.pk, approve=True)
    case.refresh_from_db()
    assert case.due_at.astimezone(CST) == at(2026, 11, 11, 10) and case.extension_days == 2


def test_reopening_starts_a_new_clock(county, heads, file_case):
    case = assign_at(county, file_case, at(2026, 11, 2, 10))
    with time_machine.travel(at(2026, 11, 3, 10), tick=False):
        handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
        handling.reply_draft(actor=county.gxj_head, case_id=case.pk, outcome="solved", text="已办结")
    from cases.services import review

    with time_machine.travel(at(2026, 11, 16, 9), tick=False):
        review.case_rate(actor=county.ent_a_user, case_id=case.pk, rating="unsatisfied", comment="未解决", reopen=True)
    case.refresh_from_db()
    assert case.due_at.astimezone(CST) == at(2026, 11, 23, 9)
    assert case.events.filter(kind=CaseEvent.Kind.REOPENED).get().payload["resolve_days"] == 5


@pytest.mark.parametrize(
    ("now", "level"),
    [
        (at(2026, 11, 9, 11), Level.OVERDUE),
        (at(2026, 11, 9, 8), Level.DUE_TODAY),
        (at(2026, 11, 6, 12), Level.DUE_SOON),  # Friday noon: one working day to Monday 10:00 is ≤ 1 day
        (at(2026, 11, 4, 10), Level.ON_TIME),
    ],
)
def test_warning_levels(county, file_case, now, level):
    case = assign_at(county, file_case, at(2026, 11, 2, 10))  # due Monday 9 November 10:00
    thresholds = Thresholds.at(now)
    assert thresholds.level(case.due_at, case.state) == level
    in_queue = {
        Level.OVERDUE: thresholds.overdue_q(),
        Level.DUE_TODAY: thresholds.due_today_q(),
    }
    for name, q in in_queue.items():
        assert Case.objects.filter(q, pk=case.pk).exists() == (name == level)


def test_no_level_before_assignment_or_after_resolution(county, file_case):
    case = file_case()
    assert deadlines.level_of(case) is None
