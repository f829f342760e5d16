"""Suggestions for filling pools, from the operating figures: 准规上/小升规 candidates just under the
above-scale line, 易退库 candidates just above it or flagged; current members left out; a bounded number
of queries however many enterprises and months there are."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.scope import user_roles
from conftest import PASSWORD, make_credit_code
from enterprises.models import CultivationPool, Enterprise, EnterpriseWarning, Industry, MonthlyFigure, PoolMembership
from enterprises.selectors import pools as selectors

Kind = CultivationPool.Kind


def months_back(n: int) -> date:
    """The first of the month n months before the current one."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def enterprise(county, serial, name, *, industry="131", above_scale=False, region=None, monthly=None, months=12):
    e = Enterprise.objects.create(
        credit_code=make_credit_code(serial),
        name=name,
        region=region or county.town_a,
        industry=Industry.objects.get(code=industry) if industry else None,
        above_scale=above_scale,
    )
    if monthly is not None:
        # The last complete month and the 11 before it: the trailing 12 months.
        MonthlyFigure.objects.bulk_create(
            MonthlyFigure(enterprise=e, period=months_back(n), revenue=Decimal(monthly)) for n in range(1, months + 1)
        )
    return e


def names(found):
    return [e.name for e in found]


@pytest.fixture
def near_scale(county):
    return CultivationPool.objects.create(kind=Kind.NEAR_SCALE, year=timezone.localdate().year)


@pytest.fixture
def exit_risk(county):
    return CultivationPool.objects.create(kind=Kind.EXIT_RISK, year=timezone.localdate().year)


class TestGrowthSuggestions:
    def test_revenue_between_1500_and_2000_not_above_scale_industrial(self, county, near_scale):
        enterprise(county, 10, "恰好1500", monthly=125)  # 1500: in
        enterprise(county, 11, "1980万", monthly=165)  # 1980: in
        enterprise(county, 12, "恰好2000", monthly="166.67")  # 2000.04: at the line, out
        enterprise(county, 13, "1400万", monthly="116.66")  # under 1500: out
        enterprise(county, 14, "已是规上", monthly=150, above_scale=True)
        enterprise(county, 15, "批发企业", monthly=150, industry="51")  # section F: not industry
        enterprise(county, 16, "无行业", monthly=150, industry=None)
        found, window = selectors.suggestions(user=county.office_user, pool=near_scale)
        assert names(found) == ["1980万", "恰好1500"]
        assert [e.ttm_revenue for e in found] == [Decimal("1980"), Decimal("1500")]
        assert found[0].months_reported == 12
        assert window == (months_back(12), months_back(1))

    def test_months_outside_the_window_do_not_count(self, county, near_scale):
        e = enterprise(county, 10, "老数据", monthly=125)
        MonthlyFigure.objects.create(enterprise=e, period=months_back(13), revenue=Decimal("400"))
        found, _ = selectors.suggestions(user=county.office_user, pool=near_scale)
        assert [x.ttm_revenue for x in found] == [Decimal("1500")]

    def test_the_window_ends_with_the_latest_reported_month(self, county, near_scale):
        # Figures stop three months ago: the window is the 12 months ending there, not an empty recent stretch.
        e = enterprise(county, 10, "滞后上报", industry="131")
        MonthlyFigure.objects.bulk_create(
            MonthlyFigure(enterprise=e, period=months_back(n), revenue=Decimal(150)) for n in range(3, 15)
        )
        found, window = selectors.suggestions(user=county.office_user, pool=near_scale)
        assert names(found) == ["滞后上报"] and window == (months_back(14), months_back(3))

    def test_current_members_are_left_out_but_former_members_come_back(self, county, near_scale):
        member = enterprise(county, 10, "在库", monthly=150)
        former = enterprise(county, 11, "已出库", monthly=150)
        PoolMembership.objects.create(pool=near_scale, enterprise=member, entered_on=months_back(2))
        PoolMembership.objects.create(
            pool=near_scale, enterprise=former, entered_on=months_back(6), exited_on=months_back(2), exit_reason="x"
        )
        found, _ = selectors.suggestions(user=county.office_user, pool=near_scale)
        assert names(found) == ["已出库"]

    def test_small_to_scale_uses_the_same_rule(self, county):
        pool = CultivationPool.objects.create(kind=Kind.SMALL_TO_SCALE, year=timezone.localdate().year, target=10)
        enterprise(county, 10, "小升规候选", monthly=150)
        assert names(selectors.suggestions(user=county.office_user, pool=pool)[0]) == ["小升规候选"]

    def test_other_pools_get_no_suggestions(self, county):
        pool = CultivationPool.objects.create(kind=Kind.LISTING_RESERVE, year=timezone.localdate().year)
        enterprise(county, 10, "候选", monthly=150)
        assert selectors.suggestions(user=county.office_user, pool=pool) == ([], None)

    def test_only_enterprises_in_the_viewers_scope(self, county, near_scale):
        enterprise(county, 10, "酿溪候选", monthly=150, region=county.town_a)
        enterprise(county, 11, "雀塘候选", monthly=150, region=county.town_b)
        assert names(selectors.suggestions(user=county.town_a_handler, pool=near_scale)[0]) == ["酿溪候选"]
        assert names(selectors.suggestions(user=county.office_user, pool=near_scale)[0]) == ["酿溪候选", "雀塘候选"]


class TestExitRiskSuggestions:
    def test_above_scale_under_2400_or_with_an_open_exit_warning(self, county, exit_risk):
        enterprise(county, 10, "2300万", monthly="191.66", above_scale=True)  # 2299.92: in
        enterprise(county, 11, "恰好2400", monthly=200, above_scale=True)  # 2400: out
        flagged = enterprise(county, 12, "有退库预警", monthly=300, above_scale=True)  # 3600 but flagged: in
        resolved = enterprise(county, 13, "预警已解除", monthly=300, above_scale=True)
        enterprise(county, 14, "规下企业", monthly=150)  # not above scale: out
        enterprise(county, 15, "无数据规上", above_scale=True)  # no figures, no warning: out
        EnterpriseWarning.objects.create(
            enterprise=flagged, rule=EnterpriseWarning.Rule.EXIT_RISK, level=2, reason="营收逼近规上线"
        )
        EnterpriseWarning.objects.create(
            enterprise=resolved,
            rule=EnterpriseWarning.Rule.EXIT_RISK,
            level=2,
            reason="营收逼近规上线",
            resolved_at=timezone.now(),
        )
        EnterpriseWarning.objects.create(
            enterprise=resolved, rule=EnterpriseWarning.Rule.LOSS_MAKING, level=2, reason="亏损"
        )
        found, _ = selectors.suggestions(user=county.office_user, pool=exit_risk)
        # Lowest revenue first: the nearest to falling out comes first.
        assert names(found) == ["2300万", "有退库预警"]
        assert [e.has_exit_warning for e in found] == [False, True]

    def test_services_are_not_held_to_industry(self, county, exit_risk):
        enterprise(county, 10, "规上批发", monthly=150, industry="51", above_scale=True)
        assert names(selectors.suggestions(user=county.office_user, pool=exit_risk)[0]) == ["规上批发"]


class TestBoundedQueries:
    def test_suggestions_take_two_queries_however_many_rows(self, county, near_scale, django_assert_num_queries):
        user_roles(county.office_user)  # read once per user object: warm it so only the suggestion queries count
        # latest reported month, the enterprises with their sums
        with django_assert_num_queries(2):
            selectors.suggestions(user=county.office_user, pool=near_scale)
        for i in range(15):
            enterprise(county, 50 + i, f"候选{i:02d}", monthly=150)
        with django_assert_num_queries(2):
            found, _ = selectors.suggestions(user=county.office_user, pool=near_scale)
        assert len(found) == 15

    def test_suggestions_on_the_pool_page(self, client, county, near_scale):
        enterprise(county, 10, "页面候选", monthly=150)
        client.login(username="office", password=PASSWORD)
        page = client.get(f"/enterprises/pools/{near_scale.pk}/")
        assert names(page.context["suggestions"]) == ["页面候选"]
        assert re.search(r'data-label="[^"]*">1800\.00</td>', page.content.decode())  # 12 × 150
