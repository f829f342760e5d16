"""The office's pages of the policy library: the list with its full-text search and filters, entering and
editing a policy with its eligibility rule (JSON, or the builder for the common conditions) and the "who
qualifies now" preview, the policy's page with its clauses, publish and withdraw, and the Excel import.

Every staff role reads the library; only the coordinating office writes it (policies.services.library).
Enterprise users read the published policies on their own pages: the office's pages answer them 403."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Region, Role, Unit
from accounts.views_import import import_page, template_response
from core.pagination import paginate
from core.permissions import role_required
from enterprises.models import Tag
from policies.facts import FACTS
from policies.forms import library as forms
from policies.imports import POLICIES, POLICIES_IMPORT, policies_import
from policies.models import Policy
from policies.selectors import library as selectors
from policies.services import library as services

PAGE_SIZE = 30
# The builder offers the regions down to townships by name; deeper ones are typed as ids in the JSON.
BUILDER_REGION_LEVELS = (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP)
BUILDER_MAX_OPTIONS = 500


def _filters(request) -> dict:
    return {
        "search": request.GET.get("q", "").strip()[:200],
        "category": request.GET.get("category", ""),
        "level": request.GET.get("level", ""),
        "status": request.GET.get("status", ""),
        "obtain": request.GET.get("obtain", ""),
    }


@role_required(*STAFF_ROLES)
def policy_list(request):
    filters = _filters(request)
    page = paginate(request, selectors.policy_list(user=request.user, **filters), PAGE_SIZE)
    return render(
        request,
        "policies/library/policy_list.html",
        {
            "page": page,
            "filters": filters,
            "categories": selectors.categories(),
            "levels": Policy.Level.choices,
            "statuses": Policy.Status.choices,
            "obtains": Policy.Obtain.choices,
            "can_edit": services.can_edit_library(request.user),
        },
    )


# Entering and editing -------------------------------------------------------------------------------------


def builder_data(user) -> dict:
    """What the rule builder offers: every fact with its operators and values, the tags, regions and parks."""
    regions = Region.objects.all()  # reference data, the same for every reader
    return {
        "operators": {
            "eq": _("equals"),
            "in": _("is one of"),
            "gte": _("at least"),
            "lte": _("at most"),
            "between": _("between"),
            "has_tag": _("has the tag"),
            "within_region": _("is within"),
        },
        "texts": {
            "manual": _("checked by a person"),
            "remove": _("Remove"),
            "yes": _("yes"),
            "no": _("no"),
            "not": _("not"),
            "list_hint": _("separate values with commas"),
            "range_hint": _("low, high"),
            "written": _("The conditions are written into the JSON."),
            "empty": _("Add at least one condition."),
            "read": _("The conditions are read from the JSON."),
            "cannot_read": _(
                "The JSON is not a simple list of conditions: edit it directly, or build the conditions anew."
            ),
            "bad_value": _("Row %(n)s: the value is missing or not valid."),
        },
        "facts": [
            {
                "name": fact.name,
                "label": str(fact.label),
                "type": fact.type,
                "operators": list(fact.operators),
                "choices": list(fact.choices),
                "unit": str(fact.unit),
            }
            for fact in FACTS.values()
        ],
        "tags": [
            {"value": code, "label": name}
            for code, name in Tag.objects.filter(is_active=True).values_list("code", "name")[:BUILDER_MAX_OPTIONS]
        ],
        "regions": [
            {"value": pk, "label": name}
            for pk, name in regions.filter(level__in=BUILDER_REGION_LEVELS)
            .order_by("path")
            .values_list("pk", "name")[:BUILDER_MAX_OPTIONS]
        ],
        "parks": [
            {"value": pk, "label": name}
            for pk, name in Unit.objects.filter(kind=Unit.Kind.PARK)
            .order_by("name")
            .values_list("pk", "name")[:BUILDER_MAX_OPTIONS]
        ],
    }


def _form_page(request, form, policy=None):
    return render(
        request,
        "policies/library/policy_form.html",
        {"form": form, "policy": policy, "builder": builder_data(request.user)},
    )


def _save(request, form, policy_id=None):
    try:
        policy = services.policy_save(actor=request.user, policy_id=policy_id, **form.service_fields())
    except ValidationError as error:
        form.apply_errors(error)
        return None
    return policy


@role_required(Role.OFFICE)
def policy_new(request):
    form = forms.PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        policy = _save(request, form)
        if policy is not None:
            messages.success(request, _("The policy “%(title)s” is saved as a draft.") % {"title": policy.title})
            return redirect("policy_detail", policy.pk)
    return _form_page(request, form)


@role_required(Role.OFFICE)
def policy_edit(request, pk):
    policy = selectors.policy_for(user=request.user, pk=pk)
    if request.method == "POST":
        form = forms.PolicyForm(request.POST)
        if form.is_valid() and _save(request, form, policy.pk) is not None:
            messages.success(request, _("The policy “%(title)s” is saved.") % {"title": form.cleaned_data["title"]})
            return redirect("policy_detail", policy.pk)
    else:
        form = forms.PolicyForm(initial=forms.PolicyForm.initial_for(policy))
    return _form_page(request, form, policy)


# The policy's page ----------------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def policy_detail(request, pk):
    policy = selectors.policy_for(user=request.user, pk=pk)
    return render(
        request,
        "policies/library/policy_detail.html",
        {
            "policy": policy,
            "clauses": list(policy.clauses.all()),
            "categories": list(policy.categories.all()),
            "rule_json": json.dumps(policy.eligibility, ensure_ascii=False, indent=2) if policy.eligibility else "",
            "formula_json": json.dumps(policy.benefit_formula, ensure_ascii=False) if policy.benefit_formula else "",
            "can_edit": services.can_edit_library(request.user),
            "clause_form": forms.ClauseForm(prefix="new"),
            "public_url": request.build_absolute_uri(reverse("policy_public", args=[policy.pk])),
        },
    )


def _service_action(request, pk, service, success: str):
    try:
        policy = service(actor=request.user, policy_id=pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success % {"title": policy.title})
    return redirect("policy_detail", pk)


@require_POST
@role_required(Role.OFFICE)
def policy_publish(request, pk):
    return _service_action(request, pk, services.policy_publish, _("“%(title)s” is published."))


@require_POST
@role_required(Role.OFFICE)
def policy_withdraw(request, pk):
    return _service_action(request, pk, services.policy_withdraw, _("“%(title)s” is withdrawn."))


# Who qualifies now ----------------------------------------------------------------------------------------


def _preview(request, rule):
    context = {"preview": None, "errors": []}
    try:
        context["preview"] = selectors.eligible_preview(user=request.user, rule=rule)
    except ValidationError as error:
        context["errors"] = error.messages
    return render(request, "policies/library/_preview.html", context)


@require_POST
@role_required(*STAFF_ROLES)
def policy_rule_preview(request):
    """The preview of the rule being written (the form's JSON, not saved yet)."""
    rule = request.POST.get("eligibility", "")
    if not rule.strip():
        return render(
            request, "policies/library/_preview.html", {"errors": [_("Write a rule first.")], "preview": None}
        )
    return _preview(request, rule)


@role_required(*STAFF_ROLES)
def policy_preview(request, pk):
    """The preview of the policy's saved rule."""
    policy = selectors.policy_for(user=request.user, pk=pk)
    if not policy.eligibility:
        return render(
            request, "policies/library/_preview.html", {"errors": [_("This policy has no rule yet.")], "preview": None}
        )
    return _preview(request, policy.eligibility)


# Clauses --------------------------------------------------------------------------------------------------


def _clause_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@require_POST
@role_required(Role.OFFICE)
def clause_add(request, pk):
    form = forms.ClauseForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.clause_add(actor=request.user, policy_id=pk, **form.cleaned_data)
        except ValidationError as error:
            _clause_errors(request, error)
        else:
            messages.success(request, _("The clause is added."))
    else:
        messages.error(request, _("Give the clause a heading and its text."))
    return redirect("policy_detail", pk)


@require_POST
@role_required(Role.OFFICE)
def clause_edit(request, pk, clause_pk):
    form = forms.ClauseForm(request.POST, prefix=f"clause-{clause_pk}")
    if form.is_valid():
        try:
            services.clause_update(actor=request.user, policy_id=pk, clause_id=clause_pk, **form.cleaned_data)
        except ValidationError as error:
            _clause_errors(request, error)
        else:
            messages.success(request, _("The clause is saved."))
    else:
        messages.error(request, _("Give the clause a heading and its text."))
    return redirect(reverse("policy_detail", args=[pk]) + f"#clause-{clause_pk}")


@require_POST
@role_required(Role.OFFICE)
def clause_delete(request, pk, clause_pk):
    try:
        services.clause_delete(actor=request.user, policy_id=pk, clause_id=clause_pk)
    except ValidationError as error:
        _clause_errors(request, error)
    else:
        messages.success(request, _("The clause is removed."))
    return redirect("policy_detail", pk)


@require_POST
@role_required(Role.OFFICE)
def clause_move(request, pk, clause_pk):
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = 0
    try:
        services.clause_move(actor=request.user, policy_id=pk, clause_id=clause_pk, position=position)
    except ValidationError as error:
        _clause_errors(request, error)
    return redirect("policy_detail", pk)


# The Excel import -----------------------------------------------------------------------------------------


@role_required(Role.OFFICE)
def import_policies(request):
    return import_page(request, POLICIES_IMPORT, policies_import, "policies/library/import.html")


@role_required(Role.OFFICE)
def import_policies_template(request, kind):
    if kind != POLICIES:
        raise Http404
    return template_response(POLICIES_IMPORT, "政策导入模板.xlsx")


urlpatterns = [
    path("policies/", policy_list, name="policy_list"),
    path("policies/new/", policy_new, name="policy_new"),
    path("policies/preview/", policy_rule_preview, name="policy_rule_preview"),
    path("policies/<int:pk>/", policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", policy_edit, name="policy_edit"),
    path("policies/<int:pk>/preview/", policy_preview, name="policy_preview"),
    path("policies/<int:pk>/publish/", policy_publish, name="policy_publish"),
    path("policies/<int:pk>/withdraw/", policy_withdraw, name="policy_withdraw"),
    path("policies/<int:pk>/clauses/", clause_add, name="policy_clause_add"),
    path("policies/<int:pk>/clauses/<int:clause_pk>/", clause_edit, name="policy_clause_edit"),
    path("policies/<int:pk>/clauses/<int:clause_pk>/delete/", clause_delete, name="policy_clause_delete"),
    path("policies/<int:pk>/clauses/<int:clause_pk>/move/", clause_move, name="policy_clause_move"),
    path("office/import/policies/", import_policies, name="import_policies"),
    path("office/import/policies/template/<str:kind>/", import_policies_template, name="import_policies_template"),
]
