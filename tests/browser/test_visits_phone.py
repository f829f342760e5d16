"""Recording a visit (走访) from a phone in the field: a linked cadre records a visit with two problems and
finds it in their list; a wrong date is explained next to the field; a township handler searches for an
enterprise they are not linked to.

Elements are found by data-testid, field name or value, never by visible text (see docs/testing.md).
"""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from enterprises.models import Visit


def test_a_cadre_records_a_visit_with_two_problems_from_a_phone(phone_page, county, login_as, review_screenshot):
    page = login_as(phone_page, county.cadre, next_url=reverse("visit_create"))

    # The cadre's only linked enterprise this year is offered first, already chosen.
    linked = page.get_by_test_id("linked-enterprises")
    expect(linked.locator(f'input[name="enterprise"][value="{county.ent_c.pk}"]')).to_be_checked()
    expect(page.locator('input[name="visited_on"]')).to_have_value(timezone.localdate().isoformat())

    page.locator('input[name="mode"][value="meeting"]').tap()
    page.locator('input[name="met_with"]').fill("王厂长")
    page.locator('textarea[name="notes"]').fill("座谈了解二季度生产情况")
    page.locator('textarea[name="problems"]').fill("用地手续办理慢\n熟练工招聘难")
    review_screenshot(page, "visit-record-phone")
    page.get_by_test_id("visit-save").tap()

    expect(page).to_have_url(re.compile(rf"{re.escape(reverse('visit_list'))}\?mine=1$"))
    rows = page.get_by_test_id("visit-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(county.ent_c.name)
    expect(rows.first.get_by_test_id("visit-problem-count")).to_have_text("2")
    review_screenshot(page, "visit-list-phone")

    visit = Visit.objects.get()
    assert (visit.visitor, visit.unit, visit.mode, visit.met_with) == (county.cadre, county.fgj, "meeting", "王厂长")
    assert [p.description for p in visit.problems.all()] == ["用地手续办理慢", "熟练工招聘难"]

    # The visit's own page lists both problems.
    rows.first.locator("a").first.tap()
    expect(page.get_by_test_id("visit-problems").locator("li")).to_have_count(2)


def test_a_future_date_is_explained_and_nothing_is_saved(phone_page, county, login_as):
    page = login_as(phone_page, county.cadre, next_url=reverse("visit_create"))
    today = timezone.localdate()
    page.locator('input[name="visited_on"]').fill((today + dt.timedelta(days=2)).isoformat())
    page.locator('textarea[name="problems"]').fill("融资难")
    page.get_by_test_id("visit-save").tap()

    with translation.override("zh-hans"):
        expected = translation.gettext("The visit date cannot be in the future (today is %(today)s).") % {
            "today": today.isoformat()
        }
    expect(page.locator(".errorlist")).to_contain_text(expected)
    # What was typed is still there to correct.
    expect(page.locator('textarea[name="problems"]')).to_have_value("融资难")
    assert not Visit.objects.exists()


def test_a_township_handler_finds_an_enterprise_by_searching(phone_page, county, login_as):
    page = login_as(phone_page, county.town_a_handler, next_url=reverse("visit_create"))
    page.get_by_test_id("enterprise-search").fill("湘中")
    choice = page.locator(f'#enterprise-results input[name="enterprise"][value="{county.ent_a.pk}"]')
    expect(choice).to_be_visible()
    choice.tap()
    page.locator('textarea[name="problems"]').fill("订单不足")
    page.get_by_test_id("visit-save").tap()

    expect(page.get_by_test_id("visit-row")).to_have_count(1)
    visit = Visit.objects.get()
    assert (visit.enterprise, visit.unit) == (county.ent_a, county.town_a_gov)
