"""Derived indicators of one enterprise: year-to-date, same period last year, year-on-year growth, loss-making;
the indicators endpoint."""

from datetime import date
from decimal import Decimal

import pytest

from conftest import PASSWORD
from core.periods import parse_month
from enterprises.models import MonthlyFigure
from enterprises.selectors.figures import enterprise_indicators, growth_percent

D = Decimal


@pytest.fixture
def figures(county):
    """ent_a: Jan–Oct 2025 and Jan–Oct 2026, with round numbers."""
    rows = []
    for month in range(1, 11):
        rows.append(
            MonthlyFigure(
                enterprise=county.ent_a,
                period=date(2025, month, 1),
                revenue=D(100),
                total_profit=D(-2) if month == 10 else D(1),
                employees=100,
            )
        )
        rows.append(
            MonthlyFigure(
                enterprise=county.ent_a,
                period=date(2026, month, 1),
                revenue=D(120) if month == 10 else D(110),
                total_profit=D(-5),
                employees=110 if month <= 5 else 130,
                electricity=None if month == 3 else D(50),
            )
        )
    MonthlyFigure.objects.bulk_create(rows)
    return county.ent_a


def test_growth_percent():
    assert growth_percent(D(120), D(100)) == D("20.0")
    assert growth_percent(D(-5), D(-10)) == D("50.0")  # a smaller loss is growth
    assert growth_percent(D(-15), D(10)) == D("-250.0")
    assert growth_percent(D(1), D(3)) == D("-66.7")
    assert growth_percent(D(5), D(0)) is None and growth_percent(D(5), None) is None
    assert growth_percent(None, D(5)) is None


def test_parse_period():
    assert parse_month("2026-10") == date(2026, 10, 1) and parse_month("2026-1") == date(2026, 1, 1)
    assert parse_month("2026-13") is None and parse_month("2026/10") is None and parse_month(None) is None


def test_indicators_of_a_month(figures, django_assert_num_queries):
    with django_assert_num_queries(1):
        result = enterprise_indicators(enterprise=figures, period=date(2026, 10, 1))
    revenue = result["revenue"]
    assert revenue.month == D(120) and revenue.last_year_month == D(100) and revenue.month_yoy == D("20.0")
    assert revenue.ytd == D(1110) and revenue.last_year_ytd == D(1000) and revenue.ytd_yoy == D("11.0")
    profit = result["total_profit"]
    assert profit.ytd == D(-50) and profit.last_year_ytd == D(7) and profit.ytd_yoy == D("-814.3")
    assert profit.month_yoy == D("-150.0")  # -5 against -2
    assert result.loss_making is True and result.reported is True


def test_year_to_date_skips_months_not_reported(figures):
    electricity = enterprise_indicators(enterprise=figures, period=date(2026, 10, 1))["electricity"]
    assert electricity.ytd == D(450)  # nine months reported
    assert electricity.last_year_ytd is None and electricity.ytd_yoy is None  # nothing last year


def test_employees_year_to_date_is_the_average(figures):
    employees = enterprise_indicators(enterprise=figures, period=date(2026, 10, 1))["employees"]
    assert employees.month == 130 and employees.ytd == D(120) and employees.ytd_yoy == D("20.0")


def test_an_earlier_month_counts_from_january(figures):
    result = enterprise_indicators(enterprise=figures, period=date(2026, 3, 1))
    assert result["revenue"].ytd == D(330) and result["revenue"].last_year_ytd == D(300)
    assert result["total_profit"].last_year_ytd == D(3)


def test_a_month_without_figures(figures):
    result = enterprise_indicators(enterprise=figures, period=date(2024, 5, 1))
    assert result.reported is False and result.loss_making is None
    assert all(item.month is None and item.ytd is None for item in result.figures)


def test_profit_in_the_black_is_not_loss_making(county):
    MonthlyFigure.objects.create(enterprise=county.ent_b, period=date(2026, 1, 1), total_profit=D(-5))
    MonthlyFigure.objects.create(enterprise=county.ent_b, period=date(2026, 2, 1), total_profit=D(5))
    assert enterprise_indicators(enterprise=county.ent_b, period=date(2026, 2, 1)).loss_making is False
    assert enterprise_indicators(enterprise=county.ent_b, period=date(2026, 1, 1)).loss_making is True


class TestEndpoint:
    def test_indicators_default_to_the_latest_reported_month(self, client, figures):
        client.login(username="ent_a", password=PASSWORD)
        body = client.get(f"/api/v1/enterprises/{figures.pk}/indicators").json()
        assert body["period"] == "2026-10" and body["loss_making"] is True
        revenue = next(item for item in body["figures"] if item["figure"] == "revenue")
        assert revenue["year_to_date"] == 1110.0 and revenue["year_to_date_year_on_year_percent"] == 11.0

    def test_a_chosen_period(self, client, figures):
        client.login(username="office", password=PASSWORD)
        body = client.get(f"/api/v1/enterprises/{figures.pk}/indicators?period=2026-03").json()
        assert body["period"] == "2026-03"
        assert client.get(f"/api/v1/enterprises/{figures.pk}/indicators?period=March").status_code == 422

    @pytest.mark.parametrize(
        ("login", "status"), [("ent_a2", 200), ("ent_b", 404), ("fgj_handler", 404), ("town_a_handler", 200)]
    )
    def test_scope(self, client, figures, login, status):
        client.login(username=login, password=PASSWORD)
        assert client.get(f"/api/v1/enterprises/{figures.pk}/indicators").status_code == status
