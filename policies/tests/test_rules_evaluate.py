"""Evaluation of eligibility rules on hand-built enterprises: the outcome and its reasons for one enterprise,
and the same answer from the batch query; missing facts, manual conditions, the region tree, industry
prefixes and the facts themselves (last year, growth, whole years)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import Region, Unit
from enterprises.models import Enterprise, MonthlyFigure, Tag
from policies.facts import facts_for
from policies.rules import eligible, evaluate

ON = date(2026, 12, 2)

# The seeds' measures: the 小升规 reward and the 专精特新 R&D subsidy.
SMALL_TO_SCALE = {
    "all": [
        {"not": {"fact": "above_scale", "op": "eq", "value": True}},
        {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]},
    ]
}
SRDI_RD = {
    "all": [
        {"fact": "tags", "op": "has_tag", "value": "srdi"},
        {"fact": "last_year_rd_ratio", "op": "gte", "value": 3},
    ]
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def year_of_figures(enterprise, year, *, revenue=None, rd_spend=None, months=range(1, 13), **figures):
    """Twelve (or `months`) months whose revenue and R&D spend add up to the given yearly totals."""
    months = list(months)
    for index, month in enumerate(months):
        share = {}
        for name, total in (("revenue", revenue), ("rd_spend", rd_spend)):
            if total is not None:
                part = (Decimal(total) / len(months)).quantize(Decimal("0.01"))
                share[name] = part if index < len(months) - 1 else Decimal(total) - part * (len(months) - 1)
        MonthlyFigure.objects.create(enterprise=enterprise, period=date(year, month, 1), **share, **figures)


def outcome(enterprise, rule):
    return evaluate(rule, facts_for(enterprise, ON))


def selected(rule) -> set[int]:
    return set(eligible(Enterprise.objects.all(), rule, ON).values_list("pk", flat=True))


def test_small_to_scale_reward(county):
    a, b, c = county.ent_a, county.ent_b, county.ent_c
    year_of_figures(a, 2025, revenue=1800)
    year_of_figures(b, 2025, revenue=2350)
    year_of_figures(c, 2025, revenue=1900)
    Enterprise.objects.filter(pk=c.pk).update(above_scale=True)

    result = outcome(a, SMALL_TO_SCALE)
    assert result.passed is True
    assert result.as_text() == (
        "all of the following: passed\n"
        "  not the following: passed\n"
        "    above designated size no = yes: failed\n"
        "  last year's revenue 1,800 10k yuan ∈ 1,500 10k yuan to 2,000 10k yuan: passed"
    )
    assert [child.path for child in result.children] == ["all[0]", "all[1]"]
    assert outcome(b, SMALL_TO_SCALE).children[1].reason == (
        "last year's revenue 2,350 10k yuan ∈ 1,500 10k yuan to 2,000 10k yuan: failed"
    )
    assert outcome(b, SMALL_TO_SCALE).passed is False
    assert outcome(c, SMALL_TO_SCALE).passed is False
    assert selected(SMALL_TO_SCALE) == {a.pk}


def test_reasons_read_in_chinese_with_the_unit(county):
    year_of_figures(county.ent_b, 2025, revenue=2350)
    with translation.override("zh-hans"):
        reason = evaluate({"fact": "last_year_revenue", "op": "gte", "value": 2000}, facts_for(county.ent_b, ON)).reason
    assert "2,350 万元 ≥ 2,000 万元" in reason


def test_srdi_rd_subsidy(county):
    srdi = Tag.objects.get(code="srdi")
    a, b, c = county.ent_a, county.ent_b, county.ent_c
    for enterprise in (a, b):
        enterprise.tags.add(srdi)
    year_of_figures(a, 2025, revenue=2000, rd_spend=60)  # exactly 3 %
    year_of_figures(b, 2025, revenue=2000, rd_spend="59.99")  # 2.9995 % → 3.00 % after rounding
    year_of_figures(c, 2025, revenue=2000, rd_spend=100)  # no tag

    result = outcome(a, SRDI_RD)
    assert [child.reason for child in result.children] == [
        "tag 专精特新: present",
        "last year's R&D spend ratio 3% ≥ 3%: passed",
    ]
    assert outcome(b, SRDI_RD).passed is True  # ratios are compared at 2 decimals
    assert outcome(c, SRDI_RD).children[0].reason == "tag 专精特新: missing"
    assert outcome(c, SRDI_RD).passed is False
    assert selected(SRDI_RD) == {a.pk, b.pk}


def test_missing_fact_fails_and_its_negation_passes(county):
    a, b = county.ent_a, county.ent_b
    year_of_figures(a, 2025, revenue=1000)  # reported revenue, never R&D
    rule = {"fact": "last_year_rd_ratio", "op": "lte", "value": 100}
    assert outcome(a, rule).passed is False
    assert outcome(a, rule).reason == "last year's R&D spend ratio not known, ≤ 100% required: failed"
    assert outcome(b, rule).passed is False  # no figures at all
    assert selected(rule) == set()
    negated = {"not": rule}
    assert outcome(a, negated).passed is True
    assert selected(negated) == {county.ent_a.pk, county.ent_b.pk, county.ent_c.pk}
    # Not the same as the opposite comparison: "ratio > 100" is false too for a missing ratio.
    opposite = {"fact": "last_year_rd_ratio", "op": "gte", "value": Decimal("100.01")}
    assert selected(opposite) == set()


def test_null_facts(county):
    a = county.ent_a
    Enterprise.objects.filter(pk=a.pk).update(size="", founded_on=None, industry=None, park=None)
    facts = facts_for(a, ON)
    for name in (
        "size",
        "years_since_founding",
        "industry",
        "park",
        "last_year_revenue",
        "employees",
        "revenue_growth",
    ):
        assert facts[name] is None, name
    for rule in (
        {"fact": "size", "op": "in", "value": ["small", "micro"]},
        {"fact": "years_since_founding", "op": "lte", "value": 100},
        {"fact": "industry", "op": "eq", "value": "C"},
        {"fact": "employees", "op": "gte", "value": 0},
    ):
        assert evaluate(rule, facts).passed is False
        assert evaluate({"not": rule}, facts).passed is True
        assert a.pk not in selected(rule) and a.pk in selected({"not": rule})


def test_revenue_zero_gives_no_ratio_and_no_growth_base(county):
    a = county.ent_a
    year_of_figures(a, 2024, revenue=0)
    year_of_figures(a, 2025, revenue=0, rd_spend=10)
    facts = facts_for(a, ON)
    assert facts["last_year_revenue"] == 0
    assert facts["last_year_rd_ratio"] is None and facts["revenue_growth"] is None
    assert a.pk not in selected({"fact": "last_year_rd_ratio", "op": "gte", "value": 0})
    assert a.pk not in selected({"fact": "revenue_growth", "op": "gte", "value": -100})
    assert a.pk in selected({"fact": "last_year_revenue", "op": "eq", "value": 0})


def test_figures_of_last_year_only_and_growth(county):
    a = county.ent_a
    year_of_figures(a, 2024, revenue=1600, months=range(1, 13))
    year_of_figures(a, 2025, revenue=2000, months=range(3, 13), employees=80)  # two months not reported
    year_of_figures(a, 2026, revenue=5000, months=range(1, 11), total_profit=10)  # this year: not last year
    MonthlyFigure.objects.create(enterprise=a, period=date(2026, 11, 1), employees=95)
    facts = facts_for(a, ON)
    assert facts["last_year_revenue"] == 2000
    assert facts["last_year_profit"] is None  # reported only this year
    # Like for like: March to December of both years (2024's 1,333.34 of its 1,600), not 2,000 over 1,600.
    assert facts["revenue_growth"] == Decimal("50.00")
    assert facts["employees"] == 95  # the last month reported
    rule = {"fact": "revenue_growth", "op": "between", "value": [45, 50]}
    assert outcome(a, rule).reason == "revenue growth last year 50% ∈ 45% to 50%: passed"
    assert selected(rule) == {a.pk}
    assert not selected({"fact": "revenue_growth", "op": "lte", "value": 25})


def test_growth_without_a_month_in_common_is_unknown(county):
    a = county.ent_a
    year_of_figures(a, 2024, revenue=300, months=[12])
    year_of_figures(a, 2025, revenue=2400, months=range(1, 12))  # December 2025 not reported yet
    facts = facts_for(a, ON)
    assert facts["last_year_revenue"] == 2400 and facts["revenue_growth"] is None
    assert a.pk not in selected({"fact": "revenue_growth", "op": "gte", "value": -100})


def test_years_since_founding_counts_whole_years(county):
    a, b, c = county.ent_a, county.ent_b, county.ent_c
    Enterprise.objects.filter(pk=a.pk).update(founded_on=date(2016, 12, 2))  # ten years today
    Enterprise.objects.filter(pk=b.pk).update(founded_on=date(2016, 12, 3))  # ten years tomorrow
    Enterprise.objects.filter(pk=c.pk).update(founded_on=date(2024, 2, 29))
    assert facts_for(a, ON)["years_since_founding"] == 10
    assert facts_for(b, ON)["years_since_founding"] == 9
    assert facts_for(c, ON)["years_since_founding"] == 2
    assert selected({"fact": "years_since_founding", "op": "gte", "value": 10}) == {a.pk}
    assert outcome(b, {"fact": "years_since_founding", "op": "gte", "value": 10}).reason == (
        "years since founding 9 years ≥ 10 years: failed"
    )


def test_within_region_follows_the_tree(county):
    village = Region.objects.create(
        code="430522100201", name="酿溪村", level=Region.Level.VILLAGE, parent=county.town_a
    )
    Enterprise.objects.filter(pk=county.ent_c.pk).update(region=village)
    in_town_a = {"fact": "region", "op": "within_region", "value": county.town_a.pk}
    in_county = {"fact": "region", "op": "within_region", "value": county.region.pk}
    in_village = {"fact": "region", "op": "within_region", "value": village.pk}
    assert selected(in_town_a) == {county.ent_a.pk, county.ent_c.pk}
    assert selected(in_county) == {county.ent_a.pk, county.ent_b.pk, county.ent_c.pk}
    assert selected(in_village) == {county.ent_c.pk}
    # eq is the region itself, not below it.
    assert selected({"fact": "region", "op": "eq", "value": county.town_a.pk}) == {county.ent_a.pk}
    assert outcome(county.ent_c, in_town_a).reason == "region 酿溪村 within 酿溪镇: passed"
    assert outcome(county.ent_b, in_town_a).reason == f"region 雀塘镇 within region #{county.town_a.pk}: failed"
    for enterprise in (county.ent_a, county.ent_b, county.ent_c):
        assert outcome(enterprise, in_town_a).passed == (enterprise.pk in selected(in_town_a))


def test_industry_matches_by_code_prefix_and_section(county):
    Enterprise.objects.filter(pk=county.ent_a.pk).update(industry_id="131")  # 谷物磨制, section C
    Enterprise.objects.filter(pk=county.ent_b.pk).update(industry_id="13")  # 农副食品加工业
    Enterprise.objects.filter(pk=county.ent_c.pk).update(industry_id="011")  # 谷物种植, section A
    cases = {
        "13": {county.ent_a.pk, county.ent_b.pk},
        "131": {county.ent_a.pk},
        "C": {county.ent_a.pk, county.ent_b.pk},
        "A": {county.ent_c.pk},
        "01": {county.ent_c.pk},
        "132": set(),
    }
    for code, expected in cases.items():
        assert selected({"fact": "industry", "op": "eq", "value": code}) == expected, code
    assert selected({"fact": "industry", "op": "in", "value": ["131", "A"]}) == {county.ent_a.pk, county.ent_c.pk}
    assert outcome(county.ent_a, {"fact": "industry", "op": "eq", "value": "13"}).reason == (
        "industry 131 谷物磨制 = 13: passed"
    )


def test_park_size_and_tags(county):
    park = Unit.objects.create(code="430522-YQ", name="新邵经开区", kind=Unit.Kind.PARK, region=county.region)
    Enterprise.objects.filter(pk=county.ent_a.pk).update(park=park, size="small")
    Enterprise.objects.filter(pk=county.ent_b.pk).update(size="medium")
    county.ent_b.tags.add(Tag.objects.get(code="high_tech"))
    assert selected({"fact": "park", "op": "eq", "value": park.pk}) == {county.ent_a.pk}
    assert selected({"not": {"fact": "park", "op": "in", "value": [park.pk]}}) == {county.ent_b.pk, county.ent_c.pk}
    assert selected({"fact": "size", "op": "in", "value": ["small", "micro"]}) == {county.ent_a.pk}
    assert selected({"fact": "tags", "op": "has_tag", "value": "high_tech"}) == {county.ent_b.pk}
    assert outcome(county.ent_a, {"fact": "park", "op": "eq", "value": park.pk}).reason == (
        "park 新邵经开区 = 新邵经开区: passed"
    )


def test_manual_conditions_are_pending_and_candidates(county):
    a, b = county.ent_a, county.ent_b
    year_of_figures(a, 2025, revenue=1800)
    year_of_figures(b, 2025, revenue=900)
    manual = {"manual": "无重大安全事故"}
    rule = {"all": [{"fact": "last_year_revenue", "op": "gte", "value": 1000}, manual]}
    assert outcome(a, rule).passed is None
    assert outcome(a, rule).children[1].reason == "无重大安全事故: to be confirmed"
    assert outcome(b, rule).passed is False  # fails whatever the manual condition
    assert selected(rule) == {a.pk}
    # any: a passing part settles it; otherwise still pending.
    either = {"any": [{"fact": "last_year_revenue", "op": "gte", "value": 1000}, manual]}
    assert outcome(a, either).passed is True and outcome(b, either).passed is None
    assert selected(either) == {a.pk, b.pk, county.ent_c.pk}
    # not: pending stays pending, so the enterprise stays a candidate.
    assert outcome(a, {"not": manual}).passed is None
    assert selected({"not": manual}) == {a.pk, b.pk, county.ent_c.pk}
    assert selected({"not": {"any": [manual, {"fact": "last_year_revenue", "op": "gte", "value": 1000}]}}) == {
        b.pk,
        county.ent_c.pk,
    }


def test_facts_for_reads_with_few_queries(county, django_assert_max_num_queries):
    year_of_figures(county.ent_a, 2025, revenue=1800, employees=10)
    with django_assert_max_num_queries(5):
        facts_for(county.ent_a, ON)
