"""The office opens the dashboard (驾驶舱): the charts are drawn (each has its canvas), the targets show, and a
click on a chart opens the list behind it: a category bar the case list of that category, the pie the case
list of that channel. Elements are found by data-testid, never by visible text (see docs/testing.md)."""

import re
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseCategory
from cases.tests.test_indicators_support import make_case
from enterprises.models import AssistancePlan, PlanGoal, WarningLevel

CHARTS = ("chart-trend", "chart-category", "chart-channel", "chart-region", "chart-plans")


def test_office_opens_the_dashboard_and_a_chart_opens_its_list(page, county, login_as, review_screenshot):
    financing = CaseCategory.objects.get(code="financing")
    moment = timezone.now() - timedelta(minutes=5)
    # Case numbers are drawn under a row lock: in a transaction (the browser tests run outside one).
    with transaction.atomic():
        for enterprise in (county.ent_a, county.ent_b):
            make_case(enterprise, submitted_at=moment, category=financing, channel=Case.Channel.HOTLINE)
        make_case(
            county.ent_c,
            submitted_at=moment,
            category=financing,
            channel=Case.Channel.HOTLINE,
            state=Case.State.IN_PROGRESS,
            lead=county.fgj,
            accepted_at=moment,
            due_at=moment + timedelta(days=7),
        )
        make_case(
            county.ent_a,
            submitted_at=moment,
            category=CaseCategory.objects.get(code="labour"),
            channel=Case.Channel.SELF_SERVICE,
            state=Case.State.RESOLVED,
            lead=county.gxj,
            accepted_at=moment,
            due_at=moment + timedelta(days=7),
            outcome=Case.Outcome.SOLVED,
            resolved_at=moment,
            resolved_on_time=True,
            rating=Case.Rating.SATISFIED,
        )
    county.ent_a.warning_level = WarningLevel.RED
    county.ent_a.save()
    plan = AssistancePlan.objects.create(
        enterprise=county.ent_c, year=moment.year, category=AssistancePlan.Category.SRDI
    )
    PlanGoal.objects.create(plan=plan, name="营收", target=1, achieved=True)
    PlanGoal.objects.create(plan=plan, name="专利", target=1)

    login_as(page, county.office_user, next_url=reverse("report_dashboard"))
    for chart in CHARTS:
        expect(page.get_by_test_id(chart).locator("canvas").first).to_be_visible()
        expect(page.get_by_test_id(chart)).to_have_attribute("data-drawn", "true")
    expect(page.get_by_test_id("target-card")).to_have_count(3)
    expect(page.get_by_test_id("ranking-row")).to_have_count(2)
    expect(page.get_by_test_id("total-collected")).to_contain_text("4")
    expect(page.get_by_test_id("risk-red")).to_contain_text("1")
    review_screenshot(page, "reports-dashboard")

    # One category, one bar: a click in the middle of the chart opens that category's cases.
    page.get_by_test_id("chart-category").click()
    expect(page).to_have_url(re.compile(rf"/cases/\?.*category={financing.pk}"))
    expect(page.get_by_test_id("case-row")).to_have_count(3)

    # The hotline's slice: three of the four cases, clockwise from 12 o'clock after self-service's quarter
    # (90° to 360°); a point on the ring (radius 35–65 % around 50 %, 45 %) at 225°, lower left.
    page.go_back()
    channel = page.get_by_test_id("chart-channel")
    expect(channel).to_have_attribute("data-drawn", "true")  # the ring's opening animation is over
    box = channel.bounding_box()
    ring = min(box["width"], box["height"]) / 2 * 0.5
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.45
    page.mouse.click(centre_x - ring * 0.707, centre_y + ring * 0.707)
    expect(page).to_have_url(re.compile(r"/cases/\?.*channel=hotline"))
    expect(page.get_by_test_id("case-row")).to_have_count(3)
