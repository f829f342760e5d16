"""The loss ratio (亏损面) and total profit of above-scale industrial enterprises, checked against a hand-computed
example: the selector, the page with its export, and the endpoint."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from openpyxl import load_workbook

from conftest import PASSWORD, make_credit_code
from enterprises.models import Enterprise, Industry, MonthlyFigure
from enterprises.selectors.figures import loss_ratio


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


D = Decimal
serial = iter(range(500, 10_000))
LAST_YEAR_PROFIT = D(10)


def enterprise(county, region, *, industry="34", above_scale=True, profit=None, last_year=LAST_YEAR_PROFIT):
    """An enterprise with profit split over January and October of 2026 (and last year's over the same months,
    plus a November 2025 figure that the same period must leave out)."""
    e = Enterprise.objects.create(
        credit_code=make_credit_code(next(serial)),
        name=f"测试企业{next(serial)}",
        region=region,
        industry=Industry.objects.get(code=industry) if industry else None,
        above_scale=above_scale,
    )
    if profit is not None:
        half = profit / 2
        MonthlyFigure.objects.bulk_create(
            [
                MonthlyFigure(enterprise=e, period=date(2026, 1, 1), total_profit=half),
                MonthlyFigure(enterprise=e, period=date(2026, 10, 1), total_profit=profit - half),
                MonthlyFigure(enterprise=e, period=date(2025, 1, 1), total_profit=last_year / 2),
                MonthlyFigure(enterprise=e, period=date(2025, 10, 1), total_profit=last_year / 2),
                MonthlyFigure(enterprise=e, period=date(2025, 11, 1), total_profit=D(1000)),
            ]
        )
    return e


@pytest.fixture
def example(county):
    """8 counted enterprises, 2 loss-making → 25.0 %.

    酿溪镇: five (one loses 10, four earn 20): 1 of 5 → 20.0 %, profit 70 against 50 → +40.0 %
    雀塘镇: three (sections B and D; one loses 6, two earn 20): 1 of 3 → 33.3 %, profit 34 against 30 → +13.3 %
    Total: profit 104 against 80 → +30.0 %. Left out: a wholesaler, a below-scale factory, one with no
    industry; counted apart: one that reported nothing."""
    enterprise(county, county.town_a, profit=D(-10))
    for _ in range(4):
        enterprise(county, county.town_a, profit=D(20))
    enterprise(county, county.town_b, industry="06", profit=D(-6))
    enterprise(county, county.town_b, industry="44", profit=D(20))
    enterprise(county, county.town_b, industry="13", profit=D(20))
    # Not counted at all.
    enterprise(county, county.town_a, industry="51", profit=D(-100))
    enterprise(county, county.town_a, above_scale=False, profit=D(-100))
    enterprise(county, county.town_b, industry=None, profit=D(-100))
    # In the set, but without a profit figure this year.
    enterprise(county, county.town_b)
    return county


def test_the_hand_computed_example(example):
    report = loss_ratio(user=example.office_user, period=date(2026, 10, 1), region=example.region)
    total = report.total
    assert (total.enterprises, total.loss_making, total.loss_ratio) == (8, 2, D("25.0"))
    assert total.profit == D(104) and total.profit_last_year == D(80) and total.profit_growth == D("30.0")
    assert total.not_reported == 1
    assert total.meets_loss_target is False and total.meets_profit_target is True
    rows = {row.label: row for row in report.rows}
    assert list(rows) == ["酿溪镇", "雀塘镇"]
    assert (rows["酿溪镇"].enterprises, rows["酿溪镇"].loss_making, rows["酿溪镇"].loss_ratio) == (5, 1, D("20.0"))
    assert rows["酿溪镇"].profit_growth == D("40.0")
    assert (rows["雀塘镇"].enterprises, rows["雀塘镇"].loss_ratio, rows["雀塘镇"].not_reported) == (3, D("33.3"), 1)
    assert rows["雀塘镇"].profit_growth == D("13.3")


def test_only_the_months_up_to_the_period_count(example):
    # As of September the October figures are not in: each enterprise has only January (-5 or +10).
    report = loss_ratio(user=example.office_user, period=date(2026, 9, 1), region=example.region)
    assert (report.total.loss_making, report.total.profit) == (2, D(52))
    assert report.total.profit_last_year == D(40)  # January 2025 only


def test_growth_compares_only_enterprises_reporting_both_years(example):
    # A newcomer with no figures last year adds to this year's profit but not to the growth.
    newcomer = enterprise(example, example.town_a, profit=D(500))
    MonthlyFigure.objects.filter(enterprise=newcomer, period__year=2025).delete()
    report = loss_ratio(user=example.office_user, period=date(2026, 10, 1), region=example.region)
    assert report.total.profit == D(604) and report.total.profit_comparable == D(104)
    assert report.total.profit_growth == D("30.0") and report.total.enterprises == 9


def test_out_of_scope_enterprises_are_left_out(example):
    # 酿溪镇's government answers for its own territory only.
    report = loss_ratio(user=example.town_a_handler, period=date(2026, 10, 1), region=example.region)
    assert (report.total.enterprises, report.total.loss_making, report.total.loss_ratio) == (5, 1, D("20.0"))
    # 工信局 leads no linkage of these enterprises.
    assert loss_ratio(user=example.gxj_head, period=date(2026, 10, 1), region=example.region).total.enterprises == 0


def test_a_township_region(example):
    report = loss_ratio(user=example.office_user, period=date(2026, 10, 1), region=example.town_b)
    assert (report.total.enterprises, report.total.loss_ratio) == (3, D("33.3"))
    assert [row.label for row in report.rows] == ["雀塘镇 (directly)"]


@pytest.fixture
def office_client(client, example):
    client.login(username="office", password=PASSWORD)
    return client


class TestPage:
    def test_page_shows_the_figure_and_the_chart_data(self, office_client, example):
        response = office_client.get(f"/enterprises/figures/loss-ratio/?period=2026-10&region={example.region.pk}")
        assert response.status_code == 200
        assert response.context["report"].total.loss_ratio == D("25.0")
        body = response.content.decode()
        assert 'data-testid="lr-ratio">25.0 %' in body
        assert 'id="loss-ratio-chart-data"' in body and "echarts.min.js" in body and "figures-loss-ratio.js" in body
        assert response.context["chart"]["ratios"] == [20.0, 33.3] and response.context["chart"]["target"] == 4.0

    def test_defaults_to_last_month_and_the_users_region(self, office_client, example):
        with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
            response = office_client.get("/enterprises/figures/loss-ratio/")
        assert response.context["period"] == date(2026, 10, 1)
        assert response.context["report"].region == example.region
        assert response.context["report"].total.enterprises == 8

    def test_export(self, office_client, example):
        response = office_client.get(
            f"/enterprises/figures/loss-ratio/?period=2026-10&region={example.region.pk}&export=xlsx"
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 4  # header, two townships, total
        assert rows[1][:4] == ("酿溪镇", 5, 1, 20.0) and rows[3][:4] == ("新邵县", 8, 2, 25.0)

    @pytest.mark.parametrize(("login", "status"), [("ent_a", 403), ("auditor", 200), ("cadre", 200)])
    def test_who_may_see_it(self, client, example, login, status):
        client.login(username=login, password=PASSWORD)
        assert client.get("/enterprises/figures/loss-ratio/").status_code == status

    def test_query_count_is_constant(self, office_client, example, django_assert_num_queries):
        url = f"/enterprises/figures/loss-ratio/?period=2026-10&region={example.region.pk}"
        # session, user, roles, the chosen region, enterprises, profit sums, child regions, calendar banner,
        # topbar unit, region choices (twice: Django's Select reads its first option for the required attribute)
        with django_assert_num_queries(11):
            office_client.get(url)
        for _ in range(10):
            enterprise(example, example.town_b, profit=D(-1))
        with django_assert_num_queries(11):
            response = office_client.get(url)
        assert response.context["report"].total.enterprises == 18


class TestEndpoint:
    def test_figures(self, office_client, example):
        body = office_client.get(f"/api/v1/stats/loss-ratio?period=2026-10&region={example.region.pk}").json()
        assert body["total"]["loss_ratio_percent"] == 25.0 and body["total"]["profit_growth_percent"] == 30.0
        assert body["loss_ratio_target_percent"] == 4.0 and body["profit_growth_target_percent"] == 12.0
        assert [(r["name"], r["loss_ratio_percent"]) for r in body["regions"]] == [("酿溪镇", 20.0), ("雀塘镇", 33.3)]

    def test_scope_and_roles(self, client, example):
        client.login(username="town_a_handler", password=PASSWORD)
        assert client.get("/api/v1/stats/loss-ratio?period=2026-10").json()["total"]["enterprises"] == 5
        client.login(username="ent_a", password=PASSWORD)
        assert client.get("/api/v1/stats/loss-ratio").status_code == 403

    def test_bad_period_is_422(self, office_client, example):
        assert office_client.get("/api/v1/stats/loss-ratio?period=10/2026").status_code == 422
        assert office_client.get("/api/v1/stats/loss-ratio?period=2027-01").status_code == 422

    def test_query_count_is_constant(self, office_client, example, django_assert_num_queries):
        url = f"/api/v1/stats/loss-ratio?period=2026-10&region={example.region.pk}"
        # session, user, roles, region, enterprises, profit sums, child regions
        with django_assert_num_queries(7):
            office_client.get(url)
        for _ in range(10):
            enterprise(example, example.town_a, profit=D(5))
        with django_assert_num_queries(7):
            office_client.get(url)
