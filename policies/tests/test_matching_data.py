"""Shared data of the matching tests (no tests here): a few enterprises with figures for last year (2025,
the reference date being 2026-12-02) and published policies whose rules give every standing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from conftest import make_credit_code
from enterprises.models import Enterprise, MonthlyFigure, Tag
from policies.models import Policy, PolicyCategory

ON = date(2026, 12, 2)
LAST_YEAR = 2025

# 小升规: not above scale, revenue last year 1,500–2,000 万元.
SMALL_TO_SCALE = {
    "all": [
        {"not": {"fact": "above_scale", "op": "eq", "value": True}},
        {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]},
    ]
}
# 专精特新 R&D subsidy, with a condition to be confirmed by a person.
SRDI_RD = {
    "all": [
        {"fact": "tags", "op": "has_tag", "value": "srdi"},
        {"fact": "last_year_rd_ratio", "op": "gte", "value": 3},
        {"manual": "近三年未发生重大安全、环保事故"},
    ]
}
# Not a top-level `all`: nobody is nearly eligible.
HIGH_TECH_OR_BIG = {
    "any": [
        {"fact": "tags", "op": "has_tag", "value": "high_tech"},
        {"fact": "employees", "op": "gte", "value": 100},
    ]
}


@pytest.fixture
def in_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 2, 10, 0)), tick=True):
        yield


def set_year(enterprise: Enterprise, year: int, *, revenue, rd=None, employees=None) -> None:
    """Twelve months of `year` whose revenue (and R&D spend) add up to the given totals."""
    MonthlyFigure.objects.filter(enterprise=enterprise, period__year=year).delete()
    revenue, rd = Decimal(revenue), None if rd is None else Decimal(rd)
    for month in range(1, 13):
        MonthlyFigure.objects.create(
            enterprise=enterprise,
            period=date(year, month, 1),
            revenue=revenue / 12 if month < 12 else revenue - (revenue / 12).quantize(Decimal("0.01")) * 11,
            rd_spend=None if rd is None else (rd / 12 if month < 12 else rd - (rd / 12).quantize(Decimal("0.01")) * 11),
            employees=employees,
        )


def make_policy(user, title: str, rule: dict, *, status=Policy.Status.PUBLISHED, categories=(), **extra) -> Policy:
    policy = Policy.objects.create(
        title=title,
        issuer="新邵县人民政府",
        level=Policy.Level.COUNTY,
        benefit_kind=Policy.BenefitKind.GRANT,
        obtain=Policy.Obtain.APPLICATION,
        eligibility=rule,
        status=status,
        published_at=timezone.now() if status == Policy.Status.PUBLISHED else None,
        created_by=user,
        **extra,
    )
    if categories:
        policy.categories.set(PolicyCategory.objects.filter(code__in=categories))
    return policy


class Data:
    pass


@pytest.fixture
def data(county) -> Data:
    """ent_a: eligible for 小升规 (revenue 1,800), 专精特新 with R&D 4 % (to be confirmed for SRDI_RD).
    ent_b: revenue 1,320 (within 20 % of 1,500: nearly for 小升规), R&D 5 % but no 专精特新 tag (no row for
    SRDI_RD: a tag is never what is missing). ent_c: above scale (never nearly for 小升规: the failing part is a `not`),
    high-tech. ent_d: revenue 500, far from everything."""
    d = Data()
    d.county = county
    d.ent_a, d.ent_b, d.ent_c = county.ent_a, county.ent_b, county.ent_c
    d.ent_d = Enterprise.objects.create(credit_code=make_credit_code(4), name="远方贸易有限公司", region=county.town_b)
    srdi, high_tech = Tag.objects.get(code="srdi"), Tag.objects.get(code="high_tech")
    set_year(d.ent_a, LAST_YEAR, revenue=1800, rd=72, employees=40)
    d.ent_a.tags.add(srdi)
    set_year(d.ent_b, LAST_YEAR, revenue=1320, rd=66, employees=30)
    d.ent_c.above_scale = True
    d.ent_c.save()
    d.ent_c.tags.add(high_tech)
    set_year(d.ent_c, LAST_YEAR, revenue=1800, rd=18, employees=150)
    set_year(d.ent_d, LAST_YEAR, revenue=500, employees=5)
    office = county.office_user
    d.small = make_policy(office, "小升规奖励", SMALL_TO_SCALE, categories=["funding"])
    d.srdi = make_policy(office, "专精特新研发补助", SRDI_RD)
    d.tech = make_policy(office, "高新技术企业奖励", HIGH_TECH_OR_BIG)
    d.policies = [d.small, d.srdi, d.tech]
    d.enterprises = [d.ent_a, d.ent_b, d.ent_c, d.ent_d]
    return d


def stored(policies=None) -> dict:
    from policies.models import PolicyMatch

    rows = PolicyMatch.objects.all()
    if policies is not None:
        rows = rows.filter(policy__in=policies)
    return {(row.policy_id, row.enterprise_id): (row.state, row.missing) for row in rows}
