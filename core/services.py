"""Writes on the working-day calendar. Each action is one function, called by pages, API and commands."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.scope import is_office
from core.models import CalendarDay, CalendarYear

# Far enough either way for any deadline the platform computes; outside it a year is almost surely a typo.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _require_office(actor) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can change the working-day calendar."))


def check_year(year: int, field: str = "year") -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            {field: _("The year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}}
        )


def _check_length(value: str, model, field: str) -> None:
    # SQLite does not enforce max_length, so the service does, for the API as much as the page.
    limit = model._meta.get_field(field).max_length
    if len(value) > limit:
        raise ValidationError({field: _("At most %(limit)s characters.") % {"limit": limit}})


@transaction.atomic
def calendar_day_set(*, actor, date: datetime.date, is_workday: bool, name: str) -> CalendarDay:
    """Enter a holiday or make-up workday, or change the one entered for that date. It overrides the
    chinesecalendar package from then on."""
    _require_office(actor)
    name = (name or "").strip()
    check_year(date.year, field="date")
    if not is_workday and not name:
        raise ValidationError({"name": _("A rest day needs the holiday's name, e.g. 元旦 or 春节.")})
    _check_length(name, CalendarDay, "name")
    day, _created = CalendarDay.objects.update_or_create(date=date, defaults={"is_workday": is_workday, "name": name})
    return day


@transaction.atomic
def calendar_day_delete(*, actor, date: datetime.date) -> CalendarDay:
    """Remove an entered day: the date falls back to the package, or to the weekend rule past it.
    Returns the removed day."""
    _require_office(actor)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        raise ValidationError({"date": _("No day is entered for %(date)s.") % {"date": date.isoformat()}})
    day.delete()
    return day


@transaction.atomic
def calendar_year_set_entered(*, actor, year: int, entered: bool, source: str = "") -> CalendarYear:
    """Say that a year's official schedule has (or has not) been entered in full; while it has not, pages
    warn that deadlines in that year count weekends only."""
    _require_office(actor)
    check_year(year)
    source = (source or "").strip()
    _check_length(source, CalendarYear, "source")
    calendar_year, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"schedule_entered": entered, "source": source}
    )
    return calendar_year
