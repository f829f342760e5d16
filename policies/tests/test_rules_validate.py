"""Validation of eligibility rules: each kind of mistake is refused with a message naming the wrong part."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from policies.rules import facts_used, validate

REVENUE = {"fact": "last_year_revenue", "op": "gte", "value": 2000}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def messages(rule) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate(rule)
    return caught.value.messages


def test_a_valid_rule_passes_as_object_and_as_json_text(db):
    rule = {
        "all": [
            {"not": {"fact": "above_scale", "op": "eq", "value": True}},
            {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]},
            {"any": [{"fact": "tags", "op": "has_tag", "value": "srdi"}, {"manual": "无重大安全事故"}]},
            {"fact": "industry", "op": "in", "value": ["C", "13", "261"]},
            {"fact": "size", "op": "in", "value": ["small", "micro"]},
        ]
    }
    validate(rule)
    validate(json.dumps(rule, ensure_ascii=False))
    assert facts_used(rule) == {"above_scale", "last_year_revenue", "tags", "industry", "size"}


def test_unknown_fact_is_named_with_its_path():
    assert messages({"all": [{"fact": "revenu", "op": "gte", "value": 1}]}) == ["all[0]: unknown fact 'revenu'"]


def test_wrong_type_of_value():
    rule = {"any": [REVENUE, REVENUE, {"fact": "last_year_revenue", "op": "gte", "value": "abc"}]}
    assert messages(rule) == ["any[2].gte: 'abc' is not a number for last_year_revenue"]
    assert messages({"fact": "above_scale", "op": "eq", "value": 1}) == ["eq: 1 is not true or false for above_scale"]
    assert messages({"fact": "size", "op": "eq", "value": "huge"}) == [
        "eq: 'huge' is not one of large, medium, small, micro for size"
    ]
    assert messages({"fact": "region", "op": "within_region", "value": "新邵县"}) == [
        "within_region: '新邵县' is not an id for region"
    ]
    assert messages({"fact": "industry", "op": "eq", "value": "C13"})[0].startswith("eq: 'C13' is not an industry code")
    # A boolean is not a number, even though Python says True == 1.
    assert messages({"fact": "employees", "op": "lte", "value": True}) == ["lte: true is not a number for employees"]


def test_empty_combinators_and_lists():
    assert messages({"all": [REVENUE, {"any": []}]}) == ["all[1].any: must not be empty"]
    assert messages({"all": []}) == ["all: must not be empty"]
    assert messages({"any": REVENUE}) == ["any: must be a list of conditions"]
    assert messages({"fact": "size", "op": "in", "value": []}) == ["in: must be a non-empty list"]
    assert messages({"fact": "size", "op": "in", "value": "small"}) == ["in: must be a non-empty list"]


def test_malformed_json_gives_the_parsers_position():
    (message,) = messages('{"all": [{"fact": "employees", "op": "gte", "value": 10},]}')
    assert message.startswith("malformed JSON at line 1, column 58: Expecting value")
    (message,) = messages('{"fact": "employees",\n "op": "gte", "value": }')
    assert message == "malformed JSON at line 2, column 24: Expecting value"
    # Python's parser reads NaN; it is no number for a rule.
    assert messages('{"fact": "employees", "op": "gte", "value": NaN}') == ["gte: NaN is not a number for employees"]


def test_operator_that_does_not_apply_to_the_fact():
    assert messages({"fact": "industry", "op": "gte", "value": "C"}) == [
        "rule: operator 'gte' does not apply to industry (use eq, in)"
    ]
    assert messages({"not": {"fact": "tags", "op": "eq", "value": "srdi"}}) == [
        "not: operator 'eq' does not apply to tags (use has_tag)"
    ]
    assert messages({"fact": "employees", "op": "ge", "value": 10}) == ["rule: unknown operator 'ge'"]


def test_between_takes_low_then_high():
    assert messages({"fact": "last_year_revenue", "op": "between", "value": [2000, 1500]}) == [
        "between: low 2000 is greater than high 1500"
    ]
    assert messages({"fact": "last_year_revenue", "op": "between", "value": [1500]}) == [
        "between: must be [low, high] for last_year_revenue"
    ]
    assert messages({"fact": "last_year_revenue", "op": "between", "value": [1500, "x"]}) == [
        "between[1]: 'x' is not a number for last_year_revenue"
    ]
    validate({"fact": "last_year_revenue", "op": "between", "value": [1500, 1500]})


def test_shape_mistakes():
    assert messages([REVENUE]) == [
        'rule: a condition must be an object, not [{"fact": "last_year_revenue", "op": "gte", "value": 2000}]'
    ]
    assert messages({"all": [REVENUE], "any": [REVENUE]}) == [
        "rule: a condition has exactly one of all, any, not, fact, manual"
    ]
    assert messages({**REVENUE, "unit": "万元"}) == ["rule: unexpected key 'unit'"]
    assert messages({"fact": "employees", "op": "gte"}) == ["rule: missing 'value'"]
    assert messages({"all": [{"manual": ""}]}) == ["all[0].manual: must be the text of the condition"]


def test_every_mistake_is_reported_at_once():
    rule = {"all": [{"fact": "revenu", "op": "gte", "value": 1}, {"any": []}, {"not": {"manual": 3}}]}
    assert messages(rule) == [
        "all[0]: unknown fact 'revenu'",
        "all[1].any: must not be empty",
        "all[2].not.manual: must be the text of the condition",
    ]


def test_unknown_tags_regions_and_parks(county):
    rule = {
        "all": [
            {"fact": "tags", "op": "has_tag", "value": "zjtx"},
            {"fact": "region", "op": "within_region", "value": 999_999},
            {"fact": "park", "op": "eq", "value": county.gxj.pk},  # a department, not a park
            {"fact": "region", "op": "eq", "value": county.town_a.pk},
        ]
    }
    assert messages(rule) == [
        "all[0].has_tag: unknown tag 'zjtx'",
        "all[1].within_region: unknown region 999999",
        f"all[2].eq: unknown park {county.gxj.pk}",
    ]
