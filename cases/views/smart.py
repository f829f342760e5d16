"""Smart dispatch pages (智能派单, docs/cases/smart-dispatch.md), the office's:

- the suggestions panel of a case awaiting dispatch (loaded into the case page), with one click to assign
  as suggested, and its possible duplicates and similar open cases;
- possible duplicates while a case is typed in on the intake page, and the enterprise's own alike problems
  while it files one itself;
- `/cases/dispatch/`: accuracy of the suggestions, the model versions and the dispatch catalogue;
- `/cases/dispatch/clusters/`: open cases of several enterprises that read alike, one click to merge them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, Unit
from accounts.scope import get_for_user, scoped
from cases.forms import smart as forms
from cases.forms.config import apply_service_error
from cases.models import Case, CaseCategory, DispatchRule, SuggestionModel
from cases.selectors import smart as selectors
from cases.services import smart_dispatch as services
from cases.tasks import train_dispatch_model
from core.permissions import role_required
from enterprises.models import Enterprise

SUGGESTIBLE = services.SUGGESTIBLE


@role_required(Role.OFFICE)
def case_suggestions(request, pk):
    case = get_for_user(request.user, Case.objects.select_related("enterprise", "category"), pk=pk)
    context = {"case": case, "suggestion": None, "mergeable_states": SUGGESTIBLE if case.state in SUGGESTIBLE else ()}
    if case.state in SUGGESTIBLE:
        suggestion = services.dispatch_suggest(actor=request.user, case_id=case.pk)
        names = dict(
            Unit.objects.filter(pk__in=[*suggestion.co_unit_ids, *suggestion.locality_unit_ids]).values_list(
                "pk", "name"
            )
        )
        context["suggestion"] = suggestion
        context["co_units"] = [names[pk] for pk in suggestion.co_unit_ids if pk in names]
        context["locality_units"] = [names[pk] for pk in suggestion.locality_unit_ids if pk in names]
    context["similar"] = selectors.similar_to(
        request.user,
        enterprise_id=case.enterprise_id,
        title=case.title,
        description=case.description,
        exclude_case_id=case.pk,
    )
    template = "cases/smart/_panel.html" if request.htmx else "cases/smart/panel_page.html"
    return render(request, template, context)


@require_POST
@role_required(Role.OFFICE)
def case_suggestion_confirm(request, pk, suggestion_pk):
    case = get_for_user(request.user, Case, pk=pk)
    try:
        services.dispatch_confirm(
            actor=request.user, case_id=case.pk, suggestion_id=suggestion_pk, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The case is assigned as suggested."))
    return redirect("case_detail", case.pk)


@require_POST
@role_required(Role.OFFICE)
def intake_similar(request):
    """Possible duplicates and similar open cases of what is being typed on the intake page."""
    title = request.POST.get("title", "")[:120]
    description = request.POST.get("description", "")[:5000]
    ids = [int(v) for v in request.POST.getlist("enterprise_ids") if v.strip().isdigit()][:5]
    enterprises = {e.pk: e for e in scoped(request.user, Enterprise.objects.filter(pk__in=ids)).only("name")}
    found = []
    if len(title) + len(description) >= 6:
        for enterprise_id in [pk for pk in ids if pk in enterprises] or [None]:
            similar = selectors.similar_to(
                request.user, enterprise_id=enterprise_id, title=title, description=description
            )
            found.append((enterprises.get(enterprise_id), similar))
    return render(request, "cases/smart/_intake_similar.html", {"found": found})


@require_POST
@role_required(Role.ENTERPRISE)
def self_service_similar(request):
    """While an enterprise types a problem: its own recent problems that read alike, so that it follows the
    one already filed rather than filing it again (the office would merge or reject the repeat)."""
    title = request.POST.get("title", "")[:120]
    description = request.POST.get("description", "")[:5000]
    duplicates = []
    if request.user.enterprise_id and len(title) + len(description) >= 6:
        duplicates = selectors.similar_to(
            request.user, enterprise_id=request.user.enterprise_id, title=title, description=description
        ).duplicates
    return render(request, "cases/smart/_own_similar.html", {"duplicates": duplicates})


# The office's smart dispatch page -------------------------------------------------------------------------


@role_required(Role.OFFICE)
def dispatch_overview(request):
    rules = {r.category_id: r for r in DispatchRule.objects.select_related("lead_unit").prefetch_related("co_units")}
    categories = list(CaseCategory.objects.filter(is_active=True).order_by("sort_order", "code"))
    for category in categories:
        category.rule = rules.get(category.pk)
    today = timezone.localdate()
    return render(
        request,
        "cases/smart/overview.html",
        {
            "categories": categories,
            "accuracy": selectors.accuracy(request.user),
            "recent": selectors.accuracy(request.user, today.replace(day=1), today),
            "models": list(SuggestionModel.objects.defer("artefact").order_by("-version")[:10]),
            "threshold": services.threshold(),
        },
    )


@role_required(Role.OFFICE)
def dispatch_rule_edit(request, category_pk):
    category = get_object_or_404(CaseCategory, pk=category_pk)
    rule = DispatchRule.objects.filter(category=category).prefetch_related("co_units").first()
    form = forms.DispatchRuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispatch_rule_save(actor=request.user, category_id=category.pk, **form.service_arguments())
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Dispatch catalogue entry of “%(name)s” saved.") % {"name": category.name})
            return redirect("dispatch_overview")
    return render(request, "cases/smart/rule_form.html", {"form": form, "category": category})


@require_POST
@role_required(Role.OFFICE)
def dispatch_train(request):
    result = train_dispatch_model.delay()
    if result.ready():
        messages.success(request, _("Training finished: %(result)s.") % {"result": result.get()})
    else:
        messages.success(request, _("Training started in the background; refresh this page in a few minutes."))
    return redirect("dispatch_overview")


@role_required(Role.OFFICE)
def dispatch_clusters(request):
    found = selectors.clusters(request.user)
    return render(request, "cases/smart/clusters.html", {"clusters": found})


urlpatterns = [
    path("cases/<int:pk>/suggestions/", case_suggestions, name="case_suggestions"),
    path(
        "cases/<int:pk>/suggestions/<int:suggestion_pk>/confirm/",
        case_suggestion_confirm,
        name="case_suggestion_confirm",
    ),
    path("cases/new/similar/", intake_similar, name="case_new_similar"),
    path("cases/file/similar/", self_service_similar, name="case_file_similar"),
    path("cases/dispatch/", dispatch_overview, name="dispatch_overview"),
    path("cases/dispatch/catalogue/<int:category_pk>/", dispatch_rule_edit, name="dispatch_rule_edit"),
    path("cases/dispatch/train/", dispatch_train, name="dispatch_train"),
    path("cases/dispatch/clusters/", dispatch_clusters, name="dispatch_clusters"),
]
