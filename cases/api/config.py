"""The case settings over HTTP: the category dictionary and the deadline rules. Everyone signed in reads the
categories (an enterprise picks one when filing), staff read the rules; only the coordinating office writes
(else 403). A broken rule answers 422 with {"detail": ...} (zhuqi.api's handlers); an unknown id, 404."""

from django.db.models import Q
from ninja import Field, Router, Schema, Status

from accounts.scope import get_for_user
from cases.models import CaseCategory, DeadlineRule
from cases.services import config as services
from core.schemas import DetailOut

router = Router(tags=["cases"])

ERRORS = {403: DetailOut, 404: DetailOut, 422: DetailOut}


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    sort_order: int
    is_active: bool
    case_count: int = Field(description="Cases filed under the category; one in use can only be deactivated.")


class CategoryIn(Schema):
    code: str = Field(description="Lower-case letters, digits, hyphens and underscores; unique.")
    name: str
    sort_order: int | None = Field(None, description="Left out: after the last category.")
    is_active: bool = True


class CategoryPatch(Schema):
    code: str | None = Field(None, description="Cannot change once cases use the category.")
    name: str | None = None
    sort_order: int | None = None
    is_active: bool | None = None


class DeadlineRuleOut(Schema):
    id: int
    category_id: int | None = Field(description="null: the default of every category without its own rule.")
    category_name: str | None
    urgency: str
    accept_days: int
    resolve_days: int

    @staticmethod
    def resolve_category_name(obj):
        return obj.category.name if obj.category_id else None


class DeadlineRuleIn(Schema):
    category_id: int | None = Field(None, description="null sets the default of the urgency.")
    urgency: str = Field(description="normal, urgent or complex.")
    accept_days: int = Field(description="Working days to accept, 1 to 90.")
    resolve_days: int = Field(description="Working days to resolve, 1 to 90, not fewer than accept_days.")


def _category_out(request, category_id: int) -> CaseCategory:
    return get_for_user(request.user, services.categories_for(request.user), pk=category_id)


@router.get(
    "/cases/categories",
    response=list[CategoryOut],
    summary="The problem categories, in list order",
    description="active=true: only those offered for new cases.",
)
def list_categories(request, active: bool | None = None):
    categories = services.categories_for(request.user)
    if active is not None:
        categories = categories.filter(Q(is_active=active))
    return categories


@router.post(
    "/cases/categories",
    response={201: CategoryOut, **ERRORS},
    summary="Add a problem category (the office)",
)
def create_category(request, payload: CategoryIn):
    category = services.category_create(actor=request.user, **payload.dict())
    return Status(201, _category_out(request, category.pk))


@router.patch(
    "/cases/categories/{int:category_id}",
    response={200: CategoryOut, **ERRORS},
    summary="Rename, recode, reorder, deactivate or reactivate a category (the office)",
    description="Only the fields sent change. A category that cases use keeps its code and can only be "
    "deactivated, not deleted.",
)
def update_category(request, category_id: int, payload: CategoryPatch):
    get_for_user(request.user, CaseCategory, pk=category_id)
    changes = {key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None}
    services.category_update(actor=request.user, category_id=category_id, **changes)
    return _category_out(request, category_id)


@router.delete(
    "/cases/categories/{int:category_id}",
    response={204: None, **ERRORS},
    summary="Delete a category no case uses (the office); one in use answers 422: deactivate it instead",
)
def delete_category(request, category_id: int):
    get_for_user(request.user, CaseCategory, pk=category_id)
    services.category_delete(actor=request.user, category_id=category_id)
    return Status(204, None)


@router.get(
    "/cases/deadline-rules",
    response=list[DeadlineRuleOut],
    summary="The deadline rules: the default per urgency and the categories' own rules",
    description="A category without its own rule for an urgency follows the default (category_id null).",
)
def list_rules(request):
    return services.rules_for(request.user)


@router.put(
    "/cases/deadline-rules",
    response={200: DeadlineRuleOut, **ERRORS},
    summary="Set one deadline rule (the office)",
    description="Creates or replaces the rule of (category_id, urgency). It applies to cases assigned or "
    "reopened from now on; cases in handling keep the limits they were assigned with.",
)
def set_rule(request, payload: DeadlineRuleIn):
    rule = services.deadline_rule_set(actor=request.user, **payload.dict())
    return get_for_user(request.user, services.rules_for(request.user), pk=rule.pk)


@router.delete(
    "/cases/deadline-rules/{int:rule_id}",
    response={204: None, **ERRORS},
    summary="Remove a category's own rule (the office): it follows the default again",
    description="The defaults (category_id null) cannot be removed; answers 422.",
)
def delete_rule(request, rule_id: int):
    get_for_user(request.user, DeadlineRule, pk=rule_id)
    services.deadline_rule_delete(actor=request.user, rule_id=rule_id)
    return Status(204, None)
