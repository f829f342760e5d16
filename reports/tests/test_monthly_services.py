"""The unit monthly report's services: who files, who writes (the unit's handlers and heads, a head also for
the units below; not the office), submission, the office's reopening, and concurrent edits."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import Role, Scope, UserRole
from core.models import Notification
from reports.models import MonthlyReport
from reports.selectors import monthly as selectors
from reports.services import monthly as services
from reports.tests.test_monthly_support import NOV, TEXTS, at, save

pytest_plugins = ["reports.tests.test_monthly_support"]


# Who files ----------------------------------------------------------------------------------------------


def test_units_due_are_the_lead_units_of_the_months_year(monthly):
    c = monthly
    assert list(selectors.units_due(NOV)) == [c.gxj, c.gxj_sme]
    # ent_b's 2025 linkage was 工信局's: it filed for 2025's months.
    assert list(selectors.units_due(dt.date(2025, 11, 1))) == [c.gxj]
    assert not selectors.units_due(dt.date(2024, 11, 1)).exists()


def test_a_unit_that_leads_no_linkage_has_no_report_to_file(monthly):
    with pytest.raises(ValidationError) as error:
        save(monthly.fgj_handler, monthly.fgj)
    assert error.value.code == "not_due"
    assert "leads the linkage of no enterprise in 2026" in error.value.messages[0]
    assert not MonthlyReport.objects.exists()


def test_a_month_not_begun_cannot_be_written(monthly):
    with pytest.raises(ValidationError) as error:
        save(monthly.gxj_handler, monthly.gxj, month=dt.date(2026, 12, 1))
    assert "before the month begins" in str(error.value)


# Who writes ---------------------------------------------------------------------------------------------


def test_the_units_handler_saves_a_draft_due_on_the_20th(monthly):
    report = save(monthly.gxj_handler, monthly.gxj, enterprises_situation="  生产正常  ")
    report.refresh_from_db()
    assert (report.unit, report.month, report.due_on) == (monthly.gxj, NOV, dt.date(2026, 11, 20))
    assert report.status == MonthlyReport.Status.DRAFT
    assert report.enterprises_situation == "生产正常"
    assert report.submitted_at is None and not report.is_late

    # A second save edits the same row.
    again = save(monthly.gxj_handler, monthly.gxj, problems_progress="无")
    assert again.pk == report.pk and MonthlyReport.objects.count() == 1
    again.refresh_from_db()
    assert (again.enterprises_situation, again.problems_progress) == ("", "无")


def test_the_units_head_writes_its_report_and_those_of_the_units_below(monthly):
    c = monthly
    own = save(c.gxj_head, c.gxj)
    below = save(c.gxj_head, c.gxj_sme)
    assert {own.unit_id, below.unit_id} == {c.gxj.pk, c.gxj_sme.pk}
    submitted = services.monthly_report_submit(actor=c.gxj_head, report_id=below.pk)
    assert submitted.submitted_by == c.gxj_head


def test_a_sub_units_handler_writes_its_own_but_cannot_reach_the_parents(monthly):
    c = monthly
    save(c.sme_handler, c.gxj_sme)
    with pytest.raises(Http404):
        save(c.sme_handler, c.gxj)


def test_a_colleague_unit_gets_404(monthly):
    c = monthly
    with pytest.raises(Http404):
        save(c.fgj_handler, c.gxj)
    report = save(c.gxj_handler, c.gxj)
    with pytest.raises(Http404):
        services.monthly_report_submit(actor=c.fgj_handler, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.DRAFT


def test_a_handler_who_sees_the_unit_but_does_not_belong_to_it_gets_403(monthly, make_user):
    wide = make_user("wide_handler", unit=monthly.fgj)
    UserRole.objects.create(user=wide, role=Role.UNIT_HANDLER, scope=Scope.ALL)
    with pytest.raises(PermissionDenied):
        save(wide, monthly.gxj)


@pytest.mark.parametrize("who", ["ent_a_user", "leader", "cadre", "auditor"])
def test_others_get_403(monthly, who):
    with pytest.raises(PermissionDenied):
        save(getattr(monthly, who), monthly.gxj)
    report = save(monthly.gxj_handler, monthly.gxj)
    with pytest.raises(PermissionDenied):
        services.monthly_report_submit(actor=getattr(monthly, who), report_id=report.pk)


def test_the_office_may_not_write_a_units_report(monthly):
    with pytest.raises(PermissionDenied) as error:
        save(monthly.office_user, monthly.gxj)
    assert "only the unit writes and submits its own" in str(error.value)
    report = save(monthly.gxj_handler, monthly.gxj)
    with pytest.raises(PermissionDenied):
        services.monthly_report_submit(actor=monthly.office_user, report_id=report.pk)


# Submitting ---------------------------------------------------------------------------------------------


def test_submit_records_time_submitter_snapshot_and_timeliness(monthly):
    c = monthly
    report = save(c.gxj_handler, c.gxj)
    submitted = services.monthly_report_submit(actor=c.gxj_head, report_id=report.pk)
    submitted.refresh_from_db()
    assert submitted.status == MonthlyReport.Status.SUBMITTED
    assert submitted.submitted_at == at(2026, 11, 18, 10)
    assert submitted.submitted_by == c.gxj_head
    assert submitted.is_late is False
    snapshot = submitted.snapshot
    assert snapshot["unit"] == {"id": c.gxj.pk, "name": c.gxj.name}
    assert snapshot["month"] == "2026-11"
    assert [line["name"] for line in snapshot["enterprises"]] == [c.ent_a.name]
    # JSON-native values only: the stored document reads back exactly.
    assert json.loads(json.dumps(snapshot)) == snapshot


def test_a_submitted_report_cannot_be_changed(monthly):
    c = monthly
    report = save(c.gxj_handler, c.gxj)
    services.monthly_report_submit(actor=c.gxj_handler, report_id=report.pk)
    with pytest.raises(ValidationError) as error:
        save(c.gxj_head, c.gxj, enterprises_situation="改")
    assert error.value.code == "submitted"
    assert "was submitted on 2026-11-18 10:00 and can no longer be changed" in error.value.messages[0]
    assert "reopen" in error.value.messages[0]
    with pytest.raises(ValidationError):
        services.monthly_report_submit(actor=c.gxj_handler, report_id=report.pk)
    report.refresh_from_db()
    assert report.enterprises_situation == TEXTS["enterprises_situation"]


def test_submit_needs_the_three_main_parts(monthly):
    c = monthly
    report = save(c.gxj_handler, c.gxj, enterprises_situation="生产正常")
    with pytest.raises(ValidationError) as error:
        services.monthly_report_submit(actor=c.gxj_handler, report_id=report.pk)
    assert set(error.value.message_dict) == {"problems_progress", "plans_progress"}
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.DRAFT and report.submitted_at is None


def test_text_longer_than_the_limit_is_refused(monthly):
    with pytest.raises(ValidationError) as error:
        save(monthly.gxj_handler, monthly.gxj, next_steps="字" * (services.MAX_TEXT + 1))
    assert set(error.value.message_dict) == {"next_steps"}


# Reopening ----------------------------------------------------------------------------------------------


def test_the_office_reopens_and_the_first_submission_still_counts(monthly):
    c = monthly
    report = save(c.gxj_handler, c.gxj)
    services.monthly_report_submit(actor=c.gxj_handler, report_id=report.pk)

    c.frozen.move_to(at(2026, 11, 24, 9))  # after the due date
    reopened = services.monthly_report_reopen(actor=c.office_user, report_id=report.pk, reason="请补充企业用工情况")
    reopened.refresh_from_db()
    assert reopened.status == MonthlyReport.Status.DRAFT
    assert reopened.submitted_at == at(2026, 11, 18, 10) and reopened.is_late is False
    told = Notification.objects.filter(topic=f"monthly-report:{report.pk}")
    assert set(told.values_list("recipient__username", flat=True)) == {"gxj_handler", "gxj_head"}
    assert told.first().body == "请补充企业用工情况"

    # The unit corrects it; a head submits it again, late by the clock, but the first submission counts.
    save(c.gxj_head, c.gxj, **{**TEXTS, "enterprises_situation": "补充：用工稳定。"})
    again = services.monthly_report_submit(actor=c.gxj_head, report_id=report.pk)
    again.refresh_from_db()
    assert again.status == MonthlyReport.Status.SUBMITTED
    assert again.submitted_at == at(2026, 11, 18, 10)
    assert again.submitted_by == c.gxj_handler
    assert again.is_late is False
    assert again.snapshot["taken_at"].startswith("2026-11-24T09:00")


def test_only_the_office_reopens_and_only_a_submitted_report(monthly):
    c = monthly
    report = save(c.gxj_handler, c.gxj)
    with pytest.raises(ValidationError) as error:
        services.monthly_report_reopen(actor=c.office_user, report_id=report.pk)
    assert error.value.code == "not_submitted"
    services.monthly_report_submit(actor=c.gxj_handler, report_id=report.pk)
    for who in (c.gxj_head, c.gxj_handler, c.auditor, c.ent_a_user):
        with pytest.raises(PermissionDenied):
            services.monthly_report_reopen(actor=who, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.SUBMITTED


# Concurrent edits ---------------------------------------------------------------------------------------


def test_a_save_over_someone_elses_newer_draft_is_refused(monthly):
    c = monthly
    report = save(c.gxj_handler, c.gxj)
    loaded = report.updated_at  # both open the draft now
    c.frozen.shift(dt.timedelta(minutes=5))
    save(c.gxj_head, c.gxj, enterprises_situation="局长改过")
    c.frozen.shift(dt.timedelta(minutes=1))
    with pytest.raises(ValidationError) as error:
        services.monthly_report_save(
            actor=c.gxj_handler, unit_id=c.gxj.pk, month=NOV, expected_updated_at=loaded, **TEXTS
        )
    assert error.value.code == "conflict"
    report.refresh_from_db()
    assert report.enterprises_situation == "局长改过"
    # Having reloaded, the handler saves over the current draft.
    services.monthly_report_save(
        actor=c.gxj_handler, unit_id=c.gxj.pk, month=NOV, expected_updated_at=report.updated_at, **TEXTS
    )
    report.refresh_from_db()
    assert report.enterprises_situation == TEXTS["enterprises_situation"]
