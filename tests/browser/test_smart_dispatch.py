"""Smart dispatch (智能派单) as the office uses it: a loan problem comes in by the hotline; the office opens the
case, the triage panel loads under it with three ranked categories and lead units and the words behind them;
one click assigns it as suggested; the case page shows it assigned to the suggested unit and the database
agrees; the dashboard then shows the suggestion accuracy with this dispatch counted.

Elements are found by data-testid, never by visible text (see docs/testing.md).
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Case, DispatchSuggestion
from cases.services import intake
from cases.tests.test_smart_similarity import LOAN

pytest_plugins = ["cases.tests.test_smart_support"]


@pytest.fixture
def loan_case(county, categories) -> Case:
    return intake.case_submit(
        actor=county.office_user,
        enterprise_ids=[county.ent_a.pk],
        channel=Case.Channel.HOTLINE,
        title=LOAN[0],
        description=LOAN[1],
        category_id=categories["other"].pk,
    )[0]


def test_the_office_assigns_a_new_case_as_suggested_in_one_click(
    county, trained, catalogue, categories, loan_case, page, login_as, review_screenshot
):
    office = login_as(page, county.office_user, next_url=reverse("case_detail", args=[loan_case.pk]))
    panel = office.get_by_test_id("smart-dispatch")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("suggested-category")).to_have_count(3)
    expect(panel.get_by_test_id("suggested-lead")).to_have_count(3)
    expect(panel.get_by_test_id("suggested-category").first).to_contain_text(categories["financing"].name)
    expect(panel.get_by_test_id("suggested-lead").first).to_contain_text(county.fgj.name)
    review_screenshot(office, "smart-dispatch-panel")

    panel.get_by_test_id("suggestion-confirm").click()
    office.wait_for_url(f"**{reverse('case_detail', args=[loan_case.pk])}")
    expect(office.get_by_test_id("smart-dispatch")).to_have_count(0)  # dispatched: no panel any more

    loan_case.refresh_from_db()
    assert (loan_case.state, loan_case.lead_unit, loan_case.category) == (
        Case.State.ASSIGNED,
        county.fgj,
        categories["financing"],
    )
    suggestion = DispatchSuggestion.objects.get(case=loan_case)
    assert (suggestion.confirmed, suggestion.category_rank, suggestion.lead_rank) == (True, 1, 1)
    assert suggestion.decided_by == county.office_user

    office.goto(reverse("report_dashboard"))
    expect(office.get_by_test_id("accuracy-decided")).to_have_text("1")
    expect(office.get_by_test_id("accuracy-category-top1")).to_have_text("100%")
