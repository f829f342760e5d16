"""The amount formula: fixed, rate of a fact, cap, missing fact, bad formulas; the per-enterprise and the
one-query evaluations agree."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from enterprises.models import Enterprise
from policies.amounts import (
    amount_attname,
    amount_for,
    amount_from_value,
    annotate_amount_fact,
    formula_of,
    parse_formula,
)
from policies.facts import facts_for
from policies.tests.test_grants_data import TODAY, data_fixture, in_english_fixture, make_policy  # noqa: F401

pytestmark = pytest.mark.usefixtures("in_english")


def test_a_fixed_amount_is_the_same_for_everyone():
    formula = parse_formula({"fixed": 20})
    result = amount_from_value(formula, None)
    assert result.amount == Decimal("20.00") and result.granted
    assert result.basis == {"formula": {"fixed": "20"}, "computed": "20.00", "amount": "20.00"}


def test_a_rate_of_a_fact_is_rounded_half_up_to_two_decimals():
    formula = parse_formula({"fact": "last_year_tax", "rate": 0.15})
    result = amount_from_value(formula, Decimal("100.03"))  # 15.0045
    assert result.amount == Decimal("15.00")
    result = amount_from_value(formula, Decimal("100.10"))  # 15.015
    assert result.amount == Decimal("15.02")
    assert result.basis["fact"] == "last_year_tax" and result.basis["value"] == "100.10"


def test_the_cap_limits_the_amount_and_says_so():
    formula = parse_formula({"fact": "last_year_tax", "rate": 0.1}, Decimal(50))
    capped = amount_from_value(formula, Decimal(800))
    assert capped.amount == Decimal("50.00") and capped.basis["capped"] is True
    assert capped.basis["computed"] == "80.00" and capped.basis["cap"] == "50"
    under = amount_from_value(formula, Decimal(300))
    assert under.amount == Decimal("30.00") and "capped" not in under.basis
    assert amount_from_value(parse_formula({"fixed": 80}, 50), None).amount == Decimal("50.00")


def test_a_missing_fact_gives_no_amount_with_a_reason():
    formula = parse_formula({"fact": "last_year_tax", "rate": 0.1})
    result = amount_from_value(formula, None)
    assert result.amount is None and not result.granted
    assert result.reason == "last year's tax paid is not known for this enterprise."


def test_a_negative_or_zero_amount_is_none():
    formula = parse_formula({"fact": "last_year_profit", "rate": 0.1})
    result = amount_from_value(formula, Decimal(-200))
    assert result.amount is None and "no amount" in result.reason


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ({}, "no amount formula"),
        ({"fixed": "20"}, "fixed amount must be a number"),
        ({"fixed": -1}, "fixed amount must be a number"),
        ({"fact": "industry", "rate": 0.1}, "The fact industry is not a number"),
        ({"fact": "revenu", "rate": 0.1}, 'Unknown fact "revenu"'),
        ({"fact": "last_year_tax", "rate": 0}, "rate must be a number greater than 0"),
        ({"fact": "last_year_tax"}, "needs a rate"),
        ({"fixed": 1, "rate": 2}, "takes no other keys (remove rate)"),
        ({"fee": 1}, "must be {"),
    ],
)
def test_bad_formulas_are_refused_with_a_message(formula, message):
    with pytest.raises(ValidationError) as error:
        parse_formula(formula)
    assert message in error.value.messages[0]


def test_one_enterprise_and_the_query_agree(data):
    policy = data.auto
    formula = formula_of(policy)
    rows = dict(
        annotate_amount_fact(Enterprise.objects.all(), formula, TODAY).values_list("pk", amount_attname(formula))
    )
    for enterprise in (data.ent_a, data.ent_b, data.ent_c, data.ent_d):
        one = amount_for(policy, facts_for(enterprise, TODAY))
        many = amount_from_value(formula, rows[enterprise.pk])
        assert one == many
    assert amount_for(policy, facts_for(data.ent_a, TODAY)).amount == Decimal("30.00")
    assert amount_for(policy, facts_for(data.ent_b, TODAY)).amount == Decimal("50.00")
    assert amount_for(policy, facts_for(data.ent_c, TODAY)).amount is None


def test_a_fixed_amount_policy_reads_no_fact(data):
    policy = make_policy(data.office_user, benefit_formula={"fixed": 10}, benefit_cap=None)
    assert amount_attname(formula_of(policy)) is None
    assert amount_for(policy, facts_for(data.ent_c, TODAY)).amount == Decimal("10.00")
