"""The library's services: every field checked with a clear message (bad rule parts, bad formula, dates in
order, cap, phone), publish and withdraw, clauses added, corrected, moved and removed; only the office writes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from policies.models import Policy, PolicyCategory
from policies.services import library as services

RULE = {
    "all": [
        {"not": {"fact": "above_scale", "op": "eq", "value": True}},
        {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]},
    ]
}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def base_fields(**extra):
    fields = {
        "title": "小升规企业奖励",
        "document_number": "新政发〔2026〕3号",
        "issuer": "新邵县人民政府",
        "level": "county",
        "benefit_kind": "grant",
        "obtain": "auto_grant",
        "summary": "对首次纳入规模以上工业统计的企业给予一次性奖励。",
        "benefit_formula": {"fixed": 10},
        "benefit_cap": "10",
        "interpreter_name": "刘解读",
        "interpreter_phone": "0739-3612345",
        "eligibility": RULE,
    }
    fields.update(extra)
    return fields


def save(county, **extra):
    return services.policy_save(actor=county.office_user, **base_fields(**extra))


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


def test_the_office_saves_a_policy_with_categories_and_clauses(county):
    money = PolicyCategory.objects.get(name="资金奖补")
    policy = services.policy_save(
        actor=county.office_user,
        categories=[money.pk],
        clauses=[{"heading": "奖励对象", "text": "首次入规企业"}, {"heading": "奖励标准", "text": "每户10万元"}],
        **base_fields(),
    )
    assert policy.status == Policy.Status.DRAFT and policy.created_by == county.office_user
    assert list(policy.categories.all()) == [money]
    assert [(c.position, c.heading) for c in policy.clauses.all()] == [(1, "奖励对象"), (2, "奖励标准")]
    assert policy.benefit_cap == Decimal("10.00") and policy.eligibility == RULE

    services.policy_save(
        actor=county.office_user,
        policy_id=policy.pk,
        title="小升规奖励（修订）",
        clauses=[{"heading": "对象", "text": "x"}],
    )
    policy.refresh_from_db()
    assert policy.title == "小升规奖励（修订）" and policy.issuer == "新邵县人民政府"
    assert [c.heading for c in policy.clauses.all()] == ["对象"]


def test_every_mistake_is_reported_at_once_by_field(county):
    errors = errors_of(
        lambda: save(
            county,
            title="",
            level="township",
            effective_from="2026-06-01",
            expires_on="2026-01-01",
            benefit_cap="-1",
            interpreter_phone="12345",
            eligibility={"all": [{"fact": "revenu", "op": "gte", "value": 1}, {"any": []}]},
            benefit_formula={"fact": "industry", "rate": 0.1},
        )
    )
    assert errors["title"] == ["This field is required."]
    assert "Unknown value “township”" in errors["level"][0]
    assert errors["expires_on"] == ["The policy cannot expire before it takes effect."]
    assert errors["benefit_cap"] == ["The cap cannot be negative."]
    assert "mobile number of 11 digits" in errors["interpreter_phone"][0]
    # The rule's messages name each wrong part.
    assert errors["eligibility"] == ["all[0]: unknown fact 'revenu'", "all[1].any: must not be empty"]
    assert errors["benefit_formula"][0].startswith("The fact industry is not a number")
    assert not Policy.objects.exists()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('{"all": [', "malformed JSON at line 1, column 10"),
        ({"fact": "last_year_revenue", "op": "gte", "value": "abc"}, "gte: 'abc' is not a number"),
        ({"fact": "industry", "op": "gte", "value": 3}, "operator 'gte' does not apply to industry"),
        ({"fact": "tags", "op": "has_tag", "value": "zjtx"}, "has_tag: unknown tag 'zjtx'"),
    ],
)
def test_bad_rules_are_refused_naming_the_part(county, rule, message):
    errors = errors_of(lambda: save(county, eligibility=rule))
    assert message in errors["eligibility"][0]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ({"fixed": -5}, "The fixed amount must be a number of 10k yuan, at least 0"),
        ({"fixed": "20"}, "The fixed amount must be a number"),
        ({"fact": "revenue", "rate": 0.1}, 'Unknown fact "revenue" in the amount formula'),
        ({"fact": "last_year_revenue"}, "needs a rate"),
        ({"fact": "last_year_revenue", "rate": 0}, "The rate must be a number greater than 0"),
        ({"amount": 3}, 'must be {"fixed": amount}'),
        ("[1, 2", "not valid JSON"),
    ],
)
def test_bad_formulas_are_refused_with_a_clear_message(county, formula, message):
    errors = errors_of(lambda: save(county, benefit_formula=formula))
    assert message in errors["benefit_formula"][0]


def test_good_formulas_and_phones(county):
    policy = save(
        county, benefit_formula='{"fact": "last_year_rd_ratio", "rate": 0.5}', interpreter_phone="138 0000 0000"
    )
    assert policy.benefit_formula == {"fact": "last_year_rd_ratio", "rate": 0.5}
    assert policy.interpreter_phone == "13800000000"
    assert save(county, benefit_formula={}).benefit_formula == {}


def test_dates_in_order(county):
    errors = errors_of(
        lambda: save(county, published_on="2026-03-01", expires_on="2026-02-01", application_deadline="2026-01-01")
    )
    assert errors["expires_on"] == ["The policy cannot expire before it is published."]
    assert errors["application_deadline"] == ["The application deadline cannot be before the policy is published."]
    assert "is not a date" in errors_of(lambda: save(county, effective_from="2026-13-01"))["effective_from"][0]


def test_only_the_office_writes(county):
    for user in (county.auditor, county.gxj_head, county.gxj_handler, county.ent_a_user):
        with pytest.raises(PermissionDenied):
            services.policy_save(actor=user, **base_fields())
    policy = save(county)
    with pytest.raises(PermissionDenied):
        services.policy_publish(actor=county.gxj_handler, policy_id=policy.pk)


def test_publish_needs_a_valid_rule_and_a_formula_for_auto_grants(county):
    policy = save(county, eligibility={}, benefit_formula={})
    errors = errors_of(lambda: services.policy_publish(actor=county.office_user, policy_id=policy.pk))
    assert "Write the eligibility rule before publishing" in errors["eligibility"][0]
    Policy.objects.filter(pk=policy.pk).update(eligibility={"fact": "tags", "op": "has_tag", "value": "gone"})
    errors = errors_of(lambda: services.policy_publish(actor=county.office_user, policy_id=policy.pk))
    assert errors["eligibility"] == ["has_tag: unknown tag 'gone'"]
    services.policy_save(actor=county.office_user, policy_id=policy.pk, eligibility=RULE)
    errors = errors_of(lambda: services.policy_publish(actor=county.office_user, policy_id=policy.pk))
    assert "needs its amount formula" in errors["benefit_formula"][0]

    services.policy_save(actor=county.office_user, policy_id=policy.pk, benefit_formula={"fixed": 10})
    published = services.policy_publish(actor=county.office_user, policy_id=policy.pk)
    assert published.status == "published" and published.published_at is not None
    assert published.published_on == timezone.localdate()
    # A published policy keeps a rule.
    errors = errors_of(lambda: services.policy_save(actor=county.office_user, policy_id=policy.pk, eligibility=""))
    assert errors["eligibility"] == ["A published policy must keep an eligibility rule."]

    withdrawn = services.policy_withdraw(actor=county.office_user, policy_id=policy.pk)
    assert withdrawn.status == "withdrawn"
    with pytest.raises(ValidationError):
        services.policy_withdraw(actor=county.office_user, policy_id=policy.pk)
    assert services.policy_publish(actor=county.office_user, policy_id=policy.pk).status == "published"


def test_an_expired_policy_cannot_be_published(county):
    policy = save(county, expires_on=timezone.localdate() - timedelta(days=1), effective_from=date(2025, 1, 1))
    errors = errors_of(lambda: services.policy_publish(actor=county.office_user, policy_id=policy.pk))
    assert errors["expires_on"] == ["This policy has expired: it cannot be published."]


def test_clauses_are_added_corrected_moved_and_removed(county):
    policy = save(county)
    office = county.office_user
    a = services.clause_add(actor=office, policy_id=policy.pk, heading="一", text="甲")
    b = services.clause_add(actor=office, policy_id=policy.pk, heading="二", text="乙")
    c = services.clause_add(actor=office, policy_id=policy.pk, heading="三", text="丙")
    assert (a.position, b.position, c.position) == (1, 2, 3)
    services.clause_move(actor=office, policy_id=policy.pk, clause_id=c.pk, position=1)
    assert [x.heading for x in policy.clauses.order_by("position")] == ["三", "一", "二"]
    services.clause_delete(actor=office, policy_id=policy.pk, clause_id=a.pk)
    assert [(x.position, x.heading) for x in policy.clauses.order_by("position")] == [(1, "三"), (2, "二")]
    errors = errors_of(lambda: services.clause_move(actor=office, policy_id=policy.pk, clause_id=b.pk, position=5))
    assert errors["position"] == ["The position must be between 1 and 2."]
    errors = errors_of(
        lambda: services.clause_update(actor=office, policy_id=policy.pk, clause_id=b.pk, heading="", text="")
    )
    assert errors == {"heading": ["the heading is required."], "text": ["the text is required."]}

    services.policy_publish(actor=office, policy_id=policy.pk)
    # Published: the wording can be corrected, a clause added at the end, but none moved or removed.
    services.clause_update(actor=office, policy_id=policy.pk, clause_id=b.pk, heading="二", text="乙（修正）")
    assert services.clause_add(actor=office, policy_id=policy.pk, heading="四", text="丁").position == 3
    with pytest.raises(ValidationError, match="keep their places"):
        services.clause_move(actor=office, policy_id=policy.pk, clause_id=b.pk, position=1)
    with pytest.raises(ValidationError, match="keep their places"):
        services.clause_delete(actor=office, policy_id=policy.pk, clause_id=b.pk)
    # A clause of another policy is not found through this one.
    other = save(county)
    with pytest.raises(Http404):
        services.clause_update(actor=office, policy_id=other.pk, clause_id=b.pk, heading="x", text="y")


def test_settings_are_english_here():
    assert settings.LANGUAGE_CODE == "en"
