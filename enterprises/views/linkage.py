"""Pages of linkage (包联): who is linked to whom, the coverage of key enterprises, and the office's editing
of an enterprise's linkage and the yearly roll-over."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Region, Role
from accounts.scope import current_year, get_for_user, is_office, scoped
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.periods import int_or_none, year_param
from core.permissions import role_required
from enterprises.forms.linkage import CopyYearForm, LinkageForm
from enterprises.models import Enterprise, Linkage
from enterprises.selectors import linkage as selectors
from enterprises.services.linkage import linkage_set, linkages_copy_year


def _year(request) -> int:
    return year_param(request.GET.get("year"))


def _filters(request) -> dict:
    return {
        "leader_id": int_or_none(request.GET.get("leader")),
        "lead_unit_id": int_or_none(request.GET.get("lead_unit")),
        "cadre_id": int_or_none(request.GET.get("cadre")),
        "region_id": int_or_none(request.GET.get("region")),
        "key_only": request.GET.get("key") == "1",
        "search": request.GET.get("q", "").strip(),
    }


def _filter_choices(user, year: int) -> dict:
    """The people and units the user can filter by: those named on the year's linkages they can see."""
    return {**selectors.linkage_filter_choices(user=user, year=year), "regions": scoped(user, Region.objects.all())}


def _people(users) -> str:
    return "、".join(f"{user}({user.phone})" if user.phone else str(user) for user in users)


LINKAGE_COLUMNS = [
    ExportColumn(gettext_lazy("Enterprise"), lambda link: link.enterprise.name, 32),
    ExportColumn(gettext_lazy("Unified social credit code"), lambda link: link.enterprise.credit_code, 22),
    ExportColumn(gettext_lazy("Region"), lambda link: link.enterprise.region.name, 12),
    ExportColumn(gettext_lazy("Key enterprise"), lambda link: _("yes") if link.enterprise.is_key else "", 8),
    ExportColumn(gettext_lazy("Year"), lambda link: link.year, 6),
    ExportColumn(gettext_lazy("Linked leader"), lambda link: _people([link.leader]) if link.leader_id else "", 20),
    ExportColumn(gettext_lazy("Lead unit"), lambda link: link.lead_unit.name if link.lead_unit_id else "", 20),
    ExportColumn(gettext_lazy("Linked cadres"), lambda link: _people(link.cadres.all()), 40),
    ExportColumn(gettext_lazy("Note"), lambda link: link.note, 30),
]


def _linkage_page(request, template: str, grouped: bool):
    year, filters = _year(request), _filters(request)
    linkages = selectors.linkage_list(user=request.user, year=year, **filters)
    if request.GET.get("export") == "xlsx":
        rows = linkages.order_by("leader__full_name", "enterprise__name") if grouped else linkages
        return xlsx_response(
            _("linkages-%(year)s") % {"year": year}, _("Linkages"), LINKAGE_COLUMNS, rows.iterator(chunk_size=500)
        )
    context = {
        "year": year,
        "years": range(current_year() + 1, current_year() - 5, -1),
        "filters": filters,
        "is_office": is_office(request.user),
        "copy_form": CopyYearForm(initial={"from_year": year - 1, "to_year": year}),
        **_filter_choices(request.user, year),
    }
    if grouped:
        context["groups"] = selectors.linkages_by_leader(linkages)
    else:
        context["page"] = paginate(request, linkages)
    return render(request, template, context)


@role_required(*STAFF_ROLES)
def linkage_list(request):
    return _linkage_page(request, "enterprises/linkage/linkage_list.html", grouped=False)


@role_required(*STAFF_ROLES)
def linkage_by_leader(request):
    return _linkage_page(request, "enterprises/linkage/linkage_by_leader.html", grouped=True)


COVERAGE_COLUMNS = [
    ExportColumn(gettext_lazy("Enterprise"), lambda e: e.name, 32),
    ExportColumn(gettext_lazy("Unified social credit code"), lambda e: e.credit_code, 22),
    ExportColumn(gettext_lazy("Region"), lambda e: e.region.name, 12),
    ExportColumn(gettext_lazy("Linked leader"), lambda e: e.linked_leader_name or "", 16),
    ExportColumn(gettext_lazy("Lead unit"), lambda e: e.linked_unit_name or "", 20),
    ExportColumn(gettext_lazy("Linked cadres"), lambda e: e.cadre_count, 10),
    ExportColumn(gettext_lazy("Missing"), lambda e: "、".join(str(label) for label in _gaps(e)), 24),
]


def _gaps(enterprise) -> list[str]:
    gaps = []
    if enterprise.linked_leader_id is None:
        gaps.append(_("leader"))
    if enterprise.linked_unit_id is None:
        gaps.append(_("lead unit"))
    if not enterprise.has_cadre:
        gaps.append(_("cadre"))
    return gaps


@role_required(*STAFF_ROLES)
def linkage_coverage(request):
    year = _year(request)
    gap = request.GET.get("gap", selectors.Gap.ANY)
    if gap not in selectors.Gap.CHOICES:
        gap = selectors.Gap.ANY
    summary, enterprises = selectors.linkage_coverage(user=request.user, year=year, gap=gap)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("linkage-gaps-%(year)s") % {"year": year},
            _("Linkage gaps"),
            COVERAGE_COLUMNS,
            enterprises.iterator(chunk_size=500),
        )
    page = paginate(request, enterprises)
    for enterprise in page:
        enterprise.gaps = _gaps(enterprise)
    return render(
        request,
        "enterprises/linkage/linkage_coverage.html",
        {
            "year": year,
            "years": range(current_year() + 1, current_year() - 5, -1),
            "gap": gap,
            "summary": summary,
            "page": page,
            "is_office": is_office(request.user),
        },
    )


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


@role_required(Role.OFFICE)
def linkage_edit(request, pk):
    enterprise = get_for_user(request.user, Enterprise.objects.select_related("region"), pk=pk)
    year = int_or_none(request.POST.get("year") or request.GET.get("year")) or current_year()
    linkage = (
        Linkage.objects.filter(enterprise=enterprise, year=year)
        .select_related("leader", "lead_unit")
        .prefetch_related("cadres")
        .first()
    )
    previous = (
        Linkage.objects.filter(enterprise=enterprise, year=year - 1)
        .select_related("leader", "lead_unit")
        .prefetch_related("cadres")
        .first()
    )
    form = LinkageForm(request.POST or None, linkage=linkage)
    if request.method == "POST" and form.is_valid():
        try:
            linkage_set(
                actor=request.user,
                enterprise=enterprise,
                year=year,
                leader=form.cleaned_data["leader"],
                lead_unit=form.cleaned_data["lead_unit"],
                cadres=list(form.cleaned_data["cadres"]),
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("The %(year)s linkage of %(name)s is saved.") % {"year": year, "name": enterprise.name},
            )
            return redirect(_safe_next(request) or reverse("enterprise_detail", args=[enterprise.pk]))
    return render(
        request,
        "enterprises/linkage/linkage_edit.html",
        {
            "enterprise": enterprise,
            "year": year,
            "years": range(current_year() + 1, current_year() - 5, -1),
            "form": form,
            "linkage": linkage,
            "previous": previous,
            "next": _safe_next(request) or "",
        },
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@role_required(Role.OFFICE)
def linkage_copy_year(request):
    form = CopyYearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the two years to copy between."))
        return redirect("linkage_list")
    try:
        result = linkages_copy_year(
            actor=request.user, from_year=form.cleaned_data["from_year"], to_year=form.cleaned_data["to_year"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('linkage_list')}?year={form.cleaned_data['to_year']}")
    messages.success(
        request,
        _(
            "Copied %(copied)s linkages from %(from)s to %(to)s; %(skipped)s enterprises already had a linkage "
            "for %(to)s and were left alone; %(incomplete)s copies lost a leader, unit or cadre who no longer "
            "qualifies — see the coverage view."
        )
        % {
            "copied": result.copied,
            "from": result.from_year,
            "to": result.to_year,
            "skipped": result.skipped_existing,
            "incomplete": result.incomplete,
        },
    )
    return redirect(f"{reverse('linkage_list')}?year={result.to_year}")


urlpatterns = [
    path("enterprises/linkages/", linkage_list, name="linkage_list"),
    path("enterprises/linkages/by-leader/", linkage_by_leader, name="linkage_by_leader"),
    path("enterprises/linkages/coverage/", linkage_coverage, name="linkage_coverage"),
    path("enterprises/linkages/copy-year/", linkage_copy_year, name="linkage_copy_year"),
    path("enterprises/<int:pk>/linkage/", linkage_edit, name="linkage_edit"),
]
