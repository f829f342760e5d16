"""一企一策: assistance plans, their measurable goals and monthly progress notes (seed 000: 一家企业、一名领导、
一套班子、一个方案、一帮到底).

Who may write a plan is decided by `can_edit_plan` alone; every service below checks it. Reading follows the
data scope (accounts.scope): whoever sees the enterprise sees its plans, its own users included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, has_role
from core.periods import check_programme_year
from enterprises.models import AssistancePlan, Enterprise, Linkage, PlanGoal, PlanProgress

# Marks a keyword the caller did not pass, so that None can still mean "clear this value".
UNSET = object()
# Passed as `achieved`: work it out from the actual figure (see `derive_achieved`).
DERIVE = "derive"

# A plan may be drawn up for next year ahead of time, never further out.
MAX_PROGRESS_LENGTH = 4000

Category = AssistancePlan.Category
Status = AssistancePlan.Status


class DuplicatePlan(ValidationError):
    """A second plan for the same enterprise and year; carries the existing plan so callers can link to it."""

    def __init__(self, existing: AssistancePlan):
        self.existing = existing
        super().__init__(
            _("%(enterprise)s already has a plan for %(year)s. Open it instead of creating a second one.")
            % {"enterprise": existing.enterprise.name, "year": existing.year},
            code="duplicate",
        )


# Who may write ------------------------------------------------------------------------------------------


def editable_enterprises_q(user, year: int) -> Q | None:
    """The rule of `can_edit_plan` as a filter over Enterprise, to mark many enterprises at once: None when
    the user may write no plan of `year`, an empty Q when they may write every one in their scope."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser or has_role(user, Role.OFFICE):
        return Q()
    if not has_role(user, *STAFF_ROLES):
        return None
    links = Q(leader_id=user.pk) | Q(cadres__id=user.pk)
    if user.unit_id and has_role(user, Role.UNIT_HANDLER):
        links |= Q(lead_unit_id=user.unit_id)
    if user.unit_id and has_role(user, Role.UNIT_HEAD):
        links |= Q(lead_unit__path__startswith=user.unit.path)
    return Q(pk__in=Linkage.objects.filter(links, year=year).values("enterprise_id"))


def can_edit_plan(user, enterprise: Enterprise | int, year: int) -> bool:
    """Who may write the plan of `enterprise` for `year`:

    - the coordinating office;
    - the leader and the cadres linked to the enterprise for that year (Linkage of the plan's year);
    - the lead unit of that year's linkage: its unit handlers, and unit heads of the lead unit or of a unit
      above it (a head answers for the units below, as their data scope does).

    Enterprise users read their plan but never write it; so does everyone else who can see it. Scope is the
    caller's business: fetch the plan with get_for_user first, so that outsiders get 404, not 403."""
    editable = editable_enterprises_q(user, year)
    if editable is None:
        return False
    if not editable:
        return True
    return Enterprise.objects.filter(editable, pk=getattr(enterprise, "pk", enterprise)).exists()


def _require_editor(actor, enterprise: Enterprise | int, year: int) -> None:
    if not can_edit_plan(actor, enterprise, year):
        raise PermissionDenied(
            _(
                "Only the coordinating office, the enterprise's linked leader and cadres, and its lead unit "
                "for that year may change this plan."
            )
        )


def _locked_plan(actor, plan_id: int) -> AssistancePlan:
    """The plan, in the actor's scope (else 404), locked for the rest of the transaction, and writable by them."""
    plan = get_for_user(
        actor, AssistancePlan.objects.select_for_update(of=("self",)).select_related("enterprise"), pk=plan_id
    )
    _require_editor(actor, plan.enterprise_id, plan.year)
    return plan


def _require_open(plan: AssistancePlan) -> None:
    if plan.status == Status.COMPLETED:
        raise ValidationError(_("This plan is completed. Reopen it before changing its goals or progress."))


# Goals --------------------------------------------------------------------------------------------------


def derive_achieved(*, target: Decimal, actual: Decimal | None, baseline: Decimal | None = None) -> bool | None:
    """Whether a goal was met, from its figures: undecided (None) while there is no actual figure. A goal
    whose target lies below its baseline is a reduction (losses, energy per unit of output): met when the
    actual is at or below the target. Any other goal is met when the actual reaches the target."""
    if actual is None:
        return None
    if baseline is not None and target < baseline:
        return actual <= target
    return actual >= target


def _decimal(value, label: str, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError({label: _("Enter a number.")})
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationError({label: _("“%(value)s” is not a number.") % {"value": value}}) from None
    if not number.is_finite():
        raise ValidationError({label: _("“%(value)s” is not a number.") % {"value": value}})
    # The columns hold 14 digits, 2 after the point.
    if abs(number) >= Decimal("1e12"):
        raise ValidationError({label: _("The number is too large.")})
    return number.quantize(Decimal("0.01"))


def _clean_goal(*, name, unit_of_measure="", baseline=None, target=None, actual=None) -> dict:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the goal a name, e.g. “main business revenue”.")]
    elif len(name) > PlanGoal._meta.get_field("name").max_length:
        errors["name"] = [_("A goal's name has at most 100 characters.")]
    unit_of_measure = (unit_of_measure or "").strip()
    if len(unit_of_measure) > PlanGoal._meta.get_field("unit_of_measure").max_length:
        errors["unit_of_measure"] = [_("A unit of measure has at most 20 characters.")]
    numbers = {}
    for field, value, required in (("baseline", baseline, False), ("target", target, True), ("actual", actual, False)):
        try:
            numbers[field] = _decimal(value, field, required=required)
        except ValidationError as error:
            errors.update(error.message_dict)
    if "target" in errors:
        errors["target"] = [_("Every goal needs a numeric target.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "unit_of_measure": unit_of_measure, **numbers}


def _resolve_achieved(achieved, goal_values: dict) -> bool | None:
    if achieved == DERIVE:
        return derive_achieved(
            target=goal_values["target"], actual=goal_values["actual"], baseline=goal_values["baseline"]
        )
    if achieved is not None and not isinstance(achieved, bool):
        raise ValidationError({"achieved": _("Achieved is yes, no, or not decided yet.")})
    return achieved


def goal_add(
    *,
    actor,
    plan_id: int,
    name: str,
    target,
    unit_of_measure: str = "",
    baseline=None,
    actual=None,
    achieved=DERIVE,
) -> PlanGoal:
    with transaction.atomic():
        plan = _locked_plan(actor, plan_id)
        _require_open(plan)
        values = _clean_goal(
            name=name, unit_of_measure=unit_of_measure, baseline=baseline, target=target, actual=actual
        )
        last = plan.goals.aggregate(last=Max("sort_order"))["last"]
        return PlanGoal.objects.create(
            plan=plan,
            achieved=_resolve_achieved(achieved, values),
            sort_order=0 if last is None else last + 1,
            **values,
        )


def goal_update(
    *,
    actor,
    goal_id: int,
    name=UNSET,
    unit_of_measure=UNSET,
    baseline=UNSET,
    target=UNSET,
    actual=UNSET,
    achieved=UNSET,
    sort_order=UNSET,
) -> PlanGoal:
    """Change a goal: only the keywords passed. `achieved` is True, False, None (not decided) or DERIVE.
    When it is not passed but a figure (baseline, target, actual) changes, it is derived again from the new
    figures; otherwise an earlier decision stands."""
    with transaction.atomic():
        # Every write to a plan's goals locks the plan first, so they queue on one row in one order.
        plan = _locked_plan(actor, get_for_user(actor, PlanGoal, pk=goal_id).plan_id)
        _require_open(plan)
        goal = PlanGoal.objects.select_for_update().get(pk=goal_id)
        current = {field: getattr(goal, field) for field in ("name", "unit_of_measure", "baseline", "target", "actual")}
        passed = {
            field: value
            for field, value in (
                ("name", name),
                ("unit_of_measure", unit_of_measure),
                ("baseline", baseline),
                ("target", target),
                ("actual", actual),
            )
            if value is not UNSET
        }
        values = _clean_goal(**{**current, **passed})
        figures_changed = any(values[field] != current[field] for field in ("baseline", "target", "actual"))
        if achieved is UNSET:
            achieved = DERIVE if figures_changed else goal.achieved
        goal.achieved = _resolve_achieved(achieved, values)
        for field, value in values.items():
            setattr(goal, field, value)
        if sort_order is not UNSET:
            if not isinstance(sort_order, int) or sort_order < 0:
                raise ValidationError({"sort_order": _("The sort order is a whole number, 0 or more.")})
            goal.sort_order = sort_order
        goal.save()
        return goal


def goal_delete(*, actor, goal_id: int) -> AssistancePlan:
    with transaction.atomic():
        plan = _locked_plan(actor, get_for_user(actor, PlanGoal, pk=goal_id).plan_id)
        _require_open(plan)
        goal = PlanGoal.objects.select_for_update().get(pk=goal_id)
        if plan.goals.count() <= 1:
            raise ValidationError(_("A plan keeps at least one goal: add another before deleting this one."))
        goal.delete()
        return plan


# Plans --------------------------------------------------------------------------------------------------


def _clean_category(category: str) -> str:
    if category not in Category.values:
        raise ValidationError({"category": _("Choose one of the plan categories.")})
    return category


def plan_create(
    *,
    actor,
    enterprise_id: int,
    year: int,
    category: str,
    goals: list[dict],
    measures: str = "",
    status: str = Status.ACTIVE,
) -> AssistancePlan:
    """Draw up an enterprise's plan for a year with at least one goal. `goals` are dicts with name, target
    and optionally unit_of_measure, baseline, actual and achieved."""
    enterprise = get_for_user(actor, Enterprise, pk=enterprise_id)
    year = check_programme_year(year)
    _require_editor(actor, enterprise, year)
    errors = {}
    try:
        _clean_category(category)
    except ValidationError as error:
        errors.update(error.message_dict)
    if status not in (Status.DRAFT, Status.ACTIVE):
        errors["status"] = [_("A new plan is a draft or in progress; complete it later from its page.")]
    if not goals:
        errors["goals"] = [_("Give the plan at least one goal with a name and a numeric target.")]
    cleaned_goals = []
    for index, goal in enumerate(goals or [], start=1):
        try:
            values = _clean_goal(
                name=goal.get("name"),
                unit_of_measure=goal.get("unit_of_measure", ""),
                baseline=goal.get("baseline"),
                target=goal.get("target"),
                actual=goal.get("actual"),
            )
            values["achieved"] = _resolve_achieved(goal.get("achieved", DERIVE), values)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault("goals", []).extend(
                    _("Goal %(n)s, %(field)s: %(message)s") % {"n": index, "field": field, "message": message}
                    for message in messages
                )
            continue
        cleaned_goals.append(values)
    if errors:
        raise ValidationError(errors)
    existing = AssistancePlan.objects.select_related("enterprise").filter(enterprise=enterprise, year=year).first()
    if existing is not None:
        raise DuplicatePlan(existing)
    try:
        with transaction.atomic():
            plan = AssistancePlan.objects.create(
                enterprise=enterprise,
                year=year,
                category=category,
                status=status,
                measures=(measures or "").strip(),
                created_by=actor,
            )
            PlanGoal.objects.bulk_create(
                PlanGoal(plan=plan, sort_order=order, **values) for order, values in enumerate(cleaned_goals)
            )
    except IntegrityError:
        # Someone else created the year's plan between our check and our insert.
        existing = AssistancePlan.objects.select_related("enterprise").get(enterprise=enterprise, year=year)
        raise DuplicatePlan(existing) from None
    return plan


def plan_update(*, actor, plan_id: int, category=UNSET, measures=UNSET, status=UNSET, outcome=UNSET) -> AssistancePlan:
    """Change a plan's category, measures, outcome or status. Status moves between draft and in progress;
    a completed plan is reopened by setting it in progress. Completing goes through `plan_complete`."""
    with transaction.atomic():
        plan = _locked_plan(actor, plan_id)
        if category is not UNSET:
            plan.category = _clean_category(category)
        if measures is not UNSET:
            plan.measures = (measures or "").strip()
        if outcome is not UNSET:
            plan.outcome = (outcome or "").strip()
        if status is not UNSET and status != plan.status:
            if status == Status.COMPLETED:
                raise ValidationError({"status": _("Complete a plan with its outcome, from “Complete the plan”.")})
            if status not in Status.values:
                raise ValidationError({"status": _("Choose draft or in progress.")})
            plan.status = status
        if plan.status == Status.COMPLETED and not plan.outcome:
            raise ValidationError({"outcome": _("A completed plan keeps its outcome; it cannot be blank.")})
        plan.save()
        return plan


def plan_complete(*, actor, plan_id: int, outcome: str) -> AssistancePlan:
    """Close the year's plan: the outcome is written and every goal has been judged achieved or not."""
    with transaction.atomic():
        plan = _locked_plan(actor, plan_id)
        if plan.status == Status.COMPLETED:
            raise ValidationError(_("This plan is already completed."))
        outcome = (outcome or "").strip()
        if not outcome:
            raise ValidationError({"outcome": _("Describe the outcome of the plan before completing it.")})
        undecided = list(plan.goals.filter(achieved__isnull=True).values_list("name", flat=True))
        if undecided:
            raise ValidationError(
                _("Decide whether each goal was achieved before completing the plan. Not decided yet: %(goals)s.")
                % {"goals": "、".join(undecided)}
            )
        plan.outcome = outcome
        plan.status = Status.COMPLETED
        plan.save()
        return plan


# Progress -----------------------------------------------------------------------------------------------


def _clean_period(plan: AssistancePlan, period: dt.date) -> dt.date:
    if not isinstance(period, dt.date):
        raise ValidationError({"period": _("Enter the month, e.g. 2026-10.")})
    month = period.replace(day=1)
    this_month = timezone.localdate().replace(day=1)
    if month > this_month:
        raise ValidationError({"period": _("Progress is reported for a month that has begun, not a future one.")})
    if month.year != plan.year:
        raise ValidationError(
            {"period": _("This is the %(year)s plan: report progress for a month of %(year)s.") % {"year": plan.year}}
        )
    return month


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what was done this month.")})
    if len(note) > MAX_PROGRESS_LENGTH:
        raise ValidationError({"note": _("A progress note has at most %(n)s characters.") % {"n": MAX_PROGRESS_LENGTH}})
    return note


def progress_add(*, actor, plan_id: int, period: dt.date, note: str) -> PlanProgress:
    """Report a month's progress (any day of the month stands for the month). A plan has one note per
    month: reporting a month that already has one appends the new text to it as a new paragraph and makes
    the actor its latest author, so the month's account stays in one place for the dispatch report."""
    with transaction.atomic():
        # The plan's lock serialises two reports of the same month, so neither makes a second note.
        plan = _locked_plan(actor, plan_id)
        _require_open(plan)
        month, note = _clean_period(plan, period), _clean_note(note)
        existing = plan.progress_notes.filter(period=month).order_by("created_at", "pk").first()
        if existing is None:
            return PlanProgress.objects.create(plan=plan, period=month, note=note, author=actor)
        combined = f"{existing.note}\n\n{note}"
        if len(combined) > MAX_PROGRESS_LENGTH:
            raise ValidationError(
                {
                    "note": _("The month's note would exceed %(n)s characters; edit it instead.")
                    % {"n": MAX_PROGRESS_LENGTH}
                }
            )
        existing.note, existing.author = combined, actor
        existing.save(update_fields=["note", "author"])
        return existing


def progress_update(*, actor, progress_id: int, note: str) -> PlanProgress:
    """Rewrite a month's note (to correct it); its month stays."""
    with transaction.atomic():
        plan = _locked_plan(actor, get_for_user(actor, PlanProgress, pk=progress_id).plan_id)
        _require_open(plan)
        progress = PlanProgress.objects.select_for_update().get(pk=progress_id)
        progress.note, progress.author = _clean_note(note), actor
        progress.save(update_fields=["note", "author"])
        return progress
