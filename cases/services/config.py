"""The office's settings of the case lifecycle: the category dictionary (融资, 用工, …) and the deadline rules
(working days to accept and to resolve, by urgency, with overrides per category).

Every write is the office's, in one transaction, through the model's save() or delete() so that the
operation log (django-auditlog, core.auditing) records who changed what. Changing a rule never moves a
running deadline: the limits in force are copied into the case's assignment (or reopen) event when its clock
starts, and cases.deadlines computes from that copy (see its docstring).

The reads the settings page and the API share are at the end of this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.scope import scoped
from cases.deadlines import DEFAULT_LIMITS, Limits
from cases.models import Case, CaseCategory, DeadlineRule, Urgency
from cases.services.base import require_office

# Marks a keyword the caller did not pass (PATCH: only what was sent changes).
UNSET = object()
MIN_DAYS, MAX_DAYS = 1, 90
CODE_LENGTH = CaseCategory._meta.get_field("code").max_length
NAME_LENGTH = CaseCategory._meta.get_field("name").max_length
MAX_SORT_ORDER = 32767
SORT_STEP = 10
# What SlugField accepts, lower-cased: the code travels in URLs, Excel ledgers and integrations' payloads.
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _locked_category(category_id) -> CaseCategory:
    try:
        return CaseCategory.objects.select_for_update().get(pk=int(category_id))
    except (CaseCategory.DoesNotExist, TypeError, ValueError):
        raise Http404("No such category.") from None


def cases_using(category_id: int) -> int:
    return Case.objects.filter(category_id=category_id).count()


def _clean_code(value) -> str:
    code = str(value or "").strip().lower()
    if not code:
        raise ValidationError({"code": _("Enter a code, e.g. financing.")})
    if len(code) > CODE_LENGTH:
        raise ValidationError({"code": _("At most %(limit)s characters.") % {"limit": CODE_LENGTH}})
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            {"code": _("Use lower-case letters, digits, hyphens and underscores only (e.g. gas_water).")}
        )
    return code


def _clean_name(value) -> str:
    name = str(value or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the category's name.")})
    if len(name) > NAME_LENGTH:
        raise ValidationError({"name": _("At most %(limit)s characters.") % {"limit": NAME_LENGTH}})
    return name


def _clean_sort_order(value) -> int:
    try:
        order = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"sort_order": _("Enter a whole number.")}) from None
    if isinstance(value, bool) or not 0 <= order <= MAX_SORT_ORDER:
        raise ValidationError({"sort_order": _("Enter a number from 0 to %(max)s.") % {"max": MAX_SORT_ORDER}})
    return order


def _check_unique(category: CaseCategory) -> None:
    others = CaseCategory.objects.exclude(pk=category.pk)
    if others.filter(code=category.code).exists():
        raise ValidationError(
            {"code": _("Another category already has the code “%(code)s”.") % {"code": category.code}}
        )
    if others.filter(name__iexact=category.name).exists():
        raise ValidationError({"name": _("Another category is already called “%(name)s”.") % {"name": category.name}})


def _save(category: CaseCategory) -> None:
    _check_unique(category)
    try:
        # A savepoint: a concurrent insert of the same code or name fails here without spoiling the transaction.
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise ValidationError(
            _("Another category with this code or name was saved just now; check the list.")
        ) from None


# The category dictionary -----------------------------------------------------------------------------------


@transaction.atomic
def category_create(*, actor, code: str, name: str, sort_order: int | None = None, is_active: bool = True):
    """Add a category; without a sort order it goes to the end of the list."""
    require_office(actor)
    category = CaseCategory(code=_clean_code(code), name=_clean_name(name), is_active=bool(is_active))
    if sort_order in (None, ""):
        last = CaseCategory.objects.aggregate(last=Max("sort_order"))["last"] or 0
        category.sort_order = min(last + SORT_STEP, MAX_SORT_ORDER)
    else:
        category.sort_order = _clean_sort_order(sort_order)
    _save(category)
    return category


@transaction.atomic
def category_update(*, actor, category_id: int, code=UNSET, name=UNSET, sort_order=UNSET, is_active=UNSET):
    """Rename, recode, reorder, deactivate or reactivate a category; only the fields passed change.

    A deactivated category is no longer offered when a case is filed or assigned; the cases filed under it
    keep it. Its code cannot change once cases use it: ledgers and integrations file cases by code."""
    require_office(actor)
    category = _locked_category(category_id)
    if code is not UNSET:
        code = _clean_code(code)
        if code != category.code and cases_using(category.pk):
            raise ValidationError(
                {
                    "code": _(
                        "Cases already use this category, and ledgers and integrations file cases by its code: "
                        "the code cannot change. Rename it instead."
                    )
                }
            )
        category.code = code
    if name is not UNSET:
        category.name = _clean_name(name)
    if sort_order is not UNSET:
        category.sort_order = _clean_sort_order(sort_order)
    if is_active is not UNSET:
        if not isinstance(is_active, bool):
            raise ValidationError({"is_active": _("Say whether the category is active: true or false.")})
        others_active = CaseCategory.objects.filter(is_active=True).exclude(pk=category.pk)
        if not is_active and category.is_active and not others_active.exists():
            raise ValidationError({"is_active": _("At least one category must stay active.")})
        category.is_active = is_active
    _save(category)
    return category


@transaction.atomic
def category_move(*, actor, category_id: int, direction: str) -> CaseCategory:
    """Move a category one place up or down the list; the list is renumbered in steps of ten."""
    require_office(actor)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Move a category up or down.")})
    # The whole list is locked: two people reordering at once must not give two categories one place.
    ordered = list(CaseCategory.objects.select_for_update().order_by("sort_order", "code"))
    index = next((i for i, c in enumerate(ordered) if c.pk == int(category_id)), None)
    if index is None:
        raise Http404("No such category.")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, category in enumerate(ordered, start=1):
        wanted = min(position * SORT_STEP, MAX_SORT_ORDER)
        if category.sort_order != wanted:
            category.sort_order = wanted
            category.save(update_fields=["sort_order"])
    return next(c for c in ordered if c.pk == int(category_id))


@transaction.atomic
def category_delete(*, actor, category_id: int) -> None:
    """Delete a category no case uses (with its deadline overrides). One that cases use can only be
    deactivated: their history must keep saying what kind of problem they were."""
    require_office(actor)
    category = _locked_category(category_id)
    used = cases_using(category.pk)
    if used:
        raise ValidationError(
            _(
                "%(count)s cases use the category “%(name)s”: it cannot be deleted, only deactivated (it is then no "
                "longer offered for new cases)."
            )
            % {"count": used, "name": category.name},
            code="category_in_use",
        )
    if category.is_active and not CaseCategory.objects.filter(is_active=True).exclude(pk=category.pk).exists():
        raise ValidationError(_("At least one category must stay active."), code="last_active")
    # One by one, so that the operation log records each override that goes with it.
    for rule in DeadlineRule.objects.select_for_update().filter(category=category).order_by("pk"):
        rule.delete()
    category.delete()


# Deadline rules ------------------------------------------------------------------------------------------


def _clean_days(value, field: str) -> int:
    message = _("Enter a number of working days from %(min)s to %(max)s.") % {"min": MIN_DAYS, "max": MAX_DAYS}
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValidationError({field: message})
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValidationError({field: message})
    return days


@transaction.atomic
def deadline_rule_set(
    *, actor, category_id: int | None, urgency: str, accept_days: int, resolve_days: int
) -> DeadlineRule:
    """Set the working days to accept and to resolve for one urgency: the default of every category
    (category_id None) or an override for one category. Applies to cases assigned or reopened from now on;
    running cases keep the limits they were given."""
    require_office(actor)
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose the urgency: normal, urgent or complex.")})
    category = None
    if category_id not in (None, ""):
        try:
            category = CaseCategory.objects.get(pk=int(category_id))
        except (CaseCategory.DoesNotExist, TypeError, ValueError):
            raise ValidationError({"category": _("Unknown category.")}) from None
    accept_days = _clean_days(accept_days, "accept_days")
    resolve_days = _clean_days(resolve_days, "resolve_days")
    if accept_days > resolve_days:
        raise ValidationError(
            {
                "accept_days": _("Acceptance cannot take longer than resolving: at most %(days)s working days here.")
                % {"days": resolve_days}
            }
        )
    # Ordered by pk: the model's ordering joins the (nullable) category, which PostgreSQL will not lock.
    rule = DeadlineRule.objects.select_for_update().filter(category=category, urgency=urgency).order_by("pk").first()
    if rule is None:
        rule = DeadlineRule(category=category, urgency=urgency)
    rule.accept_days, rule.resolve_days = accept_days, resolve_days
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError(_("This rule was set by someone else just now; check the table and try again.")) from None
    return rule


@transaction.atomic
def deadline_rule_delete(*, actor, rule_id: int) -> None:
    """Remove a category's override: the category follows the default of its urgency again. The defaults
    themselves stay (change their days instead)."""
    require_office(actor)
    try:
        rule = DeadlineRule.objects.select_for_update().get(pk=int(rule_id))
    except (DeadlineRule.DoesNotExist, TypeError, ValueError):
        raise Http404("No such deadline rule.") from None
    if rule.category_id is None:
        raise ValidationError(
            _("The default rule of an urgency cannot be removed; change its working days instead."),
            code="default_rule",
        )
    rule.delete()


# Reads ---------------------------------------------------------------------------------------------------


def categories_for(user) -> QuerySet[CaseCategory]:
    """The dictionary in list order, each category with the number of cases filed under it. One query."""
    used = (
        Case.objects.filter(category_id=OuterRef("pk"))
        .order_by()
        .values("category_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        scoped(user, CaseCategory.objects.all())
        .annotate(case_count=Coalesce(Subquery(used, output_field=IntegerField()), Value(0)))
        .order_by("sort_order", "code")
    )


@dataclass(frozen=True)
class Cell:
    """One category and urgency: the limits that apply, and the rule they come from."""

    urgency: str
    limits: Limits
    rule: DeadlineRule | None
    overridden: bool


@dataclass(frozen=True)
class RuleRow:
    category: CaseCategory | None
    cells: list[Cell]

    @property
    def has_override(self) -> bool:
        return any(cell.overridden for cell in self.cells)


def rules_for(user) -> QuerySet[DeadlineRule]:
    return scoped(user, DeadlineRule.objects.select_related("category")).order_by(
        "category__sort_order", "category__code", "urgency"
    )


def rule_table(user, categories) -> list[RuleRow]:
    """The defaults' row, then one row per category: per urgency, the limits that apply and whether the
    category overrides the default. One query (the rules) on top of `categories`."""
    stored = {(r.category_id, r.urgency): r for r in rules_for(user)}

    def default(urgency):
        rule = stored.get((None, urgency))
        if rule is not None:
            return Limits(rule.accept_days, rule.resolve_days), rule
        return Limits(*DEFAULT_LIMITS[urgency]), None

    urgencies = Urgency.values
    rows = [RuleRow(None, [Cell(u, *default(u), overridden=False) for u in urgencies])]
    for category in categories:
        cells = []
        for urgency in urgencies:
            rule = stored.get((category.pk, urgency))
            if rule is not None:
                cells.append(Cell(urgency, Limits(rule.accept_days, rule.resolve_days), rule, overridden=True))
            else:
                limits, _rule = default(urgency)
                cells.append(Cell(urgency, limits, None, overridden=False))
        rows.append(RuleRow(category, cells))
    return rows


def running_cases(category_id: int | None, urgency: str) -> int:
    """How many cases in handling a rule of (category, urgency) would have applied to: they keep the limits
    they were given. For a default, the categories with their own override for the urgency are left out."""
    cases = Case.objects.filter(state__in=Case.HANDLING_STATES, urgency=urgency)
    if category_id is not None:
        return cases.filter(category_id=category_id).count()
    overridden = DeadlineRule.objects.filter(urgency=urgency, category__isnull=False).values("category_id")
    return cases.exclude(category_id__in=overridden).count()
