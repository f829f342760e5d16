"""Logging in, per role, through the real form in a real browser; the shell every page shares (navigation,
language, phone layout, calendar warning); logging out.

Elements are found by data-testid, href, form field name or ARIA attribute, never by visible text: the
templates' English msgids get Chinese translations later.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.forms import LoginForm
from accounts.models import Unit
from conftest import PASSWORD
from core.models import CalendarYear
from core.workdays import missing_schedule_years

# The navigation entries, by URL name, and who sees them.
EVERYONE_NAV = {"home", "case_list", "notification_list"}
REGISTRY_NAV = {"enterprise_list", "warning_list", "loss_ratio", "pool_overview", "linkage_list", "plan_list"}
STAFF_NAV = EVERYONE_NAV | REGISTRY_NAV | {"visit_list", "unit_list", "user_list", "calendar"}
STAFF_NAV |= {"case_indicators", "common_issue_list", "case_settings", "policy_list"}
VISITOR_NAV = STAFF_NAV | {"visit_create"}
ENTERPRISE_NAV = EVERYONE_NAV | {"my_figures", "visit_list", "case_file", "my_policies"}
OVERSIGHT_NAV = {"login_log", "operation_log", "policy_performance"}
OFFICE_NAV = (
    VISITOR_NAV
    | OVERSIGHT_NAV
    | {"import_index", "token_list", "case_new", "callback_list", "grant_batch_list", "application_list"}
)
REPORTS_NAV = {"report_dashboard", "assessment_scores"}  # office, auditor, leader, unit head and handler
OFFICE_NAV |= REPORTS_NAV | {"dispatch_report", "monthly_report_list", "bulletin_list"}
STAFF_NAV |= {"dispatch_report"}
VISITOR_NAV |= {"dispatch_report"}
ALL_NAV = OFFICE_NAV | ENTERPRISE_NAV

# role (panel-<role>) -> (attribute of the `county` fixture, the navigation entries that role sees)
ROLES = {
    "office": ("office_user", OFFICE_NAV),
    "leader": ("leader", VISITOR_NAV | REPORTS_NAV | {"bulletin_list"}),
    "unit_head": ("gxj_head", VISITOR_NAV | REPORTS_NAV | {"monthly_report_list", "bulletin_list"}),
    "unit_handler": ("gxj_handler", VISITOR_NAV | REPORTS_NAV | {"monthly_report_list"}),
    "cadre": ("cadre", VISITOR_NAV),
    "enterprise": ("ent_a_user", ENTERPRISE_NAV),
    "auditor": ("auditor", STAFF_NAV | OVERSIGHT_NAV | REPORTS_NAV | {"monthly_report_list", "bulletin_list"}),
}


def nav_hrefs(page: Page) -> set[str]:
    return set(page.locator("#main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))


def url_pattern(path: str) -> re.Pattern:
    """The page at `path` on any host, with no query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


@pytest.mark.parametrize("role", ROLES)
def test_role_logs_in_to_its_desk_and_out(page, county, login_as, review_screenshot, role):
    attribute, sees = ROLES[role]
    user = getattr(county, attribute)
    active_units = Unit.objects.filter(is_active=True).count()

    login_as(page, user)

    expect(page).to_have_url(url_pattern(reverse("home")))
    expect(page.get_by_test_id("current-user")).to_contain_text(user.full_name)
    # One role, one desk.
    expect(page.get_by_test_id(f"panel-{role}")).to_be_visible()
    expect(page.locator('[data-testid^="panel-"]')).to_have_count(1)
    if role == "office":  # the whole county is in the office's scope
        expect(page.get_by_test_id("count-units")).to_have_text(str(active_units))

    # On a desktop the navigation is open and the ☰ toggle hidden.
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator('button[aria-controls="main-nav"]')).to_be_hidden()
    known = {reverse(name): name for name in ALL_NAV}
    shown = {known[href] for href in nav_hrefs(page) if href in known}
    assert shown == sees, f"{role} sees {sorted(shown)}: missing {sorted(sees - shown)}, extra {sorted(shown - sees)}"

    review_screenshot(page, f"home-{role}")

    page.locator(f'form[action="{reverse("logout")}"] button[type="submit"]').click()
    expect(page).to_have_url(url_pattern(reverse("login")))
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    # The session is gone: home sends back to the login page.
    page.goto(reverse("home"))
    expect(page).to_have_url(url_pattern(f"{reverse('login')}?next=/"))


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page, county):
    page.goto(reverse("login"))
    form = page.get_by_test_id("login-form")
    form.locator('input[name="username"]').fill(county.office_user.username)
    form.locator('input[name="password"]').fill(PASSWORD + "-wrong")
    form.locator('button[type="submit"]').click()

    with translation.override("zh-hans"):
        message = str(LoginForm.error_messages["invalid_login"])
    expect(page.get_by_test_id("login-error")).to_have_text(message)
    expect(page).to_have_url(url_pattern(reverse("login")))
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    page.goto(reverse("home"))
    expect(page).to_have_url(url_pattern(f"{reverse('login')}?next=/"))


def test_default_language_is_simplified_chinese_and_the_selector_switches_to_english(page, county, login_as):
    html = page.locator("html")
    page.goto(reverse("login"))
    expect(html).to_have_attribute("lang", "zh-hans")

    login_as(page, county.office_user)
    expect(html).to_have_attribute("lang", "zh-hans")
    language = page.locator(f'form[action="{reverse("set_language")}"] select[name="language"]')
    expect(language).to_have_value("zh-hans")

    language.select_option("en")  # submits the form on change
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(url_pattern(reverse("home")))  # back where we were
    expect(language).to_have_value("en")
    page.goto(reverse("unit_list"))  # the choice sticks
    expect(html).to_have_attribute("lang", "en")

    language.select_option("zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(url_pattern(reverse("unit_list")))


def test_phone_navigation_is_behind_the_toggle(phone_page, county, login_as, review_screenshot):
    page = phone_page
    login_as(page, county.office_user)
    nav = page.locator("#main-nav")
    toggle = page.locator('button[aria-controls="main-nav"]')

    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"

    toggle.tap()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    units = nav.locator(f'a[href="{reverse("unit_list")}"]')
    expect(units).to_be_visible()
    review_screenshot(page, "phone-nav-open")

    units.tap()
    expect(page).to_have_url(url_pattern(reverse("unit_list")))
    expect(nav).to_be_hidden()  # closed again on the next page


def test_calendar_warning_banner_names_the_missing_years(page, county, login_as):
    missing = missing_schedule_years()
    assert missing, "premise: a year up to 60 days ahead has no official holiday schedule (true on 2026-11-22: 2027)"
    banner = page.get_by_test_id("calendar-warning")

    page.goto(reverse("login"))
    expect(banner).to_have_count(0)  # not for anonymous visitors

    login_as(page, county.office_user)
    expect(banner).to_be_visible()
    for year in missing:
        expect(banner).to_contain_text(str(year))
    expect(banner.locator(f'a[href="{reverse("calendar")}"]')).to_be_visible()

    # Once the office has entered the schedules, the warning goes away.
    for year in missing:
        CalendarYear.objects.create(year=year, schedule_entered=True, source="国办发明电")
    page.reload()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    expect(banner).to_have_count(0)
