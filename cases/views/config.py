"""The case settings page (/cases/settings/): the category dictionary and the deadline rules. Staff read it;
the coordinating office changes it. Each form posts to its own view, which calls one service of
cases.services.config; a refusal goes back next to the field it names, with what was typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.scope import has_role
from cases.forms import config as forms
from cases.models import CaseCategory, Urgency
from cases.services import config as services
from core.periods import int_or_none
from core.permissions import role_required


def _settings_url(anchor: str = "") -> str:
    return reverse("case_settings") + (f"#{anchor}" if anchor else "")


def _rule_form_initial(request, table) -> dict:
    """The rule form filled in from an "edit" link of the table (?rule_category=&rule_urgency=)."""
    urgency = request.GET.get("rule_urgency")
    if urgency not in Urgency.values:
        return {}
    category_id = int_or_none(request.GET.get("rule_category"))
    for row in table:
        if (row.category.pk if row.category else None) != category_id:
            continue
        cell = next(c for c in row.cells if c.urgency == urgency)
        return {
            "category": row.category,
            "urgency": urgency,
            "accept_days": cell.limits.accept_days,
            "resolve_days": cell.limits.resolve_days,
        }
    return {}


def _render(request, *, add_form=None, rule_form=None):
    categories = list(services.categories_for(request.user))
    table = services.rule_table(request.user, categories)
    return render(
        request,
        "cases/config/settings.html",
        {
            "categories": categories,
            "table": table,
            "urgencies": Urgency.choices,
            "is_office": has_role(request.user, Role.OFFICE),
            "add_form": add_form or forms.CategoryForm(prefix="category"),
            "rule_form": rule_form or forms.DeadlineRuleForm(prefix="rule", initial=_rule_form_initial(request, table)),
        },
    )


@role_required(*STAFF_ROLES)
def case_settings(request):
    return _render(request)


# Categories ----------------------------------------------------------------------------------------------


@require_POST
@role_required(Role.OFFICE)
def category_add(request):
    form = forms.CategoryForm(request.POST, prefix="category")
    if form.is_valid():
        try:
            category = services.category_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
            return HttpResponseRedirect(_settings_url("categories"))
    return _render(request, add_form=form)


@role_required(Role.OFFICE)
def category_edit(request, pk):
    category = get_object_or_404(CaseCategory, pk=pk)
    used = services.cases_using(category.pk)
    form = forms.CategoryEditForm(request.POST or None, category=category, in_use=bool(used))
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(actor=request.user, category_id=category.pk, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("Category “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return HttpResponseRedirect(_settings_url("categories"))
    return render(request, "cases/config/category_form.html", {"category": category, "form": form, "used": used})


def _quick(request, action, success: str, **arguments):
    """A one-button change from the table: a message either way, back to the table."""
    try:
        action(actor=request.user, **arguments)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return HttpResponseRedirect(_settings_url("categories"))


@require_POST
@role_required(Role.OFFICE)
def category_move(request, pk):
    category = get_object_or_404(CaseCategory, pk=pk)
    direction = request.POST.get("direction", "")
    return _quick(
        request,
        services.category_move,
        _("“%(name)s” moved.") % {"name": category.name},
        category_id=category.pk,
        direction=direction,
    )


@require_POST
@role_required(Role.OFFICE)
def category_active(request, pk):
    category = get_object_or_404(CaseCategory, pk=pk)
    active = request.POST.get("active") == "1"
    if active:
        success = _("“%(name)s” is active again.") % {"name": category.name}
    else:
        success = _("“%(name)s” is deactivated: it is no longer offered for new cases.") % {"name": category.name}
    return _quick(request, services.category_update, success, category_id=category.pk, is_active=active)


@require_POST
@role_required(Role.OFFICE)
def category_delete(request, pk):
    category = get_object_or_404(CaseCategory, pk=pk)
    return _quick(
        request,
        services.category_delete,
        _("Category “%(name)s” deleted.") % {"name": category.name},
        category_id=category.pk,
    )


# Deadline rules ------------------------------------------------------------------------------------------


@require_POST
@role_required(Role.OFFICE)
def rule_set(request):
    form = forms.DeadlineRuleForm(request.POST, prefix="rule")
    if form.is_valid():
        arguments = form.service_arguments()
        try:
            rule = services.deadline_rule_set(actor=request.user, **arguments)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            running = services.running_cases(rule.category_id, rule.urgency)
            messages.success(
                request,
                _(
                    "Rule saved: %(rule)s, %(accept)s working days to accept and %(resolve)s to resolve, for cases "
                    "assigned from now on. %(running)s cases in handling keep the limits they were assigned with."
                )
                % {"rule": rule, "accept": rule.accept_days, "resolve": rule.resolve_days, "running": running},
            )
            return HttpResponseRedirect(_settings_url("rules"))
    return _render(request, rule_form=form)


@require_POST
@role_required(Role.OFFICE)
def rule_delete(request, pk):
    try:
        services.deadline_rule_delete(actor=request.user, rule_id=pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Override removed: the category follows the default again."))
    return HttpResponseRedirect(_settings_url("rules"))


urlpatterns = [
    path("cases/settings/", case_settings, name="case_settings"),
    path("cases/settings/categories/add/", category_add, name="case_category_add"),
    path("cases/settings/categories/<int:pk>/", category_edit, name="case_category_edit"),
    path("cases/settings/categories/<int:pk>/move/", category_move, name="case_category_move"),
    path("cases/settings/categories/<int:pk>/active/", category_active, name="case_category_active"),
    path("cases/settings/categories/<int:pk>/delete/", category_delete, name="case_category_delete"),
    path("cases/settings/rules/", rule_set, name="case_deadline_rule_set"),
    path("cases/settings/rules/<int:pk>/delete/", rule_delete, name="case_deadline_rule_delete"),
]
