"""The two evaluations of a rule agree: the single compiled query selects exactly the enterprises whose
per-enterprise evaluation passes or is pending on manual conditions (hypothesis generates the rules over a
fixed set of enterprises with varied facts). The facts themselves agree too: SQL annotations = Python values."""

import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.models import Region, Unit
from conftest import make_credit_code
from enterprises.models import Enterprise, MonthlyFigure, Tag
from policies import rules
from policies.facts import BOOL, CODE, ENUM, FACTS, ID, NUMBER, SET, annotate_facts, facts_for

ON = date(2026, 12, 2)
INDUSTRIES = ["131", "139", "261", "34", "C", "011", "351", "53"]  # the enterprises' own (valid) codes
INDUSTRY_VALUES = ["13", "131", "26", "34", "C", "A", "01", "351", "3511", "35", "53", "G"]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def build_enterprises(county) -> list[Enterprise]:
    """~15 enterprises with varied industries, regions, parks, tags, founding dates and figures (some facts
    missing, some exactly on round thresholds)."""
    rng = random.Random(6)
    village = Region.objects.create(
        code="430522100201", name="酿溪村", level=Region.Level.VILLAGE, parent=county.town_a
    )
    park_a = Unit.objects.create(code="430522-YQ1", name="新邵经开区", kind=Unit.Kind.PARK, region=county.region)
    park_b = Unit.objects.create(code="430522-YQ2", name="雀塘工业园", kind=Unit.Kind.PARK, region=county.town_b)
    regions = [county.region, county.town_a, county.town_b, village]
    tags = list(Tag.objects.filter(code__in=["srdi", "high_tech", "little_giant", "tech_sme"]))
    sizes = [*Enterprise.Size.values, ""]
    enterprises = [county.ent_a, county.ent_b, county.ent_c]
    for serial in range(10, 22):
        enterprises.append(
            Enterprise.objects.create(credit_code=make_credit_code(serial), name=f"企业{serial}", region=county.town_a)
        )
    for index, enterprise in enumerate(enterprises):
        enterprise.region = regions[index % len(regions)]
        enterprise.park = [None, park_a, park_b][index % 3]
        enterprise.industry_id = None if index % 7 == 3 else INDUSTRIES[index % len(INDUSTRIES)]
        enterprise.size = sizes[index % len(sizes)]
        enterprise.above_scale = index % 2 == 0
        enterprise.founded_on = (
            None
            if index % 6 == 5
            else [date(2016, 12, 2), date(2016, 12, 3), date(2020, 2, 29), date(2025, 6, 1)][index % 4]
        )
        enterprise.save()
        enterprise.tags.set(rng.sample(tags, rng.randint(0, 2)))
        kind = index % 5
        if kind == 4 and index > 5:
            continue  # no figures at all
        for year in (2024, 2025, 2026):
            months = range(1, 13) if year < 2026 else range(1, 11)
            for month in months:
                if rng.random() < 0.15:
                    continue
                revenue = None if kind == 3 else _money(rng, 80, 220)
                if kind == 2 and year == 2024:
                    revenue = Decimal(0)  # no base for growth
                MonthlyFigure.objects.create(
                    enterprise=enterprise,
                    period=date(year, month, 1),
                    revenue=revenue,
                    total_profit=None if rng.random() < 0.2 else _money(rng, -30, 40),
                    tax_paid=_money(rng, 0, 15),
                    rd_spend=None if kind == 1 else _money(rng, 0, 9),
                    employees=None if rng.random() < 0.3 else rng.randint(5, 400),
                )
    # Exactly on the thresholds: revenue 2,000 (R&D 60: ratio 3.00) last year, 1,500 the year before.
    exact = enterprises[0]
    MonthlyFigure.objects.filter(enterprise=exact, period__year__in=[2024, 2025]).delete()
    for month in range(1, 13):
        MonthlyFigure.objects.create(
            enterprise=exact, period=date(2025, month, 1), revenue=Decimal("166.67"), rd_spend=Decimal(5)
        )
        MonthlyFigure.objects.create(enterprise=exact, period=date(2024, month, 1), revenue=Decimal(125))
    MonthlyFigure.objects.filter(enterprise=exact, period=date(2025, 12, 1)).update(revenue=Decimal("166.63"))
    return enterprises


@pytest.fixture
def population(county):
    enterprises = build_enterprises(county)
    tag_names = dict(Tag.objects.values_list("code", "name"))
    all_facts = {enterprise.pk: facts_for(enterprise, ON, tag_names=tag_names) for enterprise in enterprises}
    return enterprises, all_facts


@pytest.fixture
def rule_strategy_for_population(population):
    return rule_strategy(population[1])


def values_strategy(all_facts):
    """For each fact, a strategy of the values a rule may compare it with: the enterprises' own values (to hit
    equality and the ends of ranges), round numbers and arbitrary ones."""
    seen = {name: set() for name in FACTS}
    for facts in all_facts.values():
        for name in FACTS:
            value = facts[name]
            if value is not None and name != "tags":
                seen[name].add(value)
    region_ids = list(Region.objects.values_list("pk", flat=True))
    park_ids = list(Unit.objects.filter(kind=Unit.Kind.PARK).values_list("pk", flat=True))
    tag_codes = list(Tag.objects.values_list("code", flat=True))

    def number(name):
        own = sorted(seen[name])
        choices = [st.integers(-50, 3000), st.sampled_from([0, 3, 5, 10, 1500, 2000, 2.5, -10.5])]
        if own:
            choices.insert(0, st.sampled_from([float(value) if value % 1 else int(value) for value in own]))
        return st.one_of(*choices)

    strategies = {}
    for name, fact in FACTS.items():
        if fact.type == NUMBER:
            strategies[name] = number(name)
        elif fact.type == BOOL:
            strategies[name] = st.booleans()
        elif fact.type == ENUM:
            strategies[name] = st.sampled_from(fact.choices)
        elif fact.type == CODE:
            strategies[name] = st.sampled_from(INDUSTRY_VALUES)
        elif fact.type == ID:
            strategies[name] = st.sampled_from(park_ids if name == "park" else region_ids)
        elif fact.type == SET:
            strategies[name] = st.sampled_from(tag_codes)
    return strategies


def rule_strategy(all_facts):
    values = values_strategy(all_facts)

    def comparison(name, op):
        value = values[name]
        if op == "in":
            value = st.lists(values[name], min_size=1, max_size=3)
        elif op == "between":
            value = st.lists(values[name], min_size=2, max_size=2).map(sorted)
        return value.map(lambda v: {"fact": name, "op": op, "value": v})

    leaves = st.one_of(
        *[comparison(name, op) for name, fact in FACTS.items() for op in fact.operators],
        st.sampled_from(["无重大安全事故", "依法纳税"]).map(lambda text: {"manual": text}),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=4).map(lambda items: {"all": items}),
            st.lists(children, min_size=1, max_size=4).map(lambda items: {"any": items}),
            children.map(lambda child: {"not": child}),
        ),
        max_leaves=10,
    )


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_batch_query_agrees_with_each_enterprise(population, rule_strategy_for_population, data):
    enterprises, all_facts = population
    rule = data.draw(rule_strategy_for_population, label="rule")
    rules.validate(rule)
    selected = set(rules.eligible(Enterprise.objects.all(), rule, ON).values_list("pk", flat=True))
    outcomes = {pk: rules.evaluate(rule, facts) for pk, facts in all_facts.items()}
    # The batch returns the candidates: passed, or pending on manual conditions.
    expected = {pk for pk, outcome in outcomes.items() if outcome.passed is not False}
    assert selected == expected, {pk: outcomes[pk].as_text() for pk in selected ^ expected}
    event("selects none" if not selected else "selects all" if len(selected) == len(all_facts) else "selects some")
    if any(outcome.passed is None for outcome in outcomes.values()):
        event("some pending on manual conditions")


@pytest.mark.django_db
def test_sql_facts_equal_python_facts(population):
    enterprises, all_facts = population
    rows = annotate_facts(Enterprise.objects.all(), list(FACTS), ON).values(
        "pk", *[f"fact_{name}" for name in FACTS if name != "tags"]
    )
    checked = 0
    for row in rows:
        facts = all_facts[row["pk"]]
        for name in FACTS:
            if name == "tags":
                continue
            sql, python = row[f"fact_{name}"], facts[name]
            if isinstance(python, Decimal) or isinstance(sql, Decimal):
                assert (sql is None) == (python is None) and (sql is None or Decimal(sql) == python), (
                    name,
                    sql,
                    python,
                )
            else:
                assert sql == python, (name, row["pk"], sql, python)
            checked += python is not None
    assert checked > 100  # the population is varied: most facts are known


@pytest.mark.django_db
def test_population_is_varied(population):
    _, all_facts = population
    facts = list(all_facts.values())
    for name in ("last_year_revenue", "last_year_rd_ratio", "revenue_growth", "years_since_founding", "employees"):
        values = [f[name] for f in facts]
        assert None in values and len({v for v in values if v is not None}) >= 3, name
    exact = facts[0]
    assert exact["last_year_revenue"] == 2000 and exact["last_year_rd_ratio"] == 3
    assert exact["revenue_growth"] == Decimal("33.33")


@pytest.mark.django_db
def test_eligible_is_one_query_whatever_the_number_of_enterprises(county, django_assert_num_queries):
    rule = {
        "all": [
            {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]},
            {"not": {"fact": "above_scale", "op": "eq", "value": True}},
            {"any": [{"fact": "tags", "op": "has_tag", "value": "srdi"}, {"manual": "依法纳税"}]},
            {"fact": "region", "op": "within_region", "value": county.region.pk},
            {"fact": "revenue_growth", "op": "gte", "value": 10},
        ]
    }
    with django_assert_num_queries(1):
        list(rules.eligible(Enterprise.objects.all(), rule, ON))
    build_enterprises(county)
    assert Enterprise.objects.count() == 15
    with django_assert_num_queries(1):
        list(rules.eligible(Enterprise.objects.all(), rule, ON))
