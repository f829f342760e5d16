"""The office's reports, each read on its page and downloaded: last month's dispatch report (月调度) and its
workbook, the last finished quarter's bulletin (季通报) with its 文号 and a good practice, then its Word
document, and this year's assessment (年考核) of the departments with 工信局's working and the workbook. Then
工信局's handler, in a browser of their own, writes and submits this month's monthly report (单位月报).

The data is a little, built in the test, dated from today (no clock travel: the live server runs in a thread
of this process): three cases of last month (rows), 工信局 leading 湘中机械 this year with a plan, a visit and
last month's report submitted on time, and a commendation recorded through the assessment service.

Elements are found by data-testid or field name, never by visible text (see docs/testing.md).
"""

import io
import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import docx
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from cases.models import Case
from cases.tests.test_indicators_support import make_case
from core.periods import add_months, current_month
from enterprises.models import AssistancePlan, Linkage, MonthlyFigure, PlanGoal, Visit
from reports.models import AssessmentEvidence, AssessmentScheme, Bulletin, GoodPractice, MonthlyReport
from reports.selectors.bulletin import quarter_of
from reports.selectors.monthly import RowState
from reports.services import assessment as assessment_services

State = Case.State
Outcome = Case.Outcome
# The dispatch workbook's sheets, in the page's order (their names are translated, like the page).
DISPATCH_SHEETS = (
    "Summary",
    "Overdue cases",
    "Visit coverage",
    "Plans",
    "Indicators by unit",
    "Indicators by region",
    "Economy",
)
TEXTS = {
    "enterprises_situation": "湘中机械本月生产正常，订单饱满。",
    "problems_progress": "本月新增诉求2件，已解决1件，1件超期正在督办。",
    "plans_progress": "扭亏帮扶计划完成目标1项。",
    "next_steps": "下月继续走访，协调续贷。",
}


def local(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def download(page: Page, link: Locator) -> bytes:
    """Click a download link and read what the browser saved."""
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def build_data(county, last_month: date) -> dict:
    """Last month's cases, 工信局's linkage, plan, visit and monthly report of the year, and a commendation."""
    c, today = county, timezone.localdate()
    year = today.year
    day = last_month.replace
    # Case numbers are drawn under a row lock: in a transaction (the browser tests run outside one).
    with transaction.atomic():
        solved = make_case(
            c.ent_a,
            submitted_at=local(day(day=5)),
            state=State.CLOSED,
            lead=c.gxj,
            accepted_at=local(day(day=5), 11),
            due_at=local(day(day=12)),
            resolved_at=local(day(day=9)),
            outcome=Outcome.SOLVED,
            resolved_on_time=True,
        )
        explained = make_case(
            c.ent_b,
            submitted_at=local(day(day=6)),
            state=State.RESOLVED,
            lead=c.fgj,
            accepted_at=local(day(day=6), 11),
            due_at=local(day(day=13)),
            resolved_at=local(day(day=12)),
            outcome=Outcome.EXPLAINED,
            resolved_on_time=True,
        )
        overdue = make_case(
            c.ent_a,
            submitted_at=local(day(day=10)),
            state=State.IN_PROGRESS,
            lead=c.gxj,
            accepted_at=local(day(day=10), 11),
            due_at=local(day(day=17)),
        )
    # This year's linkage (the assessment, the monthly report); in January last month's year needs its own.
    for linkage_year in {last_month.year, year}:
        Linkage.objects.create(enterprise=c.ent_a, year=linkage_year, leader=c.leader, lead_unit=c.gxj)
    plan = AssistancePlan.objects.create(
        enterprise=c.ent_a, year=year, category=AssistancePlan.Category.TURNAROUND, status=AssistancePlan.Status.ACTIVE
    )
    goal = PlanGoal.objects.create(plan=plan, name="扭亏为盈", target=Decimal(1), achieved=True)
    Visit.objects.create(enterprise=c.ent_a, visitor=c.gxj_handler, unit=c.gxj, visited_on=day(day=8))
    MonthlyFigure.objects.create(
        enterprise=c.ent_a, period=last_month, output_value=Decimal(300), revenue=Decimal(250), total_profit=Decimal(20)
    )
    MonthlyReport.objects.create(
        unit=c.gxj,
        month=last_month,
        due_on=day(day=20),
        status=MonthlyReport.Status.SUBMITTED,
        submitted_at=local(day(day=15)),
        submitted_by=c.gxj_handler,
        is_late=False,
        **TEXTS,
    )
    commendation = assessment_services.evidence_add(
        actor=c.office_user,
        unit_id=c.gxj.pk,
        year=year,
        kind=AssessmentEvidence.Kind.COMMENDATION,
        occurred_on=today,
        description="助企服务受县政府通报表扬",
        source="县政府办",
    )
    return {"cases": (solved, explained, overdue), "goal": goal, "commendation": commendation}


def test_the_office_reads_and_downloads_its_reports_and_a_unit_files_its_monthly_report(
    county, new_page, login_as, review_screenshot
):
    today = timezone.localdate()
    this_month = current_month()
    last_month = add_months(this_month, -1)
    data = build_data(county, last_month)
    office = login_as(new_page(), county.office_user, next_url=reverse("dispatch_report"))

    # 1. Last month's dispatch report: three new cases, two answered (solved, explained), one overdue at the
    #    month's end; the workbook's summary says the same.
    month_value = f"{last_month:%Y-%m}"
    form = office.get_by_test_id("dispatch-form")
    form.get_by_test_id("dispatch-month").fill(month_value)
    form.locator('button[type="submit"]').click()
    expect(office).to_have_url(re.compile(rf"{re.escape(reverse('dispatch_report'))}\?month={month_value}$"))
    expect(office.get_by_test_id("dispatch-month")).to_have_value(month_value)
    expect(office.get_by_test_id("count-new").locator(".figure")).to_have_text("3")
    expect(office.get_by_test_id("count-solved").locator(".figure")).to_have_text("2")
    expect(office.get_by_test_id("count-overdue").locator(".figure")).to_have_text("1")
    overdue = data["cases"][2]
    expect(office.get_by_test_id("overdue-row")).to_have_count(1)
    expect(office.get_by_test_id("overdue-row")).to_have_attribute("data-number", overdue.number)
    gxj_row = office.locator(f'[data-testid="by-unit-row"][data-key="{county.gxj.pk}"]')
    expect(gxj_row.locator('[data-name="collected"]')).to_have_text("2")
    expect(
        office.locator(f'[data-testid="coverage-row"][data-key="{county.gxj.pk}"] [data-name="visited"]')
    ).to_have_text("1")
    review_screenshot(office, "reports-dispatch")

    workbook = load_workbook(io.BytesIO(download(office, office.get_by_test_id("dispatch-xlsx"))))
    assert workbook.sheetnames == [zh(name)[:31] for name in DISPATCH_SHEETS]
    summary = dict(workbook[zh("Summary")].iter_rows(min_row=3, max_col=2, values_only=True))
    assert summary[zh("Month")] == month_value
    assert summary[zh("New cases (submitted in the month)")] == 3
    assert summary[zh("Solved or explained in the month")] == 2
    assert summary[zh("Overdue at the end of the month")] == 1
    overdue_sheet = workbook[zh("Overdue cases")]
    assert [row[0] for row in overdue_sheet.iter_rows(min_row=3, values_only=True)] == [overdue.number]

    # 2. The last finished quarter's bulletin: the office gives it a 文号, adds a good practice, downloads it.
    year, quarter = quarter_of(today)
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    office.goto(reverse("bulletin_list"))
    row = office.locator(f'[data-testid="bulletin-quarter"][data-quarter="{year}-{quarter}"]')
    row.get_by_test_id("bulletin-open").click()
    expect(office).to_have_url(re.compile(rf"{re.escape(reverse('bulletin_edit', args=[year, quarter]))}$"))
    expect(office.get_by_test_id("bulletin-proposed")).to_be_visible()
    number = f"新助企办〔{year}〕{quarter + 10}号"
    form = office.get_by_test_id("bulletin-form")
    expect(form.locator('input[name="title"]')).not_to_have_value("")  # the proposed title
    form.locator('input[name="document_number"]').fill(number)
    form.get_by_test_id("bulletin-save").click()
    expect(office.get_by_test_id("bulletin-proposed")).to_have_count(0)
    expect(office.get_by_test_id("bulletin-form").locator('input[name="document_number"]')).to_have_value(number)
    bulletin = Bulletin.objects.get(year=year, quarter=quarter)
    assert (bulletin.document_number, bulletin.updated_by) == (number, county.office_user)

    practices = office.get_by_test_id("bulletin-practices")
    expect(practices.get_by_test_id("practice-none")).to_be_visible()
    practices.locator("details.bulletin-add > summary").click()
    add = practices.get_by_test_id("practice-add-form")
    practice_title = "工信局“一企一策”破解续贷难题"
    add.locator('select[name="new-unit"]').select_option(str(county.gxj.pk))
    add.locator('input[name="new-title"]').fill(practice_title)
    add.locator('textarea[name="new-body"]').fill("建立银企对接清单。\n每周调度一次。")
    with office.expect_response(lambda r: r.request.method == "POST") as answer:
        add.locator('button[type="submit"]').click()
    assert answer.value.status == 200 and answer.value.request.headers.get("hx-request") == "true"
    # HTMX swapped the section in place: the practice is listed, the page was not reloaded.
    expect(office.get_by_test_id("practice-title")).to_have_count(1)
    expect(office.get_by_test_id("practice-title")).to_contain_text(practice_title)
    expect(office.get_by_test_id("practice-none")).to_have_count(0)
    practice = GoodPractice.objects.get()
    assert (practice.year, practice.quarter, practice.unit, practice.title) == (
        year,
        quarter,
        county.gxj,
        practice_title,
    )
    review_screenshot(office, "reports-bulletin-edit")

    document = docx.Document(io.BytesIO(download(office, office.get_by_test_id("bulletin-docx"))))
    paragraphs = [p.text for p in document.paragraphs]
    assert number in paragraphs
    assert any(practice_title in text and county.gxj.name in text for text in paragraphs)

    # 3. This year's assessment of the departments: 工信局's row opens on its working, the workbook agrees.
    office.goto(f"{reverse('assessment_scores')}?year={today.year}&target={AssessmentScheme.Target.DEPARTMENT}")
    row = office.locator(f'[data-testid="assessment-row"][data-unit="{county.gxj.pk}"]')
    expect(row).to_be_visible()
    total = row.get_by_test_id("assessment-total").inner_text()
    working = office.get_by_test_id(f"working-{county.gxj.pk}")
    expect(working.locator('[data-testid="working-line"]').first).to_be_hidden()
    working.locator("summary").click()
    expect(working).to_have_attribute("open", "")
    items = AssessmentScheme.objects.get(year=None, target=AssessmentScheme.Target.DEPARTMENT).items.count()
    expect(working.get_by_test_id("working-item")).to_have_count(items)
    evidence = working.locator(
        f'[data-testid="working-line"][data-kind="evidence"][data-ref="{data["commendation"].pk}"]'
    )
    expect(evidence).to_be_visible()
    expect(evidence).to_contain_text("助企服务受县政府通报表扬")
    goal = working.locator(f'[data-testid="working-line"][data-kind="goal"][data-ref="{data["goal"].pk}"]')
    expect(goal).to_be_visible()
    expect(goal).not_to_have_class(re.compile("not-counted"))
    if last_month.year == today.year:  # last month's report (on time, 湘中机械 visited) counts this year
        month_line = working.locator(f'[data-testid="working-line"][data-kind="month"][data-ref="{month_value}"]')
        expect(month_line).to_be_visible()
        expect(month_line).not_to_have_class(re.compile("not-counted"))
    review_screenshot(office, "reports-assessment")

    workbook = load_workbook(io.BytesIO(download(office, office.get_by_test_id("assessment-export"))))
    assert len(workbook.sheetnames) == 2
    scores = {row[1]: row[-1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert scores[county.gxj.name] == float(total)
    lines = workbook.worksheets[1].iter_rows(min_row=2, values_only=True)
    assert any(row[0] == county.gxj.name and "助企服务受县政府通报表扬" in row[2] for row in lines)

    # 4. 工信局's handler writes this month's report (its unit leads 湘中机械's linkage this year) and submits it.
    handler = login_as(new_page(), county.gxj_handler, next_url=reverse("monthly_report_list"))
    monthly_row = handler.locator(f'[data-testid="monthly-row"][data-unit="{county.gxj.pk}"]')
    expect(monthly_row).to_have_attribute("data-state", RowState.NOT_STARTED)
    expect(handler.locator('[data-testid="history-row"]')).to_have_count(1)  # last month's, on time
    monthly_row.get_by_test_id("monthly-open").click()
    edit_url = reverse("monthly_report_edit", args=[county.gxj.pk, f"{this_month:%Y-%m}"])
    expect(handler).to_have_url(re.compile(rf"{re.escape(edit_url)}$"))
    form = handler.get_by_test_id("monthly-form")
    for name, text in TEXTS.items():
        field = form.locator(f'textarea[name="{name}"]')
        expect(field).not_to_have_value("")  # prefilled from the data
        field.fill(text)
    review_screenshot(handler, "reports-monthly-form")
    form.get_by_test_id("monthly-submit").click()

    expect(handler.get_by_test_id("monthly-text")).to_be_visible()
    expect(handler.get_by_test_id("monthly-form")).to_have_count(0)
    for name, text in TEXTS.items():
        expect(handler.get_by_test_id(f"text-{name}")).to_have_text(text)
    report = MonthlyReport.objects.get(unit=county.gxj, month=this_month)
    assert (report.status, report.submitted_by) == (MonthlyReport.Status.SUBMITTED, county.gxj_handler)
    assert {name: getattr(report, name) for name in TEXTS} == TEXTS
    assert report.snapshot  # the figures as the handler saw them
    state = RowState.LATE if report.is_late else RowState.ON_TIME
    assert report.is_late == (today > date(today.year, today.month, 20))
    expect(handler.get_by_test_id("monthly-status")).to_have_attribute("data-state", state)
    expect(handler.get_by_test_id("monthly-submitted")).to_be_visible()
