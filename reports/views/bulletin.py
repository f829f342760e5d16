"""The quarterly bulletin's pages (季通报): the quarters with their bulletin, one quarter's bulletin (the
office edits its header, text and good practices; the others read it) and its Word document."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scope import get_for_user, is_office
from cases.deadlines import Level
from core.permissions import role_required
from reports.docx.bulletin import build_bulletin_docx
from reports.forms import bulletin as forms
from reports.models import GoodPractice
from reports.selectors import bulletin as selectors
from reports.services import bulletin as services

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
READERS = selectors.READER_ROLES


def _data(request, year: int, quarter: int) -> selectors.BulletinData:
    try:
        return selectors.bulletin_data(request.user, year, quarter)
    except ValidationError:
        raise Http404("No bulletin for this quarter.") from None


def _edit_url(year: int, quarter: int) -> str:
    return reverse("bulletin_edit", args=[year, quarter])


@role_required(*READERS)
def bulletin_list(request):
    return render(
        request,
        "reports/bulletin/list.html",
        {"quarters": selectors.bulletin_list(request.user), "can_edit": is_office(request.user)},
    )


def _case_list_link(**params) -> str:
    return reverse("case_list") + "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _links(data: selectors.BulletinData) -> dict:
    """The case lists behind each row: the quarter's cases of a unit or a locality, a unit's overdue ones."""
    period = {"submitted_from": data.date_from.isoformat(), "submitted_to": data.date_to.isoformat()}
    # The list shows today's overdue cases: the link fits only while the quarter runs.
    overdue = {} if data.quarter_over else {"level": Level.OVERDUE}
    return {
        "units": [(row, _case_list_link(lead_unit=row.key, **period)) for row in data.units],
        "localities": [(row, _case_list_link(region=row.key, **period)) for row in data.localities],
        "overdue": [
            (unit, _case_list_link(lead_unit=unit.unit_id, **overdue) if overdue else "") for unit in data.overdue_units
        ],
        "returns": [(unit, "") for unit in data.returning_units],
    }


def _practices_context(year: int, quarter: int, *, can_edit: bool, practices=None, **extra) -> dict:
    if practices is None:
        practices = selectors.good_practices(year, quarter)
    context = {
        "year": year,
        "quarter": quarter,
        "practices": practices,
        "can_edit": can_edit,
        "add_form": None,
        "editing": None,
        "edit_form": None,
        "errors": [],
    }
    if can_edit and extra.get("add_form") is None:
        context["add_form"] = forms.GoodPracticeForm(prefix="new")
    context.update(extra)
    return context


def _render_edit(request, data: selectors.BulletinData, *, form=None, **practices_extra):
    can_edit = is_office(request.user)
    if can_edit and form is None:
        form = forms.BulletinForm(initial=data.fields)
    context = {
        "data": data,
        "fields": data.fields,
        "form": form,
        "can_edit": can_edit,
        "links": _links(data),
        "p": _practices_context(
            data.year, data.quarter, can_edit=can_edit, practices=data.good_practices, **practices_extra
        ),
        "returns_from": selectors.RETURNS_NAMED_FROM,
    }
    return render(request, "reports/bulletin/edit.html", context)


@role_required(*READERS)
def bulletin_edit(request, year: int, quarter: int):
    data = _data(request, year, quarter)
    if request.method != "POST":
        return _render_edit(request, data)
    if not is_office(request.user):
        raise PermissionDenied(_("Only the coordinating office writes bulletins."))
    form = forms.BulletinForm(request.POST)
    if form.is_valid():
        try:
            services.bulletin_save(actor=request.user, year=year, quarter=quarter, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, _("Bulletin saved."))
            return HttpResponseRedirect(_edit_url(year, quarter))
    return _render_edit(request, data, form=form)


@role_required(*READERS)
def bulletin_docx(request, year: int, quarter: int):
    data = _data(request, year, quarter)
    content = build_bulletin_docx(data, generated_on=timezone.localdate())
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    name = f"{data.fields.get('title') or _('Bulletin')}-{year}Q{quarter}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# Good practices (HTMX sections) ------------------------------------------------------------------------------


def _quarter_or_404(year: int, quarter: int) -> None:
    try:
        selectors.check_quarter(year, quarter)
    except ValidationError:
        raise Http404("No bulletin for this quarter.") from None


def _section(request, year: int, quarter: int, **extra):
    context = {"p": _practices_context(year, quarter, can_edit=is_office(request.user), **extra)}
    return render(request, "reports/bulletin/_practices.html", context)


def _after_change(request, year: int, quarter: int, message: str):
    if request.htmx:
        return _section(request, year, quarter)
    messages.success(request, message)
    return HttpResponseRedirect(_edit_url(year, quarter) + "#bulletin-practices")


def _after_error(request, year: int, quarter: int, **extra):
    # HTMX swaps only successful answers by default: the section with its messages is answered 200.
    if request.htmx:
        return _section(request, year, quarter, **extra)
    return _render_edit(request, _data(request, year, quarter), **extra)


@role_required(*READERS)
def practices_section(request, year: int, quarter: int):
    """The good practices alone, optionally with one open for editing (?editing=<id>)."""
    _quarter_or_404(year, quarter)
    extra = {}
    editing = request.GET.get("editing", "")
    if is_office(request.user) and editing.isdigit():
        practice = GoodPractice.objects.filter(pk=int(editing), year=year, quarter=quarter).first()
        if practice is not None:
            extra = {"editing": practice.pk, "edit_form": _edit_form(practice)}
    return _section(request, year, quarter, **extra)


def _edit_form(practice: GoodPractice, data=None) -> forms.GoodPracticeForm:
    initial = {"unit": practice.unit_id, "title": practice.title, "body": practice.body}
    return forms.GoodPracticeForm(data, initial=initial, prefix=f"practice-{practice.pk}")


@require_POST
@role_required(Role.OFFICE)
def practice_add(request, year: int, quarter: int):
    _quarter_or_404(year, quarter)
    form = forms.GoodPracticeForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.good_practice_add(actor=request.user, year=year, quarter=quarter, **form.service_values())
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            return _after_change(request, year, quarter, _("Good practice added."))
    return _after_error(request, year, quarter, add_form=form)


@require_POST
@role_required(Role.OFFICE)
def practice_edit(request, pk: int):
    practice = get_for_user(request.user, GoodPractice, pk=pk)
    form = _edit_form(practice, request.POST)
    if form.is_valid():
        try:
            services.good_practice_update(actor=request.user, practice_id=practice.pk, **form.service_values())
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            return _after_change(request, practice.year, practice.quarter, _("Good practice saved."))
    return _after_error(request, practice.year, practice.quarter, editing=practice.pk, edit_form=form)


@require_POST
@role_required(Role.OFFICE)
def practice_delete(request, pk: int):
    practice = get_for_user(request.user, GoodPractice, pk=pk)
    services.good_practice_delete(actor=request.user, practice_id=practice.pk)
    return _after_change(request, practice.year, practice.quarter, _("Good practice deleted."))


@require_POST
@role_required(Role.OFFICE)
def practice_move(request, pk: int):
    practice = get_for_user(request.user, GoodPractice, pk=pk)
    try:
        services.good_practice_move(
            actor=request.user, practice_id=practice.pk, direction=request.POST.get("direction", "")
        )
    except ValidationError as error:
        if request.htmx:
            return _section(request, practice.year, practice.quarter, errors=error.messages)
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_edit_url(practice.year, practice.quarter) + "#bulletin-practices")
    return _after_change(request, practice.year, practice.quarter, _("Good practice moved."))


urlpatterns = [
    path("reports/bulletins/", bulletin_list, name="bulletin_list"),
    path("reports/bulletins/<int:year>/<int:quarter>/", bulletin_edit, name="bulletin_edit"),
    path("reports/bulletins/<int:year>/<int:quarter>.docx", bulletin_docx, name="bulletin_docx"),
    path("reports/bulletins/<int:year>/<int:quarter>/practices/", practices_section, name="bulletin_practices"),
    path("reports/bulletins/<int:year>/<int:quarter>/practices/add/", practice_add, name="bulletin_practice_add"),
    path("reports/bulletins/practices/<int:pk>/edit/", practice_edit, name="bulletin_practice_edit"),
    path("reports/bulletins/practices/<int:pk>/delete/", practice_delete, name="bulletin_practice_delete"),
    path("reports/bulletins/practices/<int:pk>/move/", practice_move, name="bulletin_practice_move"),
]
