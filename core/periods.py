"""Months and programme years, as every app reads and checks them.

A month is kept as its first day. A programme year (a linkage's, a plan's, a pool's) lies between 2000 and
next year: plans and pools for next year are drawn up before it begins.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

FIRST_PROGRAMME_YEAR = 2000
PROGRAMME_YEARS_AHEAD = 1

_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    year, month_index = divmod(month.year * 12 + month.month - 1 + months, 12)
    return date(year, month_index + 1, 1)


def current_month() -> date:
    return month_start(timezone.localdate())


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def parse_month(text: str | None) -> date | None:
    """“2026-10” → date(2026, 10, 1); None for anything else (a query parameter, not an Excel cell: the
    imports accept more spellings, see core.imports.parse_month)."""
    match = _MONTH_PATTERN.match((text or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def last_programme_year() -> int:
    return timezone.localdate().year + PROGRAMME_YEARS_AHEAD


def check_programme_year(year, field: str = "year") -> int:
    """The year itself when it is a programme year; a ValidationError on `field` otherwise."""
    last = last_programme_year()
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_PROGRAMME_YEAR <= year <= last:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The year must be between %(first)s and %(last)s.")
                    % {"first": FIRST_PROGRAMME_YEAR, "last": last},
                    code="year_out_of_range",
                )
            }
        )
    return year


def int_or_none(raw) -> int | None:
    """A query-string or form value as an int; None when it is missing or not a number."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def year_param(raw, *, last: int | None = None) -> int:
    """A page's ?year=: the year asked for when it lies between 2000 and `last` (next year unless said
    otherwise), this year for anything else."""
    this_year = timezone.localdate().year
    year = int_or_none(raw)
    last = last_programme_year() if last is None else last
    return year if year is not None and FIRST_PROGRAMME_YEAR <= year <= last else this_year
