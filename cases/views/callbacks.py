"""The office's callback pages (回访 · 抽查回访).

- `/cases/callbacks/`: the calls to make (spot checks drawn, with the enterprise's phone), the resolved
  cases unrated for more than three working days (to call back before they close unrated), a form to draw a
  spot-check sample, and the calls made in a period with their results and the share of spot checks the
  enterprises confirmed;
- `/cases/callbacks/<pk>/`: record a planned call;
- `/cases/callbacks/case/<case_pk>/`: record a call about a resolved case that was not planned.

Recording goes through cases.services.review.callback_record, drawing through spot_check_sample. The pages
are the office's: other roles get 403."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scope import get_for_user
from cases.forms import callbacks as forms
from cases.models import Callback, Case
from cases.selectors import callbacks as selectors
from cases.services import review
from core.pagination import PAGE_SIZE, paginate
from core.permissions import role_required


def _period(request) -> dict:
    """The period of the calls shown: this month so far unless the query string says otherwise (an empty
    bound means open-ended; a bad date is ignored)."""
    today = timezone.localdate()
    initial = {"called_from": today.replace(day=1), "called_to": today, "kind": ""}
    if not any(name in request.GET for name in forms.PeriodForm.base_fields):
        return {"form": forms.PeriodForm(initial=initial), **initial}
    period = forms.PeriodForm(request.GET)
    period.is_valid()
    data = {name: period.cleaned_data.get(name) for name in initial}
    data["kind"] = data["kind"] or ""
    return {"form": period, **data}


def _sample_initial() -> dict:
    """Last month, the usual period a spot check covers."""
    first_this_month = timezone.localdate().replace(day=1)
    last_month_end = first_this_month - timedelta(days=1)
    return {"count": 10, "resolved_from": last_month_end.replace(day=1), "resolved_to": last_month_end}


def _with_contacts(items, case_of):
    for item in items:
        item.contact_name, item.contact_phone = selectors.contact_of(case_of(item))
    return items


def _render(request, *, sample_form=None, status: int = 200):
    user = request.user
    period = _period(request)
    planned = paginate(request, selectors.planned(user))
    _with_contacts(planned, lambda callback: callback.case)
    to_call = Paginator(selectors.to_call_back(user), PAGE_SIZE).get_page(request.GET.get("due_page"))
    _with_contacts(to_call, lambda case: case)
    made = selectors.done(user, called_from=period["called_from"], called_to=period["called_to"], kind=period["kind"])
    done_page = Paginator(made, PAGE_SIZE).get_page(request.GET.get("done_page"))
    units = selectors.lead_units()
    return render(
        request,
        "cases/callbacks/list.html",
        {
            "planned": planned,
            "to_call": to_call,
            "done": done_page,
            "period": period,
            "share": selectors.spot_check_share(made),
            "sample_form": sample_form or forms.SampleForm(prefix="sample", units=units, initial=_sample_initial()),
            "after_days": selectors.CALL_BACK_AFTER_WORKING_DAYS,
            "auto_close_days": review.AUTO_CLOSE_WORKING_DAYS,
        },
        status=status,
    )


@role_required(Role.OFFICE)
def callback_list(request):
    return _render(request)


@require_POST
@role_required(Role.OFFICE)
def callback_sample(request):
    form = forms.SampleForm(request.POST, prefix="sample", units=selectors.lead_units())
    if form.is_valid():
        try:
            drawn = review.spot_check_sample(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            wanted = form.cleaned_data["count"]
            if len(drawn) < wanted:
                text = _("Only %(count)s cases were left to sample in that period: %(count)s spot checks planned.")
            else:
                text = _("%(count)s spot checks planned.")
            messages.success(request, text % {"count": len(drawn)})
            return redirect("callback_list")
    return _render(request, sample_form=form)


def _record_page(request, case: Case, callback: Callback | None):
    spot_check = bool(callback and callback.spot_check)
    rateable = case.state == Case.State.RESOLVED and not case.rating
    form = forms.RecordForm(request.POST or None, spot_check=spot_check, rateable=rateable)
    open_call = callback is None or callback.status == Callback.Status.PLANNED
    if open_call and request.method == "POST" and form.is_valid():
        try:
            review.callback_record(
                actor=request.user,
                case_id=case.pk,
                callback_id=callback.pk if callback else None,
                **form.service_arguments(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Callback on case %(number)s recorded.") % {"number": case.number})
            return redirect("callback_list")
    contact_name, contact_phone = selectors.contact_of(case)
    return render(
        request,
        "cases/callbacks/record.html",
        {
            "case": case,
            "callback": callback,
            "form": form,
            "spot_check": spot_check,
            "rateable": rateable,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        },
    )


@role_required(Role.OFFICE)
def callback_record_planned(request, pk):
    callback = get_for_user(request.user, Callback.objects.select_related(*selectors.CALLBACK_RELATED), pk=pk)
    return _record_page(request, callback.case, callback)


@role_required(Role.OFFICE)
def callback_record_case(request, case_pk):
    case = get_for_user(request.user, Case.objects.select_related(*selectors.CASE_RELATED), pk=case_pk)
    return _record_page(request, case, None)


urlpatterns = [
    path("cases/callbacks/", callback_list, name="callback_list"),
    path("cases/callbacks/sample/", callback_sample, name="callback_sample"),
    path("cases/callbacks/<int:pk>/", callback_record_planned, name="callback_record"),
    path("cases/callbacks/case/<int:case_pk>/", callback_record_case, name="callback_record_case"),
]
