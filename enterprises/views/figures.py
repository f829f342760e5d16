"""Pages of the figures area: an enterprise's year of monthly figures and the month form, the region's loss
ratio (亏损面) of above-scale industrial enterprises, and the early-warning list with the office's flags."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, is_office
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.periods import FIRST_PROGRAMME_YEAR, current_month, parse_month, year_param
from core.permissions import role_required
from enterprises.forms.figures import (
    LossRatioForm,
    MonthlyFigureForm,
    WarningFilterForm,
    WarningFlagForm,
    WarningResolveForm,
)
from enterprises.models import Enterprise, EnterpriseWarning, MonthlyFigure
from enterprises.selectors import figures as selectors
from enterprises.services import figures as figure_services
from enterprises.services import warnings as warning_services


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, field_messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, field_messages)
    else:
        form.add_error(None, error)


def _year(request) -> int:
    return year_param(request.GET.get("year"), last=current_month().year)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


# Monthly figures.


@role_required(*STAFF_ROLES, Role.ENTERPRISE)
def enterprise_figures(request, pk):
    enterprise = get_for_user(request.user, Enterprise.objects.select_related("region"), pk=pk)
    year = _year(request)
    this_year = current_month().year
    return render(
        request,
        "enterprises/figures/enterprise_figures.html",
        {
            "enterprise": enterprise,
            "grid": selectors.year_grid(enterprise=enterprise, year=year),
            "year": year,
            "previous_year": year - 1 if year > FIRST_PROGRAMME_YEAR else None,
            "next_year": year + 1 if year < this_year else None,
            "can_edit": figure_services.entry_source(request.user, enterprise) is not None,
        },
    )


@role_required(*STAFF_ROLES, Role.ENTERPRISE)
def enterprise_figure_month(request, pk, period):
    enterprise = get_for_user(request.user, Enterprise.objects.select_related("region"), pk=pk)
    month = parse_month(period)
    if month is None:
        raise Http404("No such month.")
    source = figure_services.entry_source(request.user, enterprise)
    if source is None:
        raise PermissionDenied(_("You cannot enter this enterprise's figures."))
    figure = MonthlyFigure.objects.filter(enterprise=enterprise, period=month).first()
    form = MonthlyFigureForm(request.POST or None, initial=MonthlyFigureForm.initial_from(figure))
    if request.method == "POST" and form.is_valid():
        try:
            figure_services.figure_save(
                actor=request.user, enterprise=enterprise, period=month, values=form.cleaned_data, source=source
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Figures of %(month)s saved.") % {"month": f"{month:%Y-%m}"})
            url = f"{reverse('enterprise_figures', args=[enterprise.pk])}?year={month.year}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"enterprise": enterprise, "month": month, "figure": figure, "form": form}
    if request.htmx:
        return render(request, "enterprises/figures/_month_form.html", context)
    return render(request, "enterprises/figures/month_form.html", context)


@role_required(Role.ENTERPRISE)
def my_figures(request):
    if not request.user.enterprise_id:
        raise Http404("Your account is not linked to an enterprise.")
    return redirect("enterprise_figures", request.user.enterprise_id)


# The loss ratio (亏损面).


def _percent(value):
    return None if value is None else float(value)


LOSS_RATIO_COLUMNS = [
    ExportColumn(gettext_lazy("Region"), lambda row: row.label, 24),
    ExportColumn(gettext_lazy("Enterprises"), lambda row: row.enterprises, 12),
    ExportColumn(gettext_lazy("Loss-making"), lambda row: row.loss_making, 12),
    ExportColumn(gettext_lazy("Loss ratio (%)"), lambda row: _percent(row.loss_ratio), 14),
    ExportColumn(gettext_lazy("Total profit, year to date (10k yuan)"), lambda row: float(row.profit), 20),
    ExportColumn(
        gettext_lazy("Same period last year (10k yuan)"),
        lambda row: None if row.profit_last_year is None else float(row.profit_last_year),
        20,
    ),
    ExportColumn(gettext_lazy("Profit growth (%)"), lambda row: _percent(row.profit_growth), 14),
    ExportColumn(gettext_lazy("Not reported"), lambda row: row.not_reported, 12),
]


@role_required(*STAFF_ROLES)
def loss_ratio(request):
    form = LossRatioForm(request.GET or None)
    chosen = form.cleaned_data.get("region") if form.is_valid() else None
    region = chosen or selectors.default_region(request.user)
    period = parse_month(request.GET.get("period")) or selectors.last_complete_period()
    period = min(period, current_month())
    report = selectors.loss_ratio(user=request.user, period=period, region=region) if region else None
    if report and request.GET.get("export") == "xlsx":
        return xlsx_response(
            f"{_('Loss ratio')}-{region.name}-{period:%Y%m}",
            _("Loss ratio"),
            LOSS_RATIO_COLUMNS,
            [*report.rows, report.total],
        )
    if region and not chosen:
        form = LossRatioForm(initial={"region": region.pk, "period": f"{period:%Y-%m}"})
    chart = None
    if report:
        chart = {
            "regions": [row.label for row in report.rows],
            "ratios": [_percent(row.loss_ratio) for row in report.rows],
            "target": float(report.loss_ratio_target),
            "ratio_label": _("Loss ratio (%)"),
            "target_label": _("Target: under %(target)s %%") % {"target": report.loss_ratio_target},
        }
    return render(
        request,
        "enterprises/figures/loss_ratio.html",
        {"form": form, "report": report, "period": period, "chart": chart},
    )


# Early warnings.

WARNING_COLUMNS = [
    ExportColumn(gettext_lazy("Enterprise"), lambda w: w.enterprise.name, 30),
    ExportColumn(gettext_lazy("Unified social credit code"), lambda w: w.enterprise.credit_code, 22),
    ExportColumn(gettext_lazy("Region"), lambda w: w.enterprise.region.name, 14),
    ExportColumn(gettext_lazy("Level"), lambda w: w.get_level_display(), 8),
    ExportColumn(gettext_lazy("Rule"), lambda w: w.get_rule_display(), 24),
    ExportColumn(gettext_lazy("Reason"), lambda w: w.reason, 60),
    ExportColumn(gettext_lazy("Figures of month"), lambda w: f"{w.period:%Y-%m}" if w.period else "", 12),
    ExportColumn(gettext_lazy("Raised at"), lambda w: w.created_at, 18),
]


@role_required(*STAFF_ROLES)
def warning_list(request):
    form = WarningFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    warnings = selectors.warning_list(
        user=request.user,
        level=filters.get("level"),
        rule=filters.get("rule", ""),
        region=filters.get("region"),
        search=filters.get("q", "").strip(),
    )
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("Early warnings"), _("Early warnings"), WARNING_COLUMNS, warnings.iterator())
    return render(
        request,
        "enterprises/figures/warning_list.html",
        {"form": form, "page": paginate(request, warnings), "is_office": is_office(request.user)},
    )


@role_required(Role.OFFICE)
def warning_flag(request, pk):
    enterprise = get_for_user(request.user, Enterprise.objects.select_related("region"), pk=pk)
    form = WarningFlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warning_services.warning_flag(
                actor=request.user,
                enterprise=enterprise,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Warning raised on %(name)s.") % {"name": enterprise.name})
            return redirect("enterprise_detail", enterprise.pk)
    return render(request, "enterprises/figures/warning_flag.html", {"enterprise": enterprise, "form": form})


@role_required(Role.OFFICE)
def warning_resolve(request, pk):
    warning = get_for_user(
        request.user,
        EnterpriseWarning.objects.select_related("enterprise", "created_by"),
        pk=pk,
        resolved_at__isnull=True,
    )
    form = WarningResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warning_services.warning_resolve(
                actor=request.user, warning=warning, resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Warning on %(name)s resolved.") % {"name": warning.enterprise.name})
            return redirect(_safe_next(request, reverse("warning_list")))
    return render(
        request,
        "enterprises/figures/warning_resolve.html",
        {
            "warning": warning,
            "form": form,
            "next": _safe_next(request, ""),
            "is_computed": warning.rule != EnterpriseWarning.Rule.MANUAL,
        },
    )


urlpatterns = [
    path("my/figures/", my_figures, name="my_figures"),
    path("enterprises/figures/loss-ratio/", loss_ratio, name="loss_ratio"),
    path("enterprises/warnings/", warning_list, name="warning_list"),
    path("enterprises/warnings/<int:pk>/resolve/", warning_resolve, name="warning_resolve"),
    path("enterprises/<int:pk>/warnings/flag/", warning_flag, name="warning_flag"),
    path("enterprises/<int:pk>/figures/", enterprise_figures, name="enterprise_figures"),
    re_path(
        r"^enterprises/(?P<pk>\d+)/figures/(?P<period>\d{4}-\d{2})/$",
        enterprise_figure_month,
        name="enterprise_figure_month",
    ),
]
