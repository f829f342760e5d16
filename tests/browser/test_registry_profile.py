"""The office finds an enterprise on the list and opens its profile (企业画像); the profile fits a phone; the
office registers an enterprise, meeting the check-character error on the way."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from conftest import make_credit_code
from enterprises.models import Enterprise, Industry, Tag
from enterprises.validators import ALPHABET


def test_office_searches_the_list_and_opens_a_profile(page, county, login_as, review_screenshot):
    county.ent_c.industry = Industry.objects.get(code="361")
    county.ent_c.contact_phone = "13812345678"
    county.ent_c.save()
    county.ent_c.tags.add(Tag.objects.get(code="srdi"))

    login_as(page, county.office_user, next_url=reverse("enterprise_list"))
    rows = page.get_by_test_id("enterprise-row")
    expect(rows).to_have_count(3)

    filters = page.get_by_test_id("enterprise-filters")
    filters.locator('input[name="q"]').fill("邵水")
    filters.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"[?&]q=%E9%82%B5%E6%B0%B4"))
    expect(rows).to_have_count(1)
    review_screenshot(page, "registry-list-search")

    page.get_by_role("link", name=county.ent_c.name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"{reverse('enterprise_detail', args=[county.ent_c.pk])}$"))
    expect(page.get_by_test_id("enterprise-name")).to_contain_text(county.ent_c.name)
    expect(page.get_by_test_id("credit-code")).to_have_text(county.ent_c.credit_code)
    expect(page.get_by_test_id("industry")).to_contain_text("汽车整车制造")
    expect(page.get_by_test_id("industry")).to_contain_text("制造业")  # its section
    expect(page.get_by_test_id("enterprise-tags")).to_contain_text("专精特新")
    expect(page.get_by_test_id("contact-phone")).to_have_text("13812345678")  # the office sees it in full
    expect(page.get_by_test_id("enterprise-edit")).to_be_visible()
    review_screenshot(page, "registry-profile")


def test_profile_fits_a_phone_and_masks_the_phone_for_a_township(phone_page, county, login_as, review_screenshot):
    county.ent_c.contact_phone = "13812345678"
    county.ent_c.save()
    url = reverse("enterprise_detail", args=[county.ent_c.pk])
    login_as(phone_page, county.town_a_handler, next_url=url)

    expect(phone_page.get_by_test_id("credit-code")).to_have_text(county.ent_c.credit_code)
    expect(phone_page.get_by_test_id("contact-phone")).to_have_text("138****5678")
    expect(phone_page.get_by_test_id("enterprise-edit")).to_have_count(0)
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    review_screenshot(phone_page, "registry-profile-phone")


def test_office_registers_an_enterprise_after_a_mistyped_code(page, county, login_as, review_screenshot):
    code = make_credit_code(900)
    mistyped = code[:17] + next(ch for ch in ALPHABET if ch != code[17])
    login_as(page, county.office_user, next_url=reverse("enterprise_create"))
    form = page.get_by_test_id("enterprise-form")
    form.locator('input[name="credit_code"]').fill(mistyped)
    form.locator('input[name="name"]').fill("邵阳新能源科技有限公司")
    form.locator('select[name="region_id"]').select_option(str(county.town_b.pk))
    form.locator('input[name="industry_code"]').press_sequentially("361")
    # The look-up names the industry whose code was typed.
    expect(page.get_by_test_id("industry-chosen")).to_have_text("361 汽车整车制造")
    form.locator(f'input[name="tag_ids"][value="{Tag.objects.get(code="srdi").pk}"]').check()
    form.locator('button[type="submit"]').click()

    error = page.locator("#field-credit_code .errorlist")
    expect(error).to_contain_text(code[17])
    review_screenshot(page, "registry-form-error")
    assert not Enterprise.objects.filter(credit_code=code).exists()

    form.locator('input[name="credit_code"]').fill(code)
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("credit-code")).to_have_text(code)
    expect(page.get_by_test_id("enterprise-tags")).to_contain_text("专精特新")
    assert Enterprise.objects.get(credit_code=code).region == county.town_b
