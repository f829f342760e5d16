"""Fixtures the library and public-page tests share (imported by the other test_library_* and test_public_*
modules through pytest_plugins; no tests here)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from conftest import PASSWORD
from enterprises.models import Enterprise, MonthlyFigure
from policies.models import Policy, PolicyCategory, PolicyClause

# 小升规: not above scale, last year's revenue between 1,500 and 2,000 万元.
SCALE_UP_RULE = {
    "all": [
        {"not": {"fact": "above_scale", "op": "eq", "value": True}},
        {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]},
    ]
}


def make_policy(county, *, title="小升规企业奖励", status=Policy.Status.PUBLISHED, clauses=2, **extra) -> Policy:
    fields = {
        "document_number": "新政发〔2026〕3号",
        "issuer": "新邵县人民政府",
        "level": Policy.Level.COUNTY,
        "benefit_kind": Policy.BenefitKind.GRANT,
        "benefit_text": "一次性奖励10万元",
        "benefit_formula": {"fixed": 10},
        "obtain": Policy.Obtain.AUTO_GRANT,
        "summary": "对首次纳入规模以上工业统计的企业给予一次性奖励。",
        "interpreter_name": "刘解读",
        "interpreter_phone": "0739-3612345",
        "eligibility": SCALE_UP_RULE,
        "published_on": date(2026, 3, 1),
    }
    fields.update(extra)
    policy = Policy.objects.create(title=title, status=status, created_by=county.office_user, **fields)
    policy.categories.set([PolicyCategory.objects.get(name="资金奖补")])
    for position in range(1, clauses + 1):
        PolicyClause.objects.create(
            policy=policy, position=position, heading=f"第{position}条", text=f"条款{position}的内容"
        )
    return policy


def give_revenue(enterprise: Enterprise, total: int, year: int = 2025) -> None:
    for month in range(1, 13):
        MonthlyFigure.objects.create(enterprise=enterprise, period=date(year, month, 1), revenue=Decimal(total) / 12)


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    """Sign a user in, in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def published(county):
    return make_policy(county)


@pytest.fixture
def draft(county):
    return make_policy(county, title="专精特新研发补助（草稿）", status=Policy.Status.DRAFT, document_number="")
