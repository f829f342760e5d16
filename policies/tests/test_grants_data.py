"""Shared data of the grant, application and performance tests (no tests here): the county of the root
conftest with last year's figures, a 免申即享 policy paying 10 % of last year's tax capped at 50 万元 to every
enterprise with at least 1,000 万元 revenue, and an application policy with the same rule.

    enterprise       revenue 2025   tax 2025   免申即享 amount
    ent_a 湘中机械       2,000          300         30.00
    ent_b 雀塘食品       1,500          800         50.00 (80 capped)
    ent_c 邵水新材料     1,200          —           none: tax not known
    ent_d 小作坊           400           40         not eligible
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from conftest import PASSWORD, make_credit_code
from enterprises.models import Enterprise, MonthlyFigure
from policies.models import Policy

TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1
PERIOD = str(TODAY.year)
RULE = {"fact": "last_year_revenue", "op": "gte", "value": 1000}
TAX_RATE = {"fact": "last_year_tax", "rate": 0.1}


def figures(enterprise, revenue, tax=None, year=LAST_YEAR):
    MonthlyFigure.objects.create(
        enterprise=enterprise,
        period=date(year, 6, 1),
        revenue=Decimal(revenue),
        tax_paid=None if tax is None else Decimal(tax),
    )


def make_policy(user, **fields):
    values = {
        "title": "规上工业企业纳税奖励",
        "issuer": "新邵县人民政府",
        "level": Policy.Level.COUNTY,
        "benefit_kind": Policy.BenefitKind.GRANT,
        "obtain": Policy.Obtain.AUTO_GRANT,
        "status": Policy.Status.PUBLISHED,
        "published_on": TODAY,
        "published_at": timezone.now(),
        "eligibility": RULE,
        "benefit_formula": TAX_RATE,
        "benefit_cap": Decimal(50),
        "created_by": user,
    }
    values.update(fields)
    return Policy.objects.create(**values)


def more_eligible(county, n, start=300):
    made = []
    for i in range(n):
        e = Enterprise.objects.create(
            credit_code=make_credit_code(start + i), name=f"新增{i:02d}", region=county.town_b
        )
        figures(e, 3000, 100)
        made.append(e)
    return made


@pytest.fixture(name="in_english")
def in_english_fixture(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(name="data")
def data_fixture(county, make_user):
    figures(county.ent_a, 2000, 300)
    figures(county.ent_b, 1500, 800)
    figures(county.ent_c, 1200)
    county.ent_d = Enterprise.objects.create(credit_code=make_credit_code(4), name="小作坊", region=county.town_b)
    figures(county.ent_d, 400, 40)
    # A second office user: the list is approved by someone other than who generated it.
    county.office_two = make_user("office2", "office", unit=county.office, full_name="李副主任")
    county.auto = make_policy(county.office_user)
    county.apply = make_policy(
        county.office_user,
        title="专精特新企业研发费用补助",
        obtain=Policy.Obtain.APPLICATION,
        application_deadline=date(TODAY.year, 12, 31),
    )
    return county


@pytest.fixture(name="login")
def login_fixture(client):
    def _as(user):
        assert client.login(username=user.username, password=PASSWORD)
        client.cookies["django_language"] = "en"
        return client

    return _as
