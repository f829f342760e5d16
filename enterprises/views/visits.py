"""Pages of visits (走访): record a visit from a phone, the visit list and detail, correcting and deleting
a visit, and the monthly visit coverage per cadre and per unit."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import STAFF_ROLES, Role, Unit
from accounts.scope import get_for_user, has_role, scoped
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.periods import current_month, int_or_none, parse_month
from core.permissions import role_required
from enterprises.forms.visits import VisitForm
from enterprises.models import Enterprise, Visit
from enterprises.selectors import visits as selectors
from enterprises.services.visits import (
    EDIT_WINDOW_DAYS,
    RECORDING_ROLES,
    edit_deadline,
    may_change_visit,
    may_record_visits,
    visit_delete,
    visit_record,
    visit_update,
)

READER_ROLES = (*STAFF_ROLES, Role.ENTERPRISE)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


VISIT_COLUMNS = [
    ExportColumn(gettext_lazy("Visit date"), lambda v: v.visited_on, 12),
    ExportColumn(gettext_lazy("Enterprise"), lambda v: v.enterprise.name, 30),
    ExportColumn(gettext_lazy("Unified social credit code"), lambda v: v.enterprise.credit_code, 22),
    ExportColumn(gettext_lazy("Visitor"), lambda v: str(v.visitor), 14),
    ExportColumn(gettext_lazy("Unit"), lambda v: v.unit.name if v.unit_id else "", 20),
    ExportColumn(gettext_lazy("Mode"), lambda v: v.get_mode_display(), 12),
    ExportColumn(gettext_lazy("Met with"), lambda v: v.met_with, 16),
    ExportColumn(gettext_lazy("Notes"), lambda v: v.notes, 40),
    ExportColumn(gettext_lazy("Problems found"), lambda v: "\n".join(p.description for p in v.problems.all()), 50),
    ExportColumn(gettext_lazy("Recorded at"), lambda v: v.created_at, 18),
]


def _list_filters(request) -> dict:
    return {
        "mine": request.GET.get("mine") == "1",
        "month": parse_month(request.GET.get("month")),
        "enterprise_id": int_or_none(request.GET.get("enterprise")),
        "unit_id": int_or_none(request.GET.get("unit")),
        "search": request.GET.get("q", "").strip(),
    }


@role_required(*READER_ROLES)
def visit_list(request):
    filters = _list_filters(request)
    visits = selectors.visit_list(user=request.user, **filters)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("visits"), _("Visits"), VISIT_COLUMNS, selectors.with_problems(visits).iterator(chunk_size=500)
        )
    enterprise = None
    if filters["enterprise_id"]:
        enterprise = scoped(request.user, Enterprise.objects.filter(pk=filters["enterprise_id"])).first()
    is_staff = has_role(request.user, *STAFF_ROLES)
    return render(
        request,
        "enterprises/visits/visit_list.html",
        {
            "page": paginate(request, visits),
            "filters": filters,
            "month_value": filters["month"].strftime("%Y-%m") if filters["month"] else "",
            "enterprise": enterprise,
            "units": scoped(request.user, Unit.objects.filter(is_active=True)) if is_staff else Unit.objects.none(),
            "is_staff": is_staff,
            "may_record": may_record_visits(request.user),
        },
    )


def _record_choices(request, selected_id: int | None, search: str) -> dict:
    linked = list(selectors.linked_enterprises(user=request.user))
    linked_ids = {e.pk for e in linked}
    results = [e for e in selectors.enterprise_search(user=request.user, search=search) if e.pk not in linked_ids]
    if selected_id and selected_id not in linked_ids and selected_id not in {e.pk for e in results}:
        chosen = scoped(request.user, Enterprise.objects.filter(pk=selected_id)).first()
        if chosen is not None:
            results.insert(0, chosen)
    return {"linked": linked, "results": results, "selected_id": selected_id, "q": search}


@role_required(*RECORDING_ROLES)
def visit_create(request):
    enterprises = scoped(request.user, Enterprise.objects.all())
    if request.method == "POST":
        form = VisitForm(request.POST, enterprises=enterprises)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = visit_record(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    visited_on=data["visited_on"],
                    mode=data["mode"],
                    met_with=data["met_with"],
                    notes=data["notes"],
                    problems=data["problems"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                count = len(data["problems"])
                messages.success(
                    request,
                    ngettext(
                        "Visit to %(name)s on %(date)s recorded, with %(n)s problem.",
                        "Visit to %(name)s on %(date)s recorded, with %(n)s problems.",
                        count,
                    )
                    % {"name": visit.enterprise.name, "date": visit.visited_on.isoformat(), "n": count},
                )
                return redirect(f"{reverse('visit_list')}?mine=1")
        selected_id = int_or_none(request.POST.get("enterprise"))
        search = request.POST.get("q", "").strip()
    else:
        # Without JavaScript the search button sends the whole form by GET: keep what was typed.
        typed = {
            name: request.GET[name]
            for name in ("visited_on", "mode", "met_with", "notes", "problems")
            if name in request.GET
        }
        form = VisitForm(initial=typed, enterprises=enterprises)
        selected_id = int_or_none(request.GET.get("enterprise"))
        search = request.GET.get("q", "").strip()
    return render(
        request,
        "enterprises/visits/visit_form.html",
        {"form": form, "creating": True, **_record_choices(request, selected_id, search)},
    )


@role_required(*RECORDING_ROLES)
def visit_enterprise_search(request):
    """The HTMX fragment of the record page: radio choices of enterprises in scope matching ?q=."""
    search = request.GET.get("q", "").strip()
    linked_ids = set(selectors.linked_enterprises(user=request.user).values_list("pk", flat=True))
    results = [e for e in selectors.enterprise_search(user=request.user, search=search) if e.pk not in linked_ids]
    return render(
        request,
        "enterprises/visits/_enterprise_results.html",
        {"results": results, "q": search, "selected_id": None},
    )


@role_required(*READER_ROLES)
def visit_detail(request, pk):
    visit = get_for_user(request.user, selectors.visit_detail_queryset(), pk=pk)
    return render(
        request,
        "enterprises/visits/visit_detail.html",
        {
            "visit": visit,
            "can_change": may_change_visit(request.user, visit),
            "edit_deadline": edit_deadline(visit),
            "edit_window_days": EDIT_WINDOW_DAYS,
        },
    )


def _changeable_visit(request, pk) -> Visit:
    visit = get_for_user(request.user, selectors.visit_detail_queryset(), pk=pk)
    if not may_change_visit(request.user, visit):
        raise PermissionDenied(
            _("Only the visitor, within %(days)s days of recording, or the coordinating office can change a visit.")
            % {"days": EDIT_WINDOW_DAYS}
        )
    return visit


@role_required(*RECORDING_ROLES)
def visit_edit(request, pk):
    visit = _changeable_visit(request, pk)
    form = VisitForm(request.POST or None, initial=VisitForm.initial_for(visit))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit_update(
                actor=request.user,
                visit=visit,
                visited_on=data["visited_on"],
                mode=data["mode"],
                met_with=data["met_with"],
                notes=data["notes"],
                problems=data["problems"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The visit is updated."))
            return redirect("visit_detail", pk=visit.pk)
    return render(request, "enterprises/visits/visit_form.html", {"form": form, "visit": visit, "creating": False})


@role_required(*RECORDING_ROLES)
def visit_delete_view(request, pk):
    visit = _changeable_visit(request, pk)
    if request.method == "POST":
        visit_delete(actor=request.user, visit=visit)
        messages.success(
            request,
            _("The visit to %(name)s on %(date)s is deleted.")
            % {"name": visit.enterprise.name, "date": visit.visited_on.isoformat()},
        )
        return redirect("visit_list")
    return render(request, "enterprises/visits/visit_confirm_delete.html", {"visit": visit})


def _pct(value):
    return round(value, 1) if value is not None else None


CADRE_COLUMNS = [
    ExportColumn(gettext_lazy("Cadre"), lambda u: str(u), 14),
    ExportColumn(gettext_lazy("Unit"), lambda u: u.unit.name if u.unit_id else "", 20),
    ExportColumn(gettext_lazy("Linked enterprises"), lambda u: u.linked, 10),
    ExportColumn(gettext_lazy("Visited this month"), lambda u: u.visited, 10),
    ExportColumn(gettext_lazy("Coverage %"), lambda u: _pct(u.coverage), 10),
    ExportColumn(gettext_lazy("Visits made"), lambda u: u.visits_made, 10),
]
UNIT_COLUMNS = [
    ExportColumn(gettext_lazy("Unit"), lambda u: u.name, 24),
    ExportColumn(gettext_lazy("Enterprises it leads"), lambda u: u.linked, 10),
    ExportColumn(gettext_lazy("Visited this month"), lambda u: u.visited, 10),
    ExportColumn(gettext_lazy("Coverage %"), lambda u: _pct(u.coverage), 10),
    ExportColumn(gettext_lazy("Visits by its staff"), lambda u: u.visits_made, 10),
]


@role_required(*STAFF_ROLES)
def visit_coverage(request):
    month = parse_month(request.GET.get("month")) or current_month()
    table = "units" if request.GET.get("table") == "units" else "cadres"
    sort = request.GET.get("sort", "coverage")
    if sort not in selectors.COVERAGE_SORTS:
        sort = "coverage"
    export = request.GET.get("export")
    if export in ("cadres", "units"):
        rows, columns = (
            (selectors.unit_coverage(user=request.user, month=month, sort=sort), UNIT_COLUMNS)
            if export == "units"
            else (selectors.cadre_coverage(user=request.user, month=month, sort=sort), CADRE_COLUMNS)
        )
        return xlsx_response(
            _("visit-coverage-%(table)s-%(month)s") % {"table": export, "month": month.strftime("%Y-%m")},
            _("Visit coverage"),
            columns,
            rows.iterator(chunk_size=500),
        )
    rows = (
        selectors.unit_coverage(user=request.user, month=month, sort=sort)
        if table == "units"
        else selectors.cadre_coverage(user=request.user, month=month, sort=sort)
    )
    return render(
        request,
        "enterprises/visits/visit_coverage.html",
        {
            "month": month,
            "month_value": month.strftime("%Y-%m"),
            "table": table,
            "sort": sort,
            "page": paginate(request, rows),
        },
    )


urlpatterns = [
    path("visits/", visit_list, name="visit_list"),
    path("visits/new/", visit_create, name="visit_create"),
    path("visits/enterprise-search/", visit_enterprise_search, name="visit_enterprise_search"),
    path("visits/coverage/", visit_coverage, name="visit_coverage"),
    path("visits/<int:pk>/", visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", visit_delete_view, name="visit_delete"),
]
