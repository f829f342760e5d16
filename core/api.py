"""The working-day calendar over HTTP, mounted at /api/v1/calendar: the days, deadline arithmetic, and (for the
coordinating office) entering days. Reading is open to every signed-in account: the calendar is public
information and integrations need it to show deadlines."""

import datetime as dt
import re
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from core import services, workdays

router = Router(tags=["calendar"])

MAX_RANGE_DAYS = 400
# Deadline arithmetic walks day by day, so bound what one call may ask for.
MAX_DEADLINE_DAYS = 365
MAX_BETWEEN_DAYS = 3660
# An unencoded "+" in a query string arrives as a space: "2026-02-13T10:00:00 08:00".
_SPACE_FOR_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class CalendarDayOut(Schema):
    date: dt.date
    is_workday: bool
    name: str
    source: Literal["entered", "official", "weekend-rule"]


class CalendarDayIn(Schema):
    date: dt.date
    is_workday: bool
    name: str = ""


class DeadlineOut(Schema):
    start: dt.datetime
    days: float
    due: dt.datetime
    schedule_missing_years: list[int]


class WorkingDaysOut(Schema):
    working_days: float


def _moment(raw: str, param: str) -> dt.datetime:
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", raw.strip())
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise HttpError(
            422, f"{param}: “{raw}” is not an ISO 8601 date and time, e.g. 2026-02-13T10:00:00+08:00."
        ) from None
    if timezone.is_naive(moment):
        raise HttpError(
            422, f"{param}: “{raw}” has no UTC offset; give one, e.g. 2026-02-13T10:00:00+08:00 for China time."
        )
    return moment


def _check_span(first: dt.date, last: dt.date, limit: int) -> None:
    if last < first:
        raise HttpError(422, "end must not come before start.")
    if (last - first).days + 1 > limit:
        raise HttpError(422, f"The range may cover at most {limit} days.")


@router.get("/days", response=list[CalendarDayOut], summary="Each day of a range: working or rest, and why")
def list_days(request, start: dt.date, end: dt.date):
    _check_span(start, end, MAX_RANGE_DAYS)
    return [
        {"date": e.date, "is_workday": e.is_workday, "name": e.name, "source": e.source}
        for e in workdays.calendar_entries(start, end)
    ]


@router.post(
    "/days", response=CalendarDayOut, summary="Enter or change a holiday or make-up workday (coordinating office)"
)
def enter_day(request, payload: CalendarDayIn):
    try:
        day = services.calendar_day_set(
            actor=request.user, date=payload.date, is_workday=payload.is_workday, name=payload.name
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return {"date": day.date, "is_workday": day.is_workday, "name": day.name, "source": workdays.Source.ENTERED}


@router.get("/add-working-days", response=DeadlineOut, summary="The moment N working days after a start")
def add_working_days(request, start: str, days: float):
    moment = _moment(start, "start")
    if not 0 <= days <= MAX_DEADLINE_DAYS:
        raise HttpError(422, f"days must be between 0 and {MAX_DEADLINE_DAYS}.")
    due = workdays.add_working_days(moment, days)
    first, last = timezone.localtime(moment).date(), timezone.localtime(due).date()
    return {
        "start": moment,
        "days": days,
        "due": due,
        "schedule_missing_years": workdays.years_without_schedule(first, last),
    }


@router.get("/working-days-between", response=WorkingDaysOut, summary="Working days from start to end")
def working_days_between(request, start: str, end: str):
    first, last = _moment(start, "start"), _moment(end, "end")
    span = sorted([timezone.localtime(first).date(), timezone.localtime(last).date()])
    _check_span(span[0], span[1], MAX_BETWEEN_DAYS)
    return {"working_days": workdays.working_days_between(first, last)}
