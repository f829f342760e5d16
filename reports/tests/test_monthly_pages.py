"""The monthly report's pages: the list (a unit's own; the office's overview and its Excel export), the report
page (prefilled form, save, submit, read-only snapshot, the office's reopening), who may open what, and
the list pages' query counts as units and reports grow."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Unit
from enterprises.models import Linkage
from reports.models import MonthlyReport
from reports.services import monthly as services
from reports.tests.test_monthly_support import NOV, TEXTS, at, grow_units, submitted_report

pytest_plugins = ["reports.tests.test_monthly_support"]

LIST = reverse("monthly_report_list")


def edit_url(unit, month="2026-11"):
    return reverse("monthly_report_edit", args=[unit.pk, month])


def as_user(client, user):
    client.force_login(user)
    return client


# The list ----------------------------------------------------------------------------------------------


def test_a_handler_sees_this_months_report_to_write_and_their_history(monthly, client):
    c = monthly
    MonthlyReport.objects.create(unit=c.gxj, month=dt.date(2026, 10, 1), due_on=dt.date(2026, 10, 20))
    response = as_user(client, c.gxj_handler).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="monthly-overview"' in body and 'data-testid="monthly-export"' not in body
    rows = response.context["overview"].rows
    assert [(row.unit, row.state) for row in rows] == [(c.gxj, "not_started")]
    assert edit_url(c.gxj) in body
    assert [report.month for report, _state in response.context["history"]] == [dt.date(2026, 10, 1)]


def test_a_head_sees_the_units_below(monthly, client):
    c = monthly
    response = as_user(client, c.gxj_head).get(LIST)
    assert [row.unit for row in response.context["overview"].rows] == [c.gxj, c.gxj_sme]


def test_the_office_overview_counts_on_time_late_and_not_yet(monthly, client):
    c = monthly
    submitted_report(c)  # 工信局 on time
    response = as_user(client, c.office_user).get(LIST, {"month": "2026-11"})
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.counts == {"due": 2, "on_time": 1, "late": 0, "not_submitted": 1}
    body = response.content.decode()
    assert 'data-testid="count-on-time">1<' in body and 'data-testid="count-not-submitted">1<' in body
    assert [(row.unit, row.state) for row in overview.rows] == [(c.gxj, "on_time"), (c.gxj_sme, "not_started")]

    # Late: 中小企业股 files after the 20th.
    c.frozen.move_to(at(2026, 11, 23, 9))
    submitted_report(c, unit=c.gxj_sme, actor=c.sme_handler)
    overview = as_user(client, c.office_user).get(LIST, {"month": "2026-11"}).context["overview"]
    assert overview.counts == {"due": 2, "on_time": 1, "late": 1, "not_submitted": 0}


def test_the_office_exports_the_overview(monthly, client):
    c = monthly
    submitted_report(c)
    response = as_user(client, c.auditor).get(LIST, {"month": "2026-11", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Unit", "Month", "Due on", "Status")
    assert rows[1][0] == c.gxj.name and rows[1][1] == "2026-11" and rows[1][3] == "submitted on time"
    assert rows[1][4] == at(2026, 11, 18, 10).replace(tzinfo=None) and rows[1][6] == "no"
    assert rows[2][0] == c.gxj_sme.name and rows[2][3] == "not started"


@pytest.mark.parametrize("who", ["ent_a_user", "leader", "cadre"])
def test_the_list_is_not_for_enterprises_leaders_or_cadres(monthly, client, who):
    assert as_user(client, getattr(monthly, who)).get(LIST).status_code == 403


def test_a_month_not_begun_shows_this_month(monthly, client):
    response = as_user(client, monthly.office_user).get(LIST, {"month": "2027-01"})
    assert response.context["month"] == NOV


# The report page ---------------------------------------------------------------------------------------


def test_the_form_is_prefilled_saved_and_submitted(monthly, client):
    c = monthly
    client = as_user(client, c.gxj_handler)
    response = client.get(edit_url(c.gxj))
    assert response.status_code == 200
    form = response.context["form"]
    assert c.ent_a.name in form.initial["enterprises_situation"]
    assert form.initial["problems_progress"].startswith("Problems the unit leads: 0 new in 2026-11")
    assert 'data-testid="monthly-figures"' in response.content.decode()

    response = client.post(edit_url(c.gxj), {**TEXTS, "action": "save", "loaded_at": ""})
    assert response.status_code == 302
    report = MonthlyReport.objects.get(unit=c.gxj, month=NOV)
    assert report.status == "draft" and report.enterprises_situation == TEXTS["enterprises_situation"]

    # The draft's own text comes back, with the time it was loaded.
    form = client.get(edit_url(c.gxj)).context["form"]
    assert form.initial["enterprises_situation"] == TEXTS["enterprises_situation"]
    assert form.initial["loaded_at"] == report.updated_at.isoformat()

    response = client.post(
        edit_url(c.gxj), {**TEXTS, "action": "submit", "loaded_at": report.updated_at.isoformat()}, follow=True
    )
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == c.gxj_handler and not report.is_late
    body = response.content.decode()
    assert 'data-testid="monthly-form"' not in body
    assert 'data-testid="monthly-text"' in body and "The figures at submission" in body
    assert response.context["data"] == report.snapshot


def test_submitting_with_an_empty_part_shows_the_error_and_keeps_the_draft(monthly, client):
    c = monthly
    client = as_user(client, c.gxj_handler)
    response = client.post(edit_url(c.gxj), {**TEXTS, "plans_progress": "", "action": "submit", "loaded_at": ""})
    assert response.status_code == 200
    assert 'data-testid="error-plans_progress"' in response.content.decode()
    report = MonthlyReport.objects.get(unit=c.gxj, month=NOV)
    assert report.status == "draft" and report.plans_progress == ""
    # The form stands on the saved draft: filling the part in and submitting again goes through.
    loaded_at = response.context["form"]["loaded_at"].value()
    assert loaded_at == report.updated_at.isoformat()
    response = client.post(edit_url(c.gxj), {**TEXTS, "action": "submit", "loaded_at": loaded_at})
    assert response.status_code == 302
    assert MonthlyReport.objects.get(pk=report.pk).status == "submitted"


def test_a_stale_form_is_refused(monthly, client):
    c = monthly
    report = services.monthly_report_save(actor=c.gxj_head, unit_id=c.gxj.pk, month=NOV, **TEXTS)
    stale = "2026-11-18T09:00:00+08:00"
    response = as_user(client, c.gxj_handler).post(edit_url(c.gxj), {**TEXTS, "action": "save", "loaded_at": stale})
    assert response.status_code == 200
    assert "Someone else saved this report" in response.content.decode()
    assert MonthlyReport.objects.get(pk=report.pk).updated_at == report.updated_at


def test_a_submitted_report_is_read_only(monthly, client):
    c = monthly
    submitted_report(c)
    client = as_user(client, c.gxj_head)
    response = client.post(edit_url(c.gxj), {**TEXTS, "enterprises_situation": "改", "action": "save"}, follow=True)
    assert "can no longer be changed" in response.content.decode()
    assert MonthlyReport.objects.get(unit=c.gxj).enterprises_situation == TEXTS["enterprises_situation"]


def test_a_colleague_unit_gets_404_and_an_enterprise_403(monthly, client):
    c = monthly
    assert as_user(client, c.fgj_handler).get(edit_url(c.gxj)).status_code == 404
    assert as_user(client, c.sme_handler).get(edit_url(c.gxj)).status_code == 404
    assert as_user(client, c.ent_a_user).get(edit_url(c.gxj)).status_code == 403
    assert as_user(client, c.gxj_handler).get(edit_url(c.gxj, "2026-12")).status_code == 404
    assert as_user(client, c.gxj_handler).get(f"/reports/monthly/{c.gxj.pk}/2026-13/").status_code == 404


def test_a_unit_that_files_nothing_is_told_so(monthly, client):
    response = as_user(client, monthly.fgj_handler).get(edit_url(monthly.fgj))
    assert response.status_code == 200
    assert 'data-testid="monthly-not-due"' in response.content.decode()
    assert response.context["form"] is None


def test_the_office_reads_but_may_not_write_and_reopens(monthly, client):
    c = monthly
    client = as_user(client, c.office_user)
    response = client.get(edit_url(c.gxj))
    assert response.status_code == 200 and response.context["form"] is None
    assert 'data-testid="monthly-not-started"' in response.content.decode()
    assert client.post(edit_url(c.gxj), {**TEXTS, "action": "save"}).status_code == 403

    submitted_report(c)
    body = client.get(edit_url(c.gxj)).content.decode()
    assert 'data-testid="monthly-reopen-form"' in body
    reopen = reverse("monthly_report_reopen", args=[c.gxj.pk, "2026-11"])
    assert client.post(reopen, {"reason": "数据有误"}).status_code == 302
    report = MonthlyReport.objects.get(unit=c.gxj)
    assert report.status == "draft" and report.submitted_at == at(2026, 11, 18, 10)

    # The unit sees it reopened and may write again; a unit head cannot reopen.
    response = as_user(client, c.gxj_handler).get(edit_url(c.gxj))
    assert response.context["reopened"] and response.context["form"] is not None
    assert as_user(client, c.gxj_head).post(reopen).status_code == 403


# Query counts ------------------------------------------------------------------------------------------


# Session, user, roles, the month's reports, the units; the page adds the calendar banner and the header's unit.
OVERVIEW_QUERIES = 7
EXPORT_QUERIES = 5


def test_the_overview_costs_the_same_queries_for_2_and_10_units(monthly, client, django_assert_num_queries):
    c = monthly
    client = as_user(client, c.office_user)
    client.get(LIST)  # warm the per-process caches (calendar)
    assert Unit.objects.filter(pk__in=Linkage.objects.filter(year=2026).values("lead_unit")).count() == 2
    with django_assert_num_queries(OVERVIEW_QUERIES):
        assert len(client.get(LIST).context["overview"].rows) == 2
    grow_units(c, 8)
    with django_assert_num_queries(OVERVIEW_QUERIES):
        assert len(client.get(LIST).context["overview"].rows) == 10
    with django_assert_num_queries(EXPORT_QUERIES):
        assert client.get(LIST, {"export": "xlsx"}).status_code == 200


HISTORY_QUERIES = (
    9  # session, user, roles, reports, units, the history (count, page), the calendar banner, the header's unit
)


def test_a_units_list_costs_the_same_queries_for_2_and_10_reports(monthly, client, django_assert_num_queries):
    c = monthly
    client = as_user(client, c.gxj_handler)
    for month in range(1, 3):
        MonthlyReport.objects.create(
            unit=c.gxj, month=dt.date(2026, month, 1), due_on=dt.date(2026, month, 20), submitted_by=c.gxj_handler
        )
    client.get(LIST)
    with django_assert_num_queries(HISTORY_QUERIES):
        assert len(client.get(LIST).context["history"]) == 2
    for month in range(3, 11):
        MonthlyReport.objects.create(
            unit=c.gxj, month=dt.date(2026, month, 1), due_on=dt.date(2026, month, 20), submitted_by=c.gxj_handler
        )
    with django_assert_num_queries(HISTORY_QUERIES):
        assert len(client.get(LIST).context["history"]) == 10
