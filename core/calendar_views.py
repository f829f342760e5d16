"""The working-day calendar page: every staff member can read it and check a deadline; the coordinating
office also enters holidays and make-up workdays there, and says when a year's official schedule is in."""

import calendar
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES
from accounts.scope import is_office
from core import services, workdays
from core.models import CalendarDay, CalendarYear
from core.permissions import role_required

WEEKDAY_LABELS = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]
# The calculator walks day by day; a year of working days is more than any deadline the platform sets.
MAX_CALCULATOR_DAYS = 365


def _check_date_year(value: date) -> date:
    if not services.FIRST_YEAR <= value.year <= services.LAST_YEAR:
        raise ValidationError(
            _("The year must be between %(first)s and %(last)s.")
            % {"first": services.FIRST_YEAR, "last": services.LAST_YEAR}
        )
    return value


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.TypedChoiceField(
        label=gettext_lazy("The day is"),
        choices=[
            ("rest", gettext_lazy("a rest day (holiday)")),
            ("work", gettext_lazy("a working day (make-up workday)")),
        ],
        coerce=lambda value: value == "work",
        widget=forms.RadioSelect,
        initial="rest",
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=CalendarDay._meta.get_field("name").max_length,
        required=False,
        help_text=gettext_lazy("e.g. 元旦, 春节, 春节调休上班. Required for a rest day."),
    )

    def clean_date(self):
        return _check_date_year(self.cleaned_data["date"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") is False and not (cleaned.get("name") or "").strip():
            self.add_error("name", _("A rest day needs the holiday's name, e.g. 元旦 or 春节."))
        return cleaned


class CalendarDayDeleteForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.HiddenInput)


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        widget=forms.HiddenInput,
        min_value=services.FIRST_YEAR,
        max_value=services.LAST_YEAR,
    )
    entered = forms.TypedChoiceField(
        label=gettext_lazy("Official schedule"),
        choices=[("yes", gettext_lazy("entered in full")), ("no", gettext_lazy("not entered yet"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    source = forms.CharField(
        label=gettext_lazy("Source document"),
        max_length=CalendarYear._meta.get_field("source").max_length,
        required=False,
        help_text=gettext_lazy("e.g. 国务院办公厅关于2027年部分节假日安排的通知"),
    )


class DeadlineForm(forms.Form):
    start = forms.DateTimeField(
        label=gettext_lazy("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("China time."),
    )
    days = forms.DecimalField(
        label=gettext_lazy("Working days"),
        min_value=Decimal(0),
        max_value=MAX_CALCULATOR_DAYS,
        max_digits=6,
        decimal_places=2,
    )


def _requested_year(request) -> int:
    """The ?year= asked for, or this year (with a message) when it is missing or unusable."""
    today_year = timezone.localdate().year
    raw = request.GET.get("year", "").strip()
    if not raw:
        return today_year
    try:
        year = int(raw)
        services.check_year(year)
    except (ValueError, ValidationError):
        messages.error(
            request,
            _("“%(raw)s” is not a year between %(first)s and %(last)s; showing %(year)s.")
            % {"raw": raw, "first": services.FIRST_YEAR, "last": services.LAST_YEAR, "year": today_year},
        )
        return today_year
    return year


def _months(year: int) -> list[dict]:
    entries = {e.date: e for e in workdays.calendar_entries(date(year, 1, 1), date(year, 12, 31))}
    weeks_of = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar
    months = []
    for month in range(1, 13):
        weeks = [[entries[d] if d.month == month else None for d in week] for week in weeks_of(year, month)]
        # The names under each month, in order of first appearance, so the grid reads without hovering.
        names = dict.fromkeys(e.name for week in weeks for e in week if e and e.name)
        months.append({"first": date(year, month, 1), "weeks": weeks, "names": list(names)})
    return months


def _error_summary(form: forms.Form) -> str:
    # Spelled out in the message because some of these forms are hidden fields or not shown for the year.
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


def _calendar_url(year: int) -> str:
    return f"{reverse('calendar')}?year={year}"


def _handle_post(request, year: int):
    """Apply the office's change. Returns a redirect on success, or the bound form holding the errors."""
    action = request.POST.get("action")
    if action == "set-day":
        form = CalendarDayForm(request.POST, prefix="day")
        if form.is_valid():
            try:
                day = services.calendar_day_set(
                    actor=request.user,
                    date=form.cleaned_data["date"],
                    is_workday=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if day.is_workday:
                    text = _("%(date)s is entered as a working day. %(name)s")
                else:
                    text = _("%(date)s is entered as a rest day. %(name)s")
                messages.success(request, (text % {"date": day.date.isoformat(), "name": day.name}).strip())
                return redirect(_calendar_url(day.date.year))
        return form
    if action == "delete-day":
        form = CalendarDayDeleteForm(request.POST, prefix="delete")
        if form.is_valid():
            try:
                day = services.calendar_day_delete(actor=request.user, date=form.cleaned_data["date"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The entry for %(date)s was removed: the official calendar applies again.")
                    % {"date": day.date.isoformat()},
                )
                return redirect(_calendar_url(day.date.year))
        return form
    if action == "set-year":
        form = CalendarYearForm(request.POST, prefix="year")
        if form.is_valid():
            entry = services.calendar_year_set_entered(
                actor=request.user,
                year=form.cleaned_data["year"],
                entered=form.cleaned_data["entered"],
                source=form.cleaned_data["source"],
            )
            if entry.schedule_entered:
                text = _("The official schedule for %(year)s is marked as entered.")
            else:
                text = _(
                    "The official schedule for %(year)s is marked as not entered: deadlines in it carry a warning."
                )
            messages.success(request, text % {"year": entry.year})
            return redirect(_calendar_url(entry.year))
        return form
    return None


@role_required(*STAFF_ROLES)
def calendar_year(request):
    year = _requested_year(request)
    office = is_office(request.user)
    day_form = CalendarDayForm(prefix="day")
    failed_form = None
    if request.method == "POST":
        if not office:
            raise PermissionDenied(_("Only the coordinating office can change the working-day calendar."))
        result = _handle_post(request, year)
        if result is None:
            return HttpResponseBadRequest(_("Unknown calendar action."))
        if not isinstance(result, forms.Form):
            return result
        failed_form = result
        messages.error(request, _("Nothing was saved: %(errors)s") % {"errors": _error_summary(result)})
        if isinstance(result, CalendarDayForm):
            day_form = result

    year_entry = CalendarYear.objects.filter(year=year).first()
    covered = workdays.package_covers(year)
    year_form = CalendarYearForm(
        prefix="year",
        initial={
            "year": year,
            "entered": "yes" if year_entry and year_entry.schedule_entered else "no",
            "source": year_entry.source if year_entry else "",
        },
    )
    if isinstance(failed_form, CalendarYearForm):
        year_form = failed_form

    calculator, due, due_missing_years = DeadlineForm(prefix="calc"), None, []
    if "calc-days" in request.GET:
        calculator = DeadlineForm(request.GET, prefix="calc")
        if calculator.is_valid():
            start = calculator.cleaned_data["start"]
            due = workdays.add_working_days(start, float(calculator.cleaned_data["days"]))
            due_missing_years = workdays.years_without_schedule(
                timezone.localtime(start).date(), timezone.localtime(due).date()
            )
    else:
        calculator.initial = {"start": timezone.localtime().replace(second=0, microsecond=0), "days": 5}

    months = _months(year)
    special_days = [
        entry for month in months for week in month["weeks"] for entry in week if entry and entry.is_special
    ]
    context = {
        "year": year,
        "previous_year": year - 1 if year > services.FIRST_YEAR else None,
        "next_year": year + 1 if year < services.LAST_YEAR else None,
        "first_year": services.FIRST_YEAR,
        "last_year": services.LAST_YEAR,
        "months": months,
        "weekday_labels": WEEKDAY_LABELS,
        "special_days": special_days,
        "package_covers": covered,
        "year_entry": year_entry,
        "schedule_missing": not covered and not (year_entry and year_entry.schedule_entered),
        "package_first_year": workdays.PACKAGE_FIRST_YEAR,
        "package_last_year": workdays.PACKAGE_LAST_YEAR,
        "is_office": office,
        "day_form": day_form,
        "year_form": year_form,
        "calculator": calculator,
        "due": due,
        "due_missing_years": due_missing_years,
    }
    return render(request, "core/calendar.html", context)
