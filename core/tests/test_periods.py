from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.periods import (
    add_months,
    check_programme_year,
    int_or_none,
    months_between,
    parse_month,
    year_param,
)


def test_months_add_across_year_ends():
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert months_between(date(2025, 11, 1), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10", date(2026, 10, 1)),
        (" 2026-3 ", date(2026, 3, 1)),
        ("2026-13", None),
        ("2026年10月", None),
        (None, None),
    ],
)
def test_a_month_parameter_is_year_dash_month(text, expected):
    assert parse_month(text) == expected


def test_programme_years_run_from_2000_to_next_year():
    this_year = timezone.localdate().year
    assert check_programme_year(this_year + 1) == this_year + 1
    for bad in (1999, this_year + 2, "2026", True):
        with pytest.raises(ValidationError) as refused:
            check_programme_year(bad)
        assert refused.value.error_dict["year"][0].code == "year_out_of_range"


def test_a_year_parameter_out_of_range_falls_back_to_this_year():
    this_year = timezone.localdate().year
    assert year_param("2024") == 2024
    assert year_param(str(this_year + 1)) == this_year + 1
    assert year_param(str(this_year + 1), last=this_year) == this_year
    assert year_param("abc") == this_year
    assert year_param(None) == this_year
    assert int_or_none("12") == 12 and int_or_none("x") is None and int_or_none(None) is None
