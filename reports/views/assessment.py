"""Pages of the annual assessment (年考核): the year's scores with the working behind every point and their
Excel export, a year's scheme (the office copies the template and edits the items), and the evidence
entries (the office records them; a unit reads its own). Who reads what: reports.selectors.assessment."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.models import Role
from accounts.scope import get_for_user, has_role, scoped
from core.exports import XLSX_CONTENT_TYPE
from core.periods import FIRST_PROGRAMME_YEAR, check_programme_year, year_param
from core.permissions import role_required
from reports.forms.assessment import EvidenceForm, SchemeItemFormSet
from reports.forms.monthly import apply_errors
from reports.models import AssessmentEvidence, AssessmentScheme
from reports.selectors import assessment as selectors
from reports.services import assessment as services

Target = AssessmentScheme.Target
READERS = selectors.READER_ROLES
# The evidence page: leaders read the evidence in the scores' working (their scope reaches no unit's rows).
EVIDENCE_READERS = (Role.OFFICE, Role.AUDITOR, Role.UNIT_HEAD, Role.UNIT_HANDLER)
YEARS_LISTED = 10


def _year(request) -> int:
    return year_param(request.GET.get("year"), last=timezone.localdate().year)


def _target(request) -> str:
    target = request.GET.get("target")
    return target if target in Target.values else Target.DEPARTMENT


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, max(FIRST_PROGRAMME_YEAR, this_year - YEARS_LISTED) - 1, -1))


# Scores ---------------------------------------------------------------------------------------------------


@role_required(*READERS)
def assessment_scores(request):
    year, target = _year(request), _target(request)
    result = selectors.assessment(user=request.user, year=year, target=target)
    return render(
        request,
        "reports/assessment/scores.html",
        {
            "result": result,
            "table": [{"row": row, "cells": list(zip(result.items, row.scores, strict=True))} for row in result.rows],
            "year": year,
            "target": target,
            "years": _years(),
            "targets": Target.choices,
            "is_office": has_role(request.user, Role.OFFICE),
            "reads_evidence": has_role(request.user, *EVIDENCE_READERS),
            "columns": len(result.items) + 3,
        },
    )


def _xlsx(result: selectors.Assessment) -> bytes:
    workbook = Workbook()
    bold = Font(bold=True)
    scores = workbook.active
    scores.title = str(_("Scores"))[:31]
    header = [_("Rank"), _("Unit")]
    header += [f"{item.name} ({item.max_points.normalize():f})" for item in result.items]
    header.append(_("Total"))
    scores.append([str(cell) for cell in header])
    for row in result.rows:
        scores.append([row.rank, row.unit.name, *[float(score.points) for score in row.scores], float(row.total)])
    working = workbook.create_sheet(str(_("Working"))[:31])
    working.append([str(cell) for cell in (_("Unit"), _("Item"), _("Line"), _("Points"), _("Counted"), _("Reference"))])
    for row in result.rows:
        if not row.show_working:
            continue
        for item, score in zip(result.items, row.scores, strict=True):
            for line in score.lines:
                working.append(
                    [
                        row.unit.name,
                        item.name,
                        line.text,
                        None if line.points is None else float(line.points),
                        _("yes") if line.counted else _("no"),
                        line.ref,
                    ]
                )
    for sheet in (scores, working):
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
    scores.column_dimensions["B"].width = 28
    working.column_dimensions["A"].width = 24
    working.column_dimensions["B"].width = 20
    working.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@role_required(*READERS)
def assessment_xlsx(request):
    year, target = _year(request), _target(request)
    result = selectors.assessment(user=request.user, year=year, target=target)
    response = HttpResponse(_xlsx(result), content_type=XLSX_CONTENT_TYPE)
    name = _("assessment-%(year)s-%(target)s-%(today)s.xlsx") % {
        "year": year,
        "target": target,
        "today": f"{timezone.localdate():%Y%m%d}",
    }
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# The scheme ---------------------------------------------------------------------------------------------


def _scheme_url(year: int, target: str) -> str:
    return reverse("assessment_scheme", args=[year, target])


@role_required(*READERS)
def assessment_scheme(request, year: int, target: str):
    if target not in Target.values:
        raise Http404("No such target.")
    try:
        check_programme_year(year)
    except ValidationError:
        raise Http404("No such year.") from None
    scheme, from_template = selectors.scheme_for(year, target)
    if scheme is None:
        raise Http404("No scheme.")
    items = list(scheme.items.all())
    is_office = has_role(request.user, Role.OFFICE)
    formset = None
    if request.method == "POST":
        services.require_office(request.user)
        if request.POST.get("action") == "copy":
            services.scheme_for_year(actor=request.user, year=year, target=target)
            messages.success(request, _("The template is copied into the scheme of %(year)s.") % {"year": year})
            return redirect(_scheme_url(year, target))
        if from_template:
            messages.error(request, _("Copy the template into this year's scheme before editing it."))
            return redirect(_scheme_url(year, target))
        formset = SchemeItemFormSet(request.POST, prefix="items")
        if formset.is_valid():
            try:
                services.scheme_update(
                    actor=request.user,
                    scheme_id=scheme.pk,
                    items=[form.cleaned_data for form in formset.forms],
                )
            except ValidationError as error:
                formset_errors = error.messages
                messages.error(request, " ".join(formset_errors))
            else:
                messages.success(request, _("The scheme is saved."))
                return redirect(_scheme_url(year, target))
    if is_office and not from_template and formset is None:
        formset = SchemeItemFormSet(
            prefix="items",
            initial=[
                {
                    "position": item.position,
                    "name": item.name,
                    "max_points": item.max_points,
                    "params": json.dumps(item.params, ensure_ascii=False),
                }
                for item in items
            ],
        )
    rows = list(zip(items, formset.forms, strict=False)) if formset is not None else [(item, None) for item in items]
    return render(
        request,
        "reports/assessment/scheme.html",
        {
            "scheme": scheme,
            "from_template": from_template,
            "year": year,
            "target": target,
            "target_label": Target(target).label,
            "rows": rows,
            "formset": formset,
            "is_office": is_office,
            "max_total": sum(item.max_points for item in items),
        },
    )


# Evidence -------------------------------------------------------------------------------------------------


def _evidence_url(year: int) -> str:
    return f"{reverse('assessment_evidence')}?year={year}"


@role_required(*EVIDENCE_READERS)
def assessment_evidence(request):
    year = _year(request) if request.method == "GET" else year_param(request.POST.get("year"))
    is_office = has_role(request.user, Role.OFFICE)
    form = None
    if request.method == "POST":
        services.require_office(request.user)
        form = EvidenceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.evidence_add(
                    actor=request.user,
                    unit_id=data["unit"].pk,
                    year=data["occurred_on"].year,
                    kind=data["kind"],
                    occurred_on=data["occurred_on"],
                    description=data["description"],
                    source=data["source"],
                    case_id=data["case_number"],
                    points=data["points"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "case_id" in error.error_dict:
                    error.error_dict["case_number"] = error.error_dict.pop("case_id")
                apply_errors(form, error)
            else:
                messages.success(request, _("The entry is recorded."))
                return redirect(_evidence_url(data["occurred_on"].year))
    elif is_office:
        form = EvidenceForm(
            initial={"occurred_on": timezone.localdate() if year == timezone.localdate().year else None}
        )
    entries = scoped(
        request.user,
        AssessmentEvidence.objects.filter(year=year).select_related("unit", "case", "created_by"),
    ).order_by("unit__path", "occurred_on", "pk")
    return render(
        request,
        "reports/assessment/evidence.html",
        {"year": year, "years": _years(), "entries": entries, "form": form, "is_office": is_office},
    )


@require_POST
@role_required(Role.OFFICE)
def assessment_evidence_delete(request, pk: int):
    entry = get_for_user(request.user, AssessmentEvidence, pk=pk)
    services.evidence_delete(actor=request.user, evidence_id=entry.pk)
    messages.success(request, _("The entry is deleted."))
    return redirect(_evidence_url(entry.year))


urlpatterns = [
    path("reports/assessment/", assessment_scores, name="assessment_scores"),
    path("reports/assessment/export.xlsx", assessment_xlsx, name="assessment_xlsx"),
    path("reports/assessment/schemes/<int:year>/<str:target>/", assessment_scheme, name="assessment_scheme"),
    path("reports/assessment/evidence/", assessment_evidence, name="assessment_evidence"),
    path(
        "reports/assessment/evidence/<int:pk>/delete/",
        assessment_evidence_delete,
        name="assessment_evidence_delete",
    ),
]
