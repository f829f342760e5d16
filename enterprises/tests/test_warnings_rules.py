"""Each computed warning rule at its boundaries: fires or not, and at which level (services.warnings)."""

from datetime import date
from decimal import Decimal

import pytest

from core.periods import add_months
from enterprises.models import WarningLevel
from enterprises.services.warnings import (
    MonthFigures,
    check_electricity_falling,
    check_exit_risk,
    check_loss_making,
    evaluate,
)

D = Decimal


def series(name: str, last: date, values: list) -> dict[date, MonthFigures]:
    """`values` are one figure's months ending at `last`, oldest first (None: not reported)."""
    first = add_months(last, 1 - len(values))
    figures = {}
    for index, value in enumerate(values):
        month = {"revenue": None, "total_profit": None, "electricity": None}
        month[name] = None if value is None else D(str(value))
        figures[add_months(first, index)] = MonthFigures(**month)
    return figures


def revenue_months(last: date, total: str, months: int = 12) -> list:
    """`months` equal months adding up to `total` (exact to the cent)."""
    amount = D(total)
    each = (amount / months).quantize(D("0.01"))
    return [each] * (months - 1) + [amount - each * (months - 1)]


class TestLossMaking:
    OCT = date(2026, 10, 1)

    def test_ytd_below_zero_is_orange_with_the_numbers_in_the_reason(self):
        figures = series("total_profit", self.OCT, [10, -20, -25.2])  # Aug–Oct of 2026; Jan–Jul not reported
        finding = check_loss_making(figures)
        assert finding.level == WarningLevel.ORANGE and finding.period == self.OCT
        assert "-35.2" in finding.reason and "2026" in finding.reason and "10" in finding.reason

    def test_ytd_of_exactly_zero_does_not_fire(self):
        assert check_loss_making(series("total_profit", self.OCT, [10, -10])) is None

    def test_one_cent_of_loss_fires(self):
        assert check_loss_making(series("total_profit", self.OCT, [10, -10.01])).level == WarningLevel.ORANGE

    def test_a_loss_in_the_same_period_last_year_makes_it_red(self):
        # Jan 2025 – Oct 2026: last year's Jan–Oct sum to -1, this year's to -1.
        values = [1] * 9 + [-10] + [5, 5] + [1] * 9 + [-10]
        finding = check_loss_making(series("total_profit", self.OCT, values))
        assert finding.level == WarningLevel.RED and "-1.0" in finding.reason

    def test_last_year_loss_outside_the_same_months_does_not_count(self):
        # Last year lost money only in Nov–Dec, after the same period (Jan–Oct).
        values = [1] * 10 + [-50, -50] + [1] * 9 + [-10]
        assert check_loss_making(series("total_profit", self.OCT, values)).level == WarningLevel.ORANGE

    def test_last_year_in_profit_or_missing_stays_orange(self):
        assert check_loss_making(series("total_profit", self.OCT, [5] * 12 + [-1] * 10)).level == WarningLevel.ORANGE
        assert check_loss_making(series("total_profit", self.OCT, [-1] * 10)).level == WarningLevel.ORANGE

    def test_a_new_year_starts_from_zero(self):
        # A loss in Dec 2025, a small profit in Jan 2026: as of January the year to date is positive.
        assert check_loss_making(series("total_profit", date(2026, 1, 1), [-100, 1])) is None

    def test_the_latest_reported_month_is_used(self):
        figures = series("total_profit", self.OCT, [-5, None])  # October not reported: September counts
        assert check_loss_making(figures).period == date(2026, 9, 1)


class TestExitRisk:
    OCT = date(2026, 10, 1)

    def check(self, total, previous_total=None, above_scale=True):
        values = revenue_months(self.OCT, total)
        if previous_total is not None:
            values = revenue_months(add_months(self.OCT, -12), previous_total) + values
        return check_exit_risk(series("revenue", self.OCT, values), above_scale=above_scale)

    @pytest.mark.parametrize(
        ("total", "level"),
        [
            ("1999.99", WarningLevel.RED),
            ("2000", WarningLevel.ORANGE),
            ("2199.99", WarningLevel.ORANGE),
        ],
    )
    def test_red_and_orange_lines(self, total, level):
        finding = self.check(total)
        assert finding.level == level
        assert "2025-11" in finding.reason and "2026-10" in finding.reason

    def test_blue_needs_a_fall_from_the_previous_twelve_months(self):
        assert self.check("2200", previous_total="2500").level == WarningLevel.BLUE
        assert self.check("2399.99", previous_total="2400").level == WarningLevel.BLUE
        assert self.check("2399.99", previous_total="2399.99") is None  # not lower
        assert self.check("2300", previous_total="2100") is None  # growing
        assert self.check("2300") is None  # the previous 12 months are not all reported

    def test_at_the_upper_line_nothing_fires(self):
        assert self.check("2400", previous_total="3000") is None

    def test_only_above_scale_enterprises(self):
        assert self.check("1000", above_scale=False) is None

    def test_twelve_months_must_all_be_reported(self):
        values = revenue_months(self.OCT, "1000")
        values[5] = None
        assert check_exit_risk(series("revenue", self.OCT, values), above_scale=True) is None
        assert check_exit_risk(series("revenue", self.OCT, [50] * 11), above_scale=True) is None


class TestElectricityFalling:
    OCT = date(2026, 10, 1)

    def check(self, values):
        return check_electricity_falling(series("electricity", self.OCT, values))

    def test_three_falls_in_a_row_are_blue(self):
        finding = self.check([100, 90, 80, 71])
        assert finding.level == WarningLevel.BLUE and "29.0" in finding.reason and "2026-07" in finding.reason

    def test_a_fall_of_thirty_percent_or_more_is_orange(self):
        assert self.check([100, 90, 80, 70]).level == WarningLevel.ORANGE
        assert self.check([100, 90, 80, 70.01]).level == WarningLevel.BLUE

    def test_a_flat_month_breaks_the_run(self):
        assert self.check([100, 90, 90, 80]) is None
        assert self.check([100, 101, 80, 70]) is None

    def test_four_consecutive_months_are_needed(self):
        assert self.check([90, 80, 70]) is None
        assert self.check([100, None, 80, 70]) is None
        # A rise in the latest month after earlier falls ends the warning.
        assert self.check([120, 100, 90, 80, 85]) is None

    def test_evaluate_collects_every_rule_that_fires(self):
        figures = series("electricity", self.OCT, [100, 60, 50, 40])
        for period, month in series("total_profit", self.OCT, [-1]).items():
            figures[period] = MonthFigures(None, month.total_profit, figures[period].electricity)
        found = evaluate(figures, above_scale=False)
        assert set(found) == {"loss_making", "electricity_falling"}
        assert found["electricity_falling"].level == WarningLevel.ORANGE
