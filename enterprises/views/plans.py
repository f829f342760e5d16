"""Pages of the assistance plans (一企一策): the list with its summary and exports, drawing up a plan, the
plan's page (goals edited in place, monthly progress, completion)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.scope import current_year, get_for_user, scoped
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.periods import int_or_none, last_programme_year
from core.permissions import role_required
from enterprises.forms import plans as forms
from enterprises.models import AssistancePlan, Enterprise, Linkage, PlanGoal, PlanProgress
from enterprises.selectors import plans as selectors
from enterprises.services import plans as services

Status = AssistancePlan.Status
READERS = (*STAFF_ROLES, Role.ENTERPRISE)
START_RESULTS = 20


def _year_choices() -> list[int]:
    this_year = current_year()
    return list(range(last_programme_year(), this_year - 5, -1))


def _filters(request) -> dict:
    """The list's filters from the query string. No year parameter means this year; an empty one, all years."""
    raw_year = request.GET.get("year")
    return {
        "year": current_year() if raw_year is None else int_or_none(raw_year),
        "category": request.GET.get("category", ""),
        "status": request.GET.get("status", ""),
        "region_id": int_or_none(request.GET.get("region")),
        "lead_unit_id": int_or_none(request.GET.get("lead_unit")),
        "search": request.GET.get("q", "").strip(),
    }


# The list and its exports ---------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def plan_list(request):
    filters = _filters(request)
    filtered = selectors.plan_filter(user=request.user, **filters)
    page = paginate(request, selectors.plan_list(user=request.user, **filters))
    # Filter choices come from the year's plans in scope, not the narrowed ones, so a choice never vanishes.
    year_plans = selectors.plan_filter(user=request.user, year=filters["year"])
    return render(
        request,
        "enterprises/plans/plan_list.html",
        {
            "page": page,
            "filters": filters,
            "summary": selectors.plan_summary(filtered),
            "years": _year_choices(),
            "categories": AssistancePlan.Category.choices,
            "statuses": Status.choices,
            "regions": selectors.region_options(year_plans),
            "lead_units": selectors.lead_unit_options(year_plans),
            "query": request.GET.urlencode(),
        },
    )


def _yes_no(value: bool | None) -> str:
    return {True: _("yes"), False: _("no"), None: _("not decided")}[value]


def _number(value):
    return None if value is None else float(value)


@role_required(*STAFF_ROLES)
def plan_export(request):
    plans = selectors.plan_list(user=request.user, **_filters(request))
    columns = [
        ExportColumn(_("Enterprise"), lambda p: p.enterprise.name, 32),
        ExportColumn(_("Credit code"), lambda p: p.enterprise.credit_code, 22),
        ExportColumn(_("Region"), lambda p: p.enterprise.region.name),
        ExportColumn(_("Year"), lambda p: p.year, 8),
        ExportColumn(_("Category"), lambda p: p.get_category_display(), 24),
        ExportColumn(_("Status"), lambda p: p.get_status_display(), 12),
        ExportColumn(_("Lead unit"), lambda p: p.lead_unit_name or "", 22),
        ExportColumn(_("Goals"), lambda p: p.goals_total, 8),
        ExportColumn(_("Goals achieved"), lambda p: p.goals_achieved, 10),
        ExportColumn(_("Latest progress"), lambda p: p.latest_progress.strftime("%Y-%m") if p.latest_progress else ""),
        ExportColumn(_("Measures"), lambda p: p.measures, 48),
        ExportColumn(_("Outcome"), lambda p: p.outcome, 48),
    ]
    return xlsx_response(_("assistance-plans"), _("Plans"), columns, plans.iterator(chunk_size=2000))


@role_required(*STAFF_ROLES)
def plan_goal_export(request):
    plans = selectors.plan_filter(user=request.user, **_filters(request))
    goals = selectors.goals_of(plans)
    columns = [
        ExportColumn(_("Enterprise"), lambda g: g.plan.enterprise.name, 32),
        ExportColumn(_("Credit code"), lambda g: g.plan.enterprise.credit_code, 22),
        ExportColumn(_("Region"), lambda g: g.plan.enterprise.region.name),
        ExportColumn(_("Year"), lambda g: g.plan.year, 8),
        ExportColumn(_("Category"), lambda g: g.plan.get_category_display(), 24),
        ExportColumn(_("Status"), lambda g: g.plan.get_status_display(), 12),
        ExportColumn(_("Lead unit"), lambda g: g.lead_unit_name or "", 22),
        ExportColumn(_("Goal"), lambda g: g.name, 28),
        ExportColumn(_("Unit of measure"), lambda g: g.unit_of_measure, 10),
        ExportColumn(_("Baseline"), lambda g: _number(g.baseline), 12),
        ExportColumn(_("Target"), lambda g: _number(g.target), 12),
        ExportColumn(_("Actual"), lambda g: _number(g.actual), 12),
        ExportColumn(_("Achieved"), lambda g: _yes_no(g.achieved), 10),
    ]
    return xlsx_response(_("assistance-plan-goals"), _("Goals"), columns, goals.iterator(chunk_size=2000))


# Drawing up a plan --------------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def plan_start(request):
    """From the list: find the enterprise, then draw up its plan (or open the one it has)."""
    year = int_or_none(request.GET.get("year")) or current_year()
    search = request.GET.get("q", "").strip()
    rows = []
    if search:
        enterprises = scoped(request.user, Enterprise.objects.select_related("region")).filter(
            Q(name__icontains=search) | Q(credit_code__istartswith=search)
        )
        enterprises = list(enterprises.order_by("name")[:START_RESULTS])
        ids = [e.pk for e in enterprises]
        plans = {p.enterprise_id: p for p in AssistancePlan.objects.filter(enterprise_id__in=ids, year=year)}
        editable_q = services.editable_enterprises_q(request.user, year)
        editable = (
            set()
            if editable_q is None
            else set(Enterprise.objects.filter(editable_q, pk__in=ids).values_list("pk", flat=True))
        )
        rows = [{"enterprise": e, "plan": plans.get(e.pk), "can_create": e.pk in editable} for e in enterprises]
    return render(
        request,
        "enterprises/plans/plan_start.html",
        {"year": year, "years": _year_choices(), "q": search, "rows": rows, "limit": START_RESULTS},
    )


def _duplicate_message(existing: AssistancePlan) -> str:
    return _("%(enterprise)s already has a plan for %(year)s.") % {
        "enterprise": existing.enterprise.name,
        "year": existing.year,
    }


@role_required(*STAFF_ROLES)
def plan_create(request, enterprise_pk):
    enterprise = get_for_user(request.user, Enterprise.objects.select_related("region"), pk=enterprise_pk)
    year = int_or_none(request.POST.get("year") or request.GET.get("year")) or current_year()
    if not services.can_edit_plan(request.user, enterprise, year):
        raise PermissionDenied(_("You may not draw up this enterprise's plan for %(year)s.") % {"year": year})
    existing = selectors.plan_for_year(user=request.user, enterprise_id=enterprise.pk, year=year)
    form = forms.PlanForm(request.POST or None)
    goal_forms = forms.GoalFormSet(request.POST or None, prefix="goals")
    # Both validated, so that every mistake on the page shows at once.
    valid = [form.is_valid(), goal_forms.is_valid()] if request.method == "POST" else [False]
    if existing is None and all(valid):
        try:
            plan = services.plan_create(
                actor=request.user,
                enterprise_id=enterprise.pk,
                year=year,
                goals=goal_forms.goals(),
                **form.cleaned_data,
            )
        except services.DuplicatePlan as duplicate:
            existing = duplicate.existing
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(
                request, _("The %(year)s plan of %(enterprise)s is saved.") % {"year": year, "enterprise": enterprise}
            )
            return redirect("plan_detail", plan.pk)
    return render(
        request,
        "enterprises/plans/plan_form.html",
        {
            "enterprise": enterprise,
            "year": year,
            "years": _year_choices(),
            "form": form,
            "goal_forms": goal_forms,
            "existing": existing,
            "duplicate_message": _duplicate_message(existing) if existing else "",
        },
    )


# The plan's page ------------------------------------------------------------------------------------------


def _plan_for(request, pk) -> AssistancePlan:
    return get_for_user(
        request.user,
        AssistancePlan.objects.select_related("enterprise", "enterprise__region", "created_by"),
        pk=pk,
    )


def _goals_context(
    plan: AssistancePlan, *, can_edit: bool, editing=None, add_form=None, edit_form=None, errors=()
) -> dict:
    goals = list(plan.goals.all())
    return {
        "errors": errors,
        "plan": plan,
        "goals": goals,
        "achieved_count": sum(1 for g in goals if g.achieved),
        "can_edit": can_edit and plan.status != Status.COMPLETED,
        "editing": editing,
        "edit_form": edit_form,
        "add_form": add_form or forms.GoalEditForm(prefix="new"),
    }


def _progress_context(plan: AssistancePlan, *, can_edit: bool, editing=None, add_form=None, edit_form=None) -> dict:
    return {
        "plan": plan,
        "notes": list(plan.progress_notes.select_related("author")),
        "can_edit": can_edit and plan.status != Status.COMPLETED,
        "editing": editing,
        "edit_form": edit_form,
        "progress_form": add_form
        or forms.ProgressForm(prefix="progress", initial={"period": timezone.localdate().replace(day=1)}),
    }


def _edit_goal_form(goal: PlanGoal) -> forms.GoalEditForm:
    return forms.GoalEditForm(
        prefix=f"goal-{goal.pk}",
        initial={
            "name": goal.name,
            "unit_of_measure": goal.unit_of_measure,
            "baseline": goal.baseline,
            "target": goal.target,
            "actual": goal.actual,
            "achieved": forms.achieved_choice(goal),
        },
    )


def _note_form(note: PlanProgress) -> forms.ProgressEditForm:
    return forms.ProgressEditForm(prefix=f"note-{note.pk}", initial={"note": note.note})


def _render_detail(request, plan, *, goals=None, progress=None, complete_form=None):
    can_edit = services.can_edit_plan(request.user, plan.enterprise_id, plan.year)
    goals = goals or {}
    progress = progress or {}
    editing_goal = int_or_none(request.GET.get("editing"))
    if editing_goal and "editing" not in goals:
        goal = plan.goals.filter(pk=editing_goal).first()
        if goal is not None:
            goals = {"editing": goal.pk, "edit_form": _edit_goal_form(goal)}
    editing_note = int_or_none(request.GET.get("editing_note"))
    if editing_note and "editing" not in progress:
        note = plan.progress_notes.filter(pk=editing_note).first()
        if note is not None:
            progress = {"editing": note.pk, "edit_form": _note_form(note)}
    linkage = (
        Linkage.objects.filter(enterprise_id=plan.enterprise_id, year=plan.year)
        .select_related("leader", "lead_unit")
        .prefetch_related("cadres")
        .first()
    )
    earlier = scoped(request.user, AssistancePlan.objects.filter(enterprise_id=plan.enterprise_id)).exclude(pk=plan.pk)
    context = {
        "plan": plan,
        "can_edit": can_edit,
        "linkage": linkage,
        "other_plans": earlier.order_by("-year").only("pk", "year", "status"),
        "complete_form": complete_form or forms.CompleteForm(initial={"outcome": plan.outcome}),
        "g": _goals_context(plan, can_edit=can_edit, **goals),
        "p": _progress_context(plan, can_edit=can_edit, **progress),
    }
    return render(request, "enterprises/plans/plan_detail.html", context)


@role_required(*READERS)
def plan_detail(request, pk):
    return _render_detail(request, _plan_for(request, pk))


@role_required(*READERS)
def plan_goals_section(request, pk):
    """The goals table alone (HTMX), optionally with one row open for editing (?editing=<goal>)."""
    plan = _plan_for(request, pk)
    goal = plan.goals.filter(pk=int_or_none(request.GET.get("editing")) or 0).first()
    extra = {"editing": goal.pk, "edit_form": _edit_goal_form(goal)} if goal is not None else {}
    return _section(request, plan, "goals", **extra)


@role_required(*READERS)
def plan_progress_section(request, pk):
    """The progress notes alone (HTMX), optionally with one note open for editing (?editing_note=<note>)."""
    plan = _plan_for(request, pk)
    note = plan.progress_notes.filter(pk=int_or_none(request.GET.get("editing_note")) or 0).first()
    extra = {"editing": note.pk, "edit_form": _note_form(note)} if note is not None else {}
    return _section(request, plan, "progress", **extra)


SECTIONS = {"goals": ("g", _goals_context), "progress": ("p", _progress_context)}


def _section(request, plan, section: str, **extra):
    """One section of the plan page alone, for HTMX to swap in."""
    key, builder = SECTIONS[section]
    can_edit = services.can_edit_plan(request.user, plan.enterprise_id, plan.year)
    return render(request, f"enterprises/plans/_{section}.html", {key: builder(plan, can_edit=can_edit, **extra)})


def _after_change(request, plan, *, section: str, message: str):
    """Answer a change made on the plan page: the section again for HTMX, else back to the page."""
    if request.htmx:
        return _section(request, plan, section)
    messages.success(request, message)
    return HttpResponseRedirect(reverse("plan_detail", args=[plan.pk]) + f"#plan-{section}")


def _after_error(request, plan, *, section: str, **extra):
    """Show the form again with its messages: the section for HTMX (answered 200, as HTMX swaps only
    successful answers by default), else the whole page."""
    if request.htmx:
        return _section(request, plan, section, **extra)
    return _render_detail(request, plan, **{section: extra})


@require_POST
@role_required(*STAFF_ROLES)
def goal_add(request, pk):
    plan = _plan_for(request, pk)
    form = forms.GoalEditForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.goal_add(actor=request.user, plan_id=plan.pk, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            return _after_change(request, plan, section="goals", message=_("Goal added."))
    return _after_error(request, plan, section="goals", add_form=form)


@require_POST
@role_required(*STAFF_ROLES)
def goal_edit(request, goal_pk):
    goal = get_for_user(request.user, PlanGoal.objects.select_related("plan"), pk=goal_pk)
    plan = _plan_for(request, goal.plan_id)
    form = forms.GoalEditForm(request.POST, prefix=f"goal-{goal.pk}")
    if form.is_valid():
        try:
            services.goal_update(actor=request.user, goal_id=goal.pk, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            return _after_change(request, plan, section="goals", message=_("Goal saved."))
    return _after_error(request, plan, section="goals", editing=goal.pk, edit_form=form)


@require_POST
@role_required(*STAFF_ROLES)
def goal_delete(request, goal_pk):
    goal = get_for_user(request.user, PlanGoal.objects.select_related("plan"), pk=goal_pk)
    plan = _plan_for(request, goal.plan_id)
    try:
        services.goal_delete(actor=request.user, goal_id=goal.pk)
    except ValidationError as error:
        if request.htmx:
            return _after_error(request, plan, section="goals", errors=error.messages)
        messages.error(request, " ".join(error.messages))
        return redirect("plan_detail", plan.pk)
    return _after_change(request, plan, section="goals", message=_("Goal deleted."))


@require_POST
@role_required(*STAFF_ROLES)
def progress_add(request, pk):
    plan = _plan_for(request, pk)
    form = forms.ProgressForm(request.POST, prefix="progress")
    if form.is_valid():
        try:
            services.progress_add(actor=request.user, plan_id=plan.pk, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            return _after_change(request, plan, section="progress", message=_("Progress recorded."))
    return _after_error(request, plan, section="progress", add_form=form)


@require_POST
@role_required(*STAFF_ROLES)
def progress_edit(request, note_pk):
    note = get_for_user(request.user, PlanProgress, pk=note_pk)
    plan = _plan_for(request, note.plan_id)
    form = forms.ProgressEditForm(request.POST, prefix=f"note-{note.pk}")
    if form.is_valid():
        try:
            services.progress_update(actor=request.user, progress_id=note.pk, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            return _after_change(request, plan, section="progress", message=_("Progress saved."))
    return _after_error(request, plan, section="progress", editing=note.pk, edit_form=form)


@role_required(*STAFF_ROLES)
def plan_edit(request, pk):
    plan = _plan_for(request, pk)
    if not services.can_edit_plan(request.user, plan.enterprise_id, plan.year):
        raise PermissionDenied(_("You may read this plan but not change it."))
    initial = {"category": plan.category, "measures": plan.measures, "status": plan.status, "outcome": plan.outcome}
    form = forms.PlanEditForm(request.POST or None, initial=initial, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan_id=plan.pk, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("plan_detail", plan.pk)
    return render(
        request,
        "enterprises/plans/plan_form.html",
        {"enterprise": plan.enterprise, "year": plan.year, "plan": plan, "form": form},
    )


@require_POST
@role_required(*STAFF_ROLES)
def plan_complete(request, pk):
    plan = _plan_for(request, pk)
    form = forms.CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.plan_complete(actor=request.user, plan_id=plan.pk, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, _("The plan is completed."))
            return redirect("plan_detail", plan.pk)
    return _render_detail(request, plan, complete_form=form)


@require_POST
@role_required(*STAFF_ROLES)
def plan_reopen(request, pk):
    plan = _plan_for(request, pk)
    try:
        services.plan_update(actor=request.user, plan_id=plan.pk, status=Status.ACTIVE)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The plan is reopened: its goals and progress can be changed again."))
    return redirect("plan_detail", plan.pk)


urlpatterns = [
    path("enterprises/plans/", plan_list, name="plan_list"),
    path("enterprises/plans/export/", plan_export, name="plan_export"),
    path("enterprises/plans/export/goals/", plan_goal_export, name="plan_goal_export"),
    path("enterprises/plans/new/", plan_start, name="plan_start"),
    path("enterprises/<int:enterprise_pk>/plans/new/", plan_create, name="plan_create"),
    path("enterprises/plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("enterprises/plans/<int:pk>/edit/", plan_edit, name="plan_edit"),
    path("enterprises/plans/<int:pk>/complete/", plan_complete, name="plan_complete"),
    path("enterprises/plans/<int:pk>/reopen/", plan_reopen, name="plan_reopen"),
    path("enterprises/plans/<int:pk>/goals/", plan_goals_section, name="plan_goals_section"),
    path("enterprises/plans/<int:pk>/goals/add/", goal_add, name="plan_goal_add"),
    path("enterprises/plans/goals/<int:goal_pk>/edit/", goal_edit, name="plan_goal_edit"),
    path("enterprises/plans/goals/<int:goal_pk>/delete/", goal_delete, name="plan_goal_delete"),
    path("enterprises/plans/<int:pk>/progress/", plan_progress_section, name="plan_progress_section"),
    path("enterprises/plans/<int:pk>/progress/add/", progress_add, name="plan_progress_add"),
    path("enterprises/plans/progress/<int:note_pk>/edit/", progress_edit, name="plan_progress_edit"),
]
