"""Pages of what policies grant: 免申即享 grant lists (generate from a policy, review, take off / put back,
approve, record the payment, export), the office's applications (decide, record the payment), an
enterprise's application form, and policy performance with its flags and Excel export. Staff read; the
coordinating office acts; an enterprise applies."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, is_office, scoped
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.permissions import role_required
from policies.forms.grants import (
    ApplicationForm,
    ApplicationPaymentForm,
    DecisionForm,
    ExcludeForm,
    PaymentDateForm,
    PeriodForm,
    apply_service_error,
    default_period,
)
from policies.models import Application, GrantBatch, GrantLine, Policy
from policies.selectors import grants as selectors
from policies.selectors.performance import UNUSED_AFTER_DAYS, ceiling_share, policy_performance
from policies.services import grants as services

LINES_PER_PAGE = 100


def _refused(request, error) -> None:
    messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))


def _run(request, action, **kwargs) -> bool:
    """Run a service for a POST; its refusal becomes a message on the next page."""
    try:
        action(actor=request.user, **kwargs)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
        return False
    return True


# Grant lists.


@role_required(*STAFF_ROLES)
def grant_batch_list(request):
    status = request.GET.get("status", "")
    if status not in GrantBatch.Status.values:
        status = ""
    batches = selectors.batch_list(user=request.user, status=status)
    return render(
        request,
        "policies/grants/batch_list.html",
        {"page": paginate(request, batches), "status": status, "statuses": GrantBatch.Status.choices},
    )


def _batch_context(request, batch, **forms):
    show = request.GET.get("show", "")
    lines = selectors.batch_lines(user=request.user, batch=batch, show=show)
    can_act = is_office(request.user)
    return {
        "batch": batch,
        "policy": batch.policy,
        "totals": selectors.batch_totals(user=request.user, batch=batch),
        "page": paginate(request, lines, LINES_PER_PAGE),
        "show": show,
        "can_act": can_act,
        "is_draft": batch.status == GrantBatch.Status.DRAFT,
        "can_approve": can_act and batch.status == GrantBatch.Status.DRAFT and batch.created_by_id != request.user.pk,
        "pay_form": forms.get("pay_form") or PaymentDateForm(),
    }


def _batch(request, pk) -> GrantBatch:
    return get_for_user(request.user, GrantBatch.objects.select_related("policy", "created_by", "approved_by"), pk=pk)


@role_required(*STAFF_ROLES)
def grant_batch_detail(request, pk):
    batch = _batch(request, pk)
    return render(request, "policies/grants/batch_detail.html", _batch_context(request, batch))


@role_required(*STAFF_ROLES)
def grant_batch_export(request, pk):
    batch = _batch(request, pk)
    lines = selectors.batch_lines(user=request.user, batch=batch)
    columns = [
        ExportColumn(_("Enterprise"), lambda line: line.enterprise.name, 36),
        ExportColumn(_("Credit code"), lambda line: line.enterprise.credit_code, 22),
        ExportColumn(_("Region"), lambda line: line.enterprise.region.name, 14),
        ExportColumn(_("Amount (10k yuan)"), lambda line: float(line.amount), 14),
        ExportColumn(_("On the list"), lambda line: _("no") if line.excluded else _("yes"), 10),
        ExportColumn(_("Why it was taken off"), lambda line: line.excluded_reason, 30),
        ExportColumn(_("Basis"), _basis_text, 50),
        ExportColumn(_("Paid on"), lambda line: line.paid_on, 12),
    ]
    name = _("grant-list-%(policy)s-%(period)s") % {"policy": batch.policy_id, "period": batch.period}
    return xlsx_response(name, _("Grant list"), columns, lines.iterator())


def _basis_text(line) -> str:
    basis = line.basis or {}
    if "fact" in basis:
        text = f"{basis['fact']} {basis.get('value')} × {basis['formula'].get('rate')} = {basis.get('computed', '—')}"
    elif "formula" in basis:
        text = _("fixed %(amount)s") % {"amount": basis["formula"].get("fixed")}
    else:
        return ""
    if basis.get("capped"):
        text += " → " + _("capped at %(cap)s") % {"cap": basis.get("cap")}
    return text


@role_required(Role.OFFICE)
def grant_batch_new(request, pk):
    """Generate (or regenerate) the 免申即享 list of a policy for a period."""
    policy = get_for_user(request.user, Policy, pk=pk)
    form = PeriodForm(request.POST or None, initial={"period": request.GET.get("period") or default_period()})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.grant_batch_generate(
                actor=request.user, policy_id=policy.pk, period=form.cleaned_data["period"]
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request, _("The grant list for %(period)s is ready for review.") % {"period": batch.period}
            )
            return redirect("grant_batch_detail", pk=batch.pk)
    period = (form.data.get("period") if form.is_bound else form.initial["period"]) or ""
    existing = scoped(request.user, GrantBatch.objects.filter(policy=policy, period=period.strip().upper())).first()
    return render(request, "policies/grants/batch_new.html", {"policy": policy, "form": form, "existing": existing})


def _line_action(request, pk, action, **kwargs):
    line = get_for_user(request.user, GrantLine, pk=pk)
    _run(request, action, line_id=line.pk, **kwargs)
    page = request.POST.get("next_page", "")
    target = reverse("grant_batch_detail", args=[line.batch_id])
    return redirect(f"{target}?page={page}" if page.isdigit() else target)


@require_POST
@role_required(Role.OFFICE)
def grant_line_exclude(request, pk):
    form = ExcludeForm(request.POST)
    if not form.is_valid():
        line = get_for_user(request.user, GrantLine, pk=pk)
        messages.error(request, _("Say why the enterprise is taken off the list."))
        return redirect("grant_batch_detail", pk=line.batch_id)
    return _line_action(request, pk, services.grant_line_exclude, reason=form.cleaned_data["reason"])


@require_POST
@role_required(Role.OFFICE)
def grant_line_include(request, pk):
    return _line_action(request, pk, services.grant_line_include)


@require_POST
@role_required(Role.OFFICE)
def grant_batch_approve(request, pk):
    batch = _batch(request, pk)
    if _run(request, services.grant_batch_approve, batch_id=batch.pk):
        messages.success(request, _("The grant list is approved."))
    return redirect("grant_batch_detail", pk=batch.pk)


@require_POST
@role_required(Role.OFFICE)
def grant_batch_pay(request, pk):
    batch = _batch(request, pk)
    form = PaymentDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the date of the payment."))
    elif _run(request, services.grant_batch_record_payment, batch_id=batch.pk, paid_on=form.cleaned_data["paid_on"]):
        messages.success(request, _("The payment is recorded and the enterprises are told."))
    return redirect("grant_batch_detail", pk=batch.pk)


# Applications.


@role_required(*STAFF_ROLES)
def application_list(request):
    status = request.GET.get("status", "")
    if status not in Application.Status.values:
        status = ""
    search = request.GET.get("q", "").strip()
    applications = selectors.application_list(user=request.user, status=status, search=search)
    return render(
        request,
        "policies/grants/application_list.html",
        {
            "page": paginate(request, applications),
            "status": status,
            "statuses": Application.Status.choices,
            "q": search,
            "can_act": is_office(request.user),
            "decision_form": DecisionForm(),
            "pay_form": ApplicationPaymentForm(),
        },
    )


def _back_to_applications(request):
    target = reverse("application_list")
    query = request.POST.get("return_query", "")
    return redirect(f"{target}?{query}" if query else target)


@require_POST
@role_required(Role.OFFICE)
def application_decide(request, pk):
    application = get_for_user(request.user, Application, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    elif _run(
        request,
        services.application_decide,
        application_id=application.pk,
        approve=form.cleaned_data["decision"] == "approve",
        note=form.cleaned_data["note"],
    ):
        messages.success(request, _("The decision is recorded and the enterprise is told."))
    return _back_to_applications(request)


@require_POST
@role_required(Role.OFFICE)
def application_pay(request, pk):
    application = get_for_user(request.user, Application, pk=pk)
    form = ApplicationPaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the amount paid and the date of the payment."))
    elif _run(
        request,
        services.application_record_payment,
        application_id=application.pk,
        amount=form.cleaned_data["amount"],
        paid_on=form.cleaned_data["paid_on"],
    ):
        messages.success(request, _("The payment is recorded and the enterprise is told."))
    return _back_to_applications(request)


def _after_applying(policy) -> str:
    for name, args in (("my_policy", [policy.pk]), ("my_policies", []), ("home", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return "/"


@role_required(Role.ENTERPRISE)
def application_new(request, policy_id):
    """An enterprise applies for a policy (申报)."""
    if not request.user.enterprise_id:
        raise Http404
    policy = get_for_user(request.user, Policy, pk=policy_id)
    form = ApplicationForm(request.POST or None, initial={"period": default_period()})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(actor=request.user, policy_id=policy.pk, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your application is submitted. The office will tell you its decision."))
            return redirect(_after_applying(policy))
    mine = selectors.enterprise_applications(request.user, request.user.enterprise).filter(policy=policy)
    return render(
        request,
        "policies/grants/application_new.html",
        {"policy": policy, "form": form, "mine": mine, "open": policy.obtain == Policy.Obtain.APPLICATION},
    )


# Performance.


def _flag_labels(row) -> str:
    labels = {"unused": _("unused"), "ceiling": _("天花板 (almost nobody qualifies)")}
    return ", ".join(str(labels[flag]) for flag in row.flags)


@role_required(*STAFF_ROLES)
def performance(request):
    rows = policy_performance(request.user, _performance_policies(request))
    return render(
        request,
        "policies/grants/performance.html",
        {
            "rows": rows,
            "flag": request.GET.get("flag", ""),
            "unused_days": UNUSED_AFTER_DAYS,
            "ceiling_share": ceiling_share(),
        },
    )


def _performance_policies(request):
    policies = scoped(request.user, Policy.objects.exclude(status=Policy.Status.DRAFT)).order_by("-published_on", "-pk")
    return policies


@role_required(*STAFF_ROLES)
def performance_export(request):
    rows = policy_performance(request.user, _performance_policies(request))
    columns = [
        ExportColumn(_("Policy"), lambda r: r.policy.title, 40),
        ExportColumn(_("Document number"), lambda r: r.policy.document_number, 20),
        ExportColumn(_("How it is obtained"), lambda r: r.policy.get_obtain_display(), 16),
        ExportColumn(_("Status"), lambda r: r.policy.get_status_display(), 10),
        ExportColumn(_("Eligible"), lambda r: r.eligible, 10),
        ExportColumn(
            _("Share of enterprises (%)"), lambda r: None if r.eligible_share is None else float(r.eligible_share), 12
        ),
        ExportColumn(_("Notified"), lambda r: r.notified, 10),
        ExportColumn(_("Applied"), lambda r: r.applied, 10),
        ExportColumn(_("Granted"), lambda r: r.granted, 10),
        ExportColumn(_("Amount paid (10k yuan)"), lambda r: float(r.amount_paid), 14),
        ExportColumn(_("Median days from eligibility to payment"), lambda r: r.median_days_to_payment, 14),
        ExportColumn(_("Flags"), _flag_labels, 30),
    ]
    return xlsx_response(_("policy-performance"), _("Performance"), columns, rows)


urlpatterns = [
    path("policies/grants/", grant_batch_list, name="grant_batch_list"),
    path("policies/grants/<int:pk>/", grant_batch_detail, name="grant_batch_detail"),
    path("policies/grants/<int:pk>/export/", grant_batch_export, name="grant_batch_export"),
    path("policies/grants/<int:pk>/approve/", grant_batch_approve, name="grant_batch_approve"),
    path("policies/grants/<int:pk>/pay/", grant_batch_pay, name="grant_batch_pay"),
    path("policies/grants/lines/<int:pk>/exclude/", grant_line_exclude, name="grant_line_exclude"),
    path("policies/grants/lines/<int:pk>/include/", grant_line_include, name="grant_line_include"),
    path("policies/<int:pk>/grants/new/", grant_batch_new, name="grant_batch_new"),
    path("policies/applications/", application_list, name="application_list"),
    path("policies/applications/<int:pk>/decide/", application_decide, name="application_decide"),
    path("policies/applications/<int:pk>/pay/", application_pay, name="application_pay"),
    path("my/policies/<int:policy_id>/apply/", application_new, name="application_new"),
    path("policies/performance/", performance, name="policy_performance"),
    path("policies/performance/export/", performance_export, name="policy_performance_export"),
]
