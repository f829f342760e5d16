"""The public read API of published policies (under /api/v1/policies/public), open to anyone: no session or
token (auth=None on each operation, overriding the API's default auth of zhuqi/api.py). A draft or withdrawn
policy does not exist here (404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.urls import reverse
from ninja import Router, Schema
from ninja.pagination import paginate

from policies.selectors import library as selectors

router = Router(tags=["policies (public)"])


class PublicCategoryOut(Schema):
    code: str
    name: str


class PublicClauseOut(Schema):
    position: int
    heading: str
    text: str


class PublicPolicyOut(Schema):
    id: int
    title: str
    document_number: str
    issuer: str
    level: str
    published_on: dt.date | None
    effective_from: dt.date | None
    expires_on: dt.date | None
    categories: list[PublicCategoryOut]
    summary: str
    benefit_kind: str
    benefit_text: str
    benefit_cap: Decimal | None
    obtain: str
    application_deadline: dt.date | None
    interpreter_name: str
    interpreter_phone: str
    url: str

    @staticmethod
    def resolve_categories(obj):
        return list(obj.categories.all())

    @staticmethod
    def resolve_url(obj, context):
        return context["request"].build_absolute_uri(reverse("policy_public", args=[obj.pk]))


class PublicPolicyDetailOut(PublicPolicyOut):
    full_text: str
    application_materials: str
    clauses: list[PublicClauseOut]

    @staticmethod
    def resolve_clauses(obj):
        return list(obj.clauses.all())


@router.get(
    "/public",
    response=list[PublicPolicyOut],
    auth=None,
    summary="Published policies, for anyone (no authentication)",
    description="q: every word in the title, document number, issuer, summary, full text or a clause; category "
    "(id or code); level.",
)
@paginate
def list_public_policies(request, q: str = "", category: str = "", level: str = "") -> QuerySet:
    return selectors.public_policy_list(search=q.strip(), category=category, level=level)


@router.get(
    "/public/{int:policy_id}",
    response=PublicPolicyDetailOut,
    auth=None,
    summary="One published policy with its clauses, for anyone (no authentication)",
)
def get_public_policy(request, policy_id: int):
    return selectors.public_policy(policy_id)
