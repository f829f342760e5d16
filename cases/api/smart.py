"""Smart dispatch over HTTP (docs/cases/smart-dispatch.md), the office's: a case's suggestions and the
one-click confirmation, possible duplicates and similar open cases (of a case, or of a text being filed),
candidate common issues, the dispatch catalogue, the model versions and the suggestions' accuracy.
Anyone else gets 403; a case outside the caller's scope 404."""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from accounts.scope import get_for_user
from cases.api.actions import RESPONSE, _detail
from cases.api.schemas import CASE_OUT_RELATED
from cases.models import Case, CaseCategory, DispatchRule, SuggestionModel
from cases.selectors import smart as selectors
from cases.services import smart_dispatch as services
from cases.services.base import require_office
from cases.smart.learning import MIN_CASES, NotEnoughHistory
from core.schemas import DetailOut

router = Router(tags=["smart dispatch"])
ERRORS = {403: DetailOut, 404: DetailOut, 422: DetailOut}


class RankedCategoryOut(Schema):
    id: int
    name: str
    p: float = Field(description="Confidence, 0–1.")
    words: list[str] = Field(description="The words of the text that drove it (learned), or the keywords found.")


class RankedLeadOut(Schema):
    unit_id: int
    name: str
    p: float
    words: list[str]
    locality: bool = Field(description="The enterprise's own township, street or park.")


class SuggestionOut(Schema):
    id: int
    case_id: int
    created_at: dt.datetime
    model_version: int | None = Field(description="The learned model's version; null before there is one.")
    category_source: str = Field(description="model or catalogue")
    lead_source: str = Field(description="model or catalogue")
    categories: list[RankedCategoryOut]
    leads: list[RankedLeadOut]
    co_unit_ids: list[int]
    locality_unit_ids: list[int]
    decided_at: dt.datetime | None
    category_rank: int | None
    lead_rank: int | None
    confirmed: bool


class ConfirmIn(Schema):
    note: str = ""


class MatchOut(Schema):
    case_id: int
    number: str
    title: str
    enterprise_id: int
    enterprise_name: str
    state: str
    submitted_at: dt.datetime
    score: float = Field(description="Cosine similarity of the texts, 0–1.")


class SimilarOut(Schema):
    duplicates: list[MatchOut] = Field(description="The same enterprise's cases of the last 90 days.")
    others: list[MatchOut] = Field(description="Other enterprises' open cases.")


class SimilarTextIn(Schema):
    enterprise_id: int | None = None
    title: str
    description: str = ""


class ClusterOut(Schema):
    case_ids: list[int]
    enterprise_count: int
    title: str
    score: float
    words: list[str]
    categories: list[str]


class RuleOut(Schema):
    category_id: int
    category_name: str
    keywords: list[str]
    lead_unit_id: int | None
    lead_is_locality: bool
    co_unit_ids: list[int]
    add_locality: bool


class RuleIn(Schema):
    keywords: str = Field("", description="Separated by spaces, commas or 、.")
    lead_unit_id: int | None = None
    lead_is_locality: bool = False
    co_unit_ids: list[int] = []
    add_locality: bool = True


class ModelOut(Schema):
    version: int
    trained_at: dt.datetime
    trained_by: str
    cutoff: dt.datetime
    case_count: int
    category_count: int
    lead_count: int
    vocabulary_size: int
    metrics: dict
    is_active: bool


class AccuracyOut(Schema):
    decided: int
    category_top1: int
    category_top3: int
    lead_top1: int
    lead_top3: int
    confirmed: int
    months: list[dict]


def _match(match) -> dict:
    case = match.case
    return {
        "case_id": case.pk,
        "number": case.number,
        "title": case.title,
        "enterprise_id": case.enterprise_id,
        "enterprise_name": case.enterprise.name,
        "state": case.state,
        "submitted_at": case.submitted_at,
        "score": round(match.score, 4),
    }


def _similar(found) -> dict:
    return {"duplicates": [_match(m) for m in found.duplicates], "others": [_match(m) for m in found.others]}


@router.get(
    "/cases/{int:case_id}/suggestions",
    response={200: SuggestionOut, **ERRORS},
    summary="Suggested category and units of a case awaiting dispatch (recorded as shown)",
)
def get_suggestions(request, case_id: int):
    return services.dispatch_suggest(actor=request.user, case_id=case_id)


@router.post(
    "/cases/{int:case_id}/suggestions/{int:suggestion_id}/confirm",
    response=RESPONSE,
    summary="Assign the case exactly as suggested (one click)",
)
def confirm_suggestion(request, case_id: int, suggestion_id: int, payload: ConfirmIn):
    services.dispatch_confirm(actor=request.user, case_id=case_id, suggestion_id=suggestion_id, note=payload.note)
    return _detail(request, case_id)


@router.get(
    "/cases/{int:case_id}/similar",
    response={200: SimilarOut, **ERRORS},
    summary="Possible duplicates and similar open cases of a case",
)
def case_similar(request, case_id: int):
    require_office(request.user)
    case = get_for_user(request.user, Case.objects.select_related(*CASE_OUT_RELATED), pk=case_id)
    return _similar(
        selectors.similar_to(
            request.user,
            enterprise_id=case.enterprise_id,
            title=case.title,
            description=case.description,
            exclude_case_id=case.pk,
        )
    )


@router.post(
    "/cases/similar",
    response={200: SimilarOut, **ERRORS},
    summary="Possible duplicates and similar open cases of a text about to be filed",
)
def text_similar(request, payload: SimilarTextIn):
    require_office(request.user)
    if not (payload.title.strip() or payload.description.strip()):
        raise ValidationError({"title": "Give the title or the description to compare."})
    return _similar(
        selectors.similar_to(
            request.user,
            enterprise_id=payload.enterprise_id,
            title=payload.title[:120],
            description=payload.description[:5000],
        )
    )


@router.get(
    "/cases/clusters",
    response={200: list[ClusterOut], **ERRORS},
    summary="Candidate common issues: cases awaiting dispatch of several enterprises that read alike",
    description="Merge one with POST /cases/common-issues.",
)
def list_clusters(request):
    require_office(request.user)
    return [
        {
            "case_ids": c.case_ids,
            "enterprise_count": c.enterprise_count,
            "title": c.title,
            "score": c.score,
            "words": c.words,
            "categories": c.categories,
        }
        for c in selectors.clusters(request.user)
    ]


def _rule_out(category: CaseCategory, rule: DispatchRule | None) -> dict:
    return {
        "category_id": category.pk,
        "category_name": category.name,
        "keywords": rule.keyword_list() if rule else [],
        "lead_unit_id": rule.lead_unit_id if rule else None,
        "lead_is_locality": rule.lead_is_locality if rule else False,
        "co_unit_ids": [u.pk for u in rule.co_units.all()] if rule else [],
        "add_locality": rule.add_locality if rule else True,
    }


@router.get(
    "/dispatch/catalogue",
    response={200: list[RuleOut], **ERRORS},
    summary="The dispatch catalogue: every active category's keywords and default units",
)
def list_catalogue(request):
    require_office(request.user)
    rules = {r.category_id: r for r in DispatchRule.objects.prefetch_related("co_units")}
    return [
        _rule_out(c, rules.get(c.pk))
        for c in CaseCategory.objects.filter(is_active=True).order_by("sort_order", "code")
    ]


@router.put(
    "/dispatch/catalogue/{int:category_id}",
    response={200: RuleOut, **ERRORS},
    summary="Set one category's catalogue entry",
)
def put_catalogue(request, category_id: int, payload: RuleIn):
    rule = services.dispatch_rule_save(actor=request.user, category_id=category_id, **payload.dict())
    return _rule_out(rule.category, rule)


@router.get("/dispatch/models", response={200: list[ModelOut], **ERRORS}, summary="Model versions, newest first")
def list_models(request):
    require_office(request.user)
    return list(SuggestionModel.objects.defer("artefact").order_by("-version")[:50])


@router.post(
    "/dispatch/models",
    response={201: ModelOut, **ERRORS},
    summary="Train a new version on the history to date and put it in use",
    description=f"422 while fewer than {MIN_CASES} accepted cases in two categories exist.",
)
def train_model(request):
    require_office(request.user)
    try:
        model = services.suggestion_model_train(trained_by=str(request.user)[:60])
    except NotEnoughHistory as short:
        raise ValidationError(
            f"Not enough history: {short.args[0]} accepted cases, at least {MIN_CASES} in two categories."
        ) from None
    return Status(201, model)


@router.get(
    "/dispatch/accuracy",
    response={200: AccuracyOut, **ERRORS},
    summary="How often the office chose the first (or a top-3) suggestion, in the period, by month",
    description="date_from/date_to: the days the dispatches were decided (inclusive); both optional.",
)
def get_accuracy(request, date_from: dt.date | None = None, date_to: dt.date | None = None):
    require_office(request.user)
    result = selectors.accuracy(request.user, date_from, date_to)
    return {
        "decided": result.decided,
        "category_top1": result.category_top1,
        "category_top3": result.category_top3,
        "lead_top1": result.lead_top1,
        "lead_top3": result.lead_top3,
        "confirmed": result.confirmed,
        "months": result.months,
    }
