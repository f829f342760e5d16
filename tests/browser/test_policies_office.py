"""A support policy from entry to payment, as people do it in the browser (issue 6's Done-when).

The office enters a 免申即享 policy, builds its rule with the form's builder, checks who qualifies and why, is
refused a bad rule (nothing saved), saves and publishes it; the public page (no login) shows it with its QR
code; publishing matched it and told the eligible enterprise. The office generates the grant list; it cannot
approve its own list (four eyes): a colleague approves it in a browser of their own, then the payment is
recorded. The enterprise, on a phone, sees the policy it qualifies for, the one it nearly qualifies for with
what is missing, and what it was paid.

Data: three enterprises with last year's figures — 湘中机械 revenue 1,500 万元 and 50 employees (qualifies),
雀塘食品 900 (within 20 % of 1,000: nearly), 邵水新材料 100 (neither). Elements are found by data-testid or
field name (docs/testing.md).
"""

import json
import re
from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role, User, UserRole
from conftest import PASSWORD
from core.models import Notification
from enterprises.models import MonthlyFigure
from policies.models import Disbursement, GrantBatch, Policy, PolicyCategory
from policies.services import matching
from policies.tests.test_rules_evaluate import year_of_figures

TITLE = "新邵县规上工业企业稳产奖励办法"
REVENUE_RULE = {"fact": "last_year_revenue", "op": "gte", "value": 1000}
EMPLOYEES_RULE = {"fact": "employees", "op": "gte", "value": 10}


def build_figures(county) -> None:
    last_year = timezone.localdate().year - 1
    for enterprise, revenue in ((county.ent_a, 1500), (county.ent_b, 900), (county.ent_c, 100)):
        year_of_figures(enterprise, last_year, revenue=revenue)
        MonthlyFigure.objects.filter(enterprise=enterprise).update(employees=50)


def second_office_user(county) -> User:
    user = User.objects.create_user(
        username="office_deputy", password=PASSWORD, full_name="赵副主任", unit=county.office
    )
    UserRole.objects.create(user=user, role=Role.OFFICE)
    return user


def nearly_policy(county) -> Policy:
    """A published policy the qualifying enterprise misses by a little (revenue 1,500 of 1,700)."""
    policy = Policy.objects.create(
        title="新邵县工业企业增产奖励办法",
        issuer="新邵县人民政府",
        level=Policy.Level.COUNTY,
        benefit_kind=Policy.BenefitKind.GRANT,
        benefit_formula={"fixed": 5},
        obtain=Policy.Obtain.APPLICATION,
        application_deadline=date(timezone.localdate().year + 1, 6, 30),
        eligibility={"all": [{"fact": "last_year_revenue", "op": "gte", "value": 1700}, EMPLOYEES_RULE]},
        status=Policy.Status.PUBLISHED,
        published_on=timezone.localdate(),
        published_at=timezone.now(),
        created_by=county.office_user,
    )
    matching.match_policy(policy)
    return policy


def build_rule_with_the_builder(form, fact: str, op: str, value: str, *, first: bool = False) -> None:
    """Fill the builder's empty first row, or add a row and fill it."""
    builder = form.get_by_test_id("rule-builder")
    if not first:
        builder.locator("[data-role=add]").click()
    row = builder.get_by_test_id("rule-row").last
    row.locator("select[data-field=fact]").select_option(fact)
    row.locator("select[data-field=op]").select_option(op)
    row.locator("input[data-field=value]").fill(value)


def test_the_office_enters_publishes_and_pays_a_policy_and_the_enterprise_sees_it(
    county, new_page, phone_page, login_as, review_screenshot
):
    build_figures(county)
    deputy = second_office_user(county)
    other = nearly_policy(county)
    today = timezone.localdate()

    # 1. The office fills in the policy and builds its rule with the builder.
    office = login_as(new_page(), county.office_user, next_url=reverse("policy_new"))
    form = office.get_by_test_id("policy-form")
    form.locator('input[name="title"]').fill(TITLE)
    form.locator('input[name="document_number"]').fill(f"新政办发〔{today.year}〕30号")
    form.locator('input[name="issuer"]').fill("新邵县人民政府办公室")
    form.locator('select[name="level"]').select_option(Policy.Level.COUNTY)
    for name in ("published_on", "effective_from"):
        form.locator(f'input[name="{name}"]').fill(today.isoformat())
    form.locator('input[name="expires_on"]').fill(date(today.year + 2, 12, 31).isoformat())
    funding = PolicyCategory.objects.get(code="funding")
    form.locator(f'input[name="categories"][value="{funding.pk}"]').check()
    form.locator('textarea[name="summary"]').fill("对上年度营业收入达到1000万元、用工10人以上的工业企业给予稳产奖励。")
    form.locator('select[name="benefit_kind"]').select_option(Policy.BenefitKind.GRANT)
    form.locator('input[name="benefit_text"]').fill("一次性奖励10万元")
    form.locator('select[name="formula_kind"]').select_option("fixed")
    form.locator('input[name="formula_amount"]').fill("10")
    form.locator('select[name="obtain"]').select_option(Policy.Obtain.AUTO_GRANT)
    form.locator('input[name="interpreter_name"]').fill("曾志强")
    form.locator('input[name="interpreter_phone"]').fill("0739-3622158")
    expect(form.get_by_test_id("rule-builder")).to_be_visible()
    expect(form.get_by_test_id("rule-row")).to_have_count(1)
    build_rule_with_the_builder(form, "last_year_revenue", "gte", "1000", first=True)
    build_rule_with_the_builder(form, "employees", "gte", "10")
    form.get_by_test_id("rule-write").click()
    eligibility = form.locator('textarea[name="eligibility"]')
    assert json.loads(eligibility.input_value()) == {"all": [REVENUE_RULE, EMPLOYEES_RULE]}

    # 2. Who qualifies now, and why: one enterprise, with a reason per condition.
    form.get_by_test_id("preview-button").click()
    preview = office.get_by_test_id("policy-preview")
    expect(preview.get_by_test_id("preview-count")).to_have_text("1")
    expect(preview.get_by_test_id("preview-row")).to_have_count(1)
    expect(preview.get_by_test_id("preview-row")).to_contain_text(county.ent_a.name)
    expect(preview.get_by_test_id("preview-row").locator(".reason-passed")).to_have_count(3)  # "all" and its two parts

    # 3. A bad rule is refused with a message naming the wrong part, and nothing is saved.
    good_rule = eligibility.input_value()
    eligibility.fill('{"all": [{"fact": "revenu", "op": "gte", "value": 1000}]}')
    form.get_by_test_id("preview-button").click()
    expect(office.get_by_test_id("preview-errors")).to_contain_text("revenu")
    eligibility.fill('{"all": [')
    form.get_by_test_id("policy-save").click()
    expect(office.get_by_test_id("form-errors")).to_be_visible()
    assert not Policy.objects.filter(title=TITLE).exists()
    office.get_by_test_id("policy-form").locator('textarea[name="eligibility"]').fill(good_rule)
    office.get_by_test_id("policy-save").click()
    expect(office.get_by_test_id("policy-status")).to_have_text(re.compile(r"\S"))
    policy = Policy.objects.get(title=TITLE)
    assert policy.status == Policy.Status.DRAFT
    assert policy.eligibility == {"all": [REVENUE_RULE, EMPLOYEES_RULE]}
    assert set(policy.benefit_formula) == {"fixed"} and Decimal(str(policy.benefit_formula["fixed"])) == 10

    # 4. Published: matched at once, the eligible enterprise told; the public page shows its QR code.
    office.get_by_test_id("policy-publish").click()
    expect(office.get_by_test_id("policy-publish")).to_have_count(0)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.PUBLISHED
    assert Notification.objects.filter(recipient=county.ent_a_user, topic=matching.topic_eligible(policy.pk)).exists()
    assert (
        not Notification.objects.filter(topic=matching.topic_eligible(policy.pk))
        .exclude(recipient__enterprise=county.ent_a)
        .exists()
    )
    visitor = new_page()
    visitor.goto(reverse("policy_public", args=[policy.pk]))
    expect(visitor.get_by_test_id("public-policy-page")).to_contain_text(TITLE)
    expect(visitor.get_by_test_id("policy-qr").locator("svg")).to_be_visible()
    review_screenshot(office, "policies-detail")

    # 5. 免申即享: the office generates this year's list; its own list it cannot approve.
    office.get_by_test_id("grant-new-link").click()
    generate = office.get_by_test_id("generate-form")
    expect(generate.locator('input[name="period"]')).to_have_value(str(today.year))
    generate.locator('button[type="submit"]').click()
    expect(office.get_by_test_id("batch-status")).to_be_visible()
    expect(office.get_by_test_id("total-listed")).to_have_text("1")
    expect(office.get_by_test_id("total-amount")).to_have_text(re.compile(r"^10(\.00)?$"))
    expect(office.get_by_test_id("grant-line")).to_contain_text(county.ent_a.name)
    expect(office.get_by_test_id("approve-form")).to_have_count(0)
    batch = GrantBatch.objects.get(policy=policy, period=str(today.year))
    assert batch.status == GrantBatch.Status.DRAFT

    # 6. A colleague approves it in a browser of their own; the payment is recorded.
    colleague = login_as(new_page(), deputy, next_url=reverse("grant_batch_detail", args=[batch.pk]))
    colleague.get_by_test_id("approve-form").locator('button[type="submit"]').click()
    pay = colleague.get_by_test_id("pay-form")
    expect(pay).to_be_visible()
    pay.locator('input[name="paid_on"]').fill(today.isoformat())
    pay.locator('button[type="submit"]').click()
    expect(colleague.get_by_test_id("pay-form")).to_have_count(0)
    batch.refresh_from_db()
    assert batch.status == GrantBatch.Status.PAID and batch.approved_by == deputy
    paid = Disbursement.objects.get(policy=policy)
    assert (paid.enterprise, paid.amount, paid.paid_on) == (county.ent_a, 10, today)

    # 7. The enterprise, on its phone: qualifies (with why), nearly qualifies (what is missing), was paid.
    enterprise = login_as(phone_page, county.ent_a_user, next_url=reverse("my_policies"))
    eligible = enterprise.get_by_test_id("section-eligible")
    expect(eligible.get_by_test_id(f"policy-{policy.pk}")).to_be_visible()
    nearly = enterprise.get_by_test_id("section-nearly").get_by_test_id(f"policy-{other.pk}")
    expect(nearly.get_by_test_id("missing")).to_contain_text("1,700")
    granted = enterprise.locator(f'[data-testid="granted-row"][data-policy="{policy.pk}"]')
    expect(granted.locator('[data-name="amount"]')).to_have_text(re.compile(r"^10(\.00)?$"))
    review_screenshot(enterprise, "policies-mine-phone")
    enterprise.get_by_test_id("section-eligible").get_by_test_id(f"policy-{policy.pk}").locator("a").first.click()
    expect(enterprise.get_by_test_id("standing")).to_have_attribute("data-state", "eligible")
    expect(enterprise.get_by_test_id("reason-passed")).to_have_count(3)
    expect(enterprise.get_by_test_id("disbursement")).to_contain_text("10")
