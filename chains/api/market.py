"""Supply and demand over HTTP (under /api/v1/chains/market): the same selectors and services as the pages.

Reading follows the data scope (staff: every post and match; an enterprise user: its own posts and the
matches the office has taken up that involve them; outside: 404). Writing: an enterprise user its own posts,
the coordinating office every post and every match (else 403). A mistake answers 422 with
{"detail": "field: message …"} (zhuqi/api.py's handlers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from chains.selectors import market as selectors
from chains.services import market as services
from core.schemas import DetailOut

router = Router(tags=["supply and demand"])


class EnterpriseRef(Schema):
    id: int
    name: str


class NodeRef(Schema):
    id: int
    name: str
    stage: str
    chain_id: int
    chain: str


def _node(node):
    if node is None:
        return None
    return {"id": node.pk, "name": node.name, "stage": node.stage, "chain_id": node.chain_id, "chain": node.chain.name}


class PostOut(Schema):
    id: int
    enterprise: EnterpriseRef
    kind: str
    title: str
    description: str
    node: NodeRef | None
    quantity: str
    period_from: dt.date | None
    period_to: dt.date | None
    status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_enterprise(obj):
        return {"id": obj.enterprise_id, "name": obj.enterprise.name}

    @staticmethod
    def resolve_node(obj):
        return _node(obj.node)


class PostListOut(PostOut):
    proposed: int | None
    taken_up: int


class PostIn(Schema):
    """Every field optional: on create the service names what is missing; on PATCH only the fields sent
    change. enterprise (the office, on create): an enterprise id or credit code; node: a node id of an active
    chain, or null."""

    enterprise: int | str | None = None
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    node: int | None = None
    quantity: str | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None


class PostRef(Schema):
    id: int
    kind: str
    title: str
    quantity: str
    status: str
    enterprise: EnterpriseRef
    node: NodeRef | None

    @staticmethod
    def resolve_enterprise(obj):
        return {"id": obj.enterprise_id, "name": obj.enterprise.name}

    @staticmethod
    def resolve_node(obj):
        return _node(obj.node)


class MatchOut(Schema):
    id: int
    offer: PostRef
    need: PostRef
    score: Decimal
    reasons: list[str]
    status: str
    broker: str | None
    note: str
    amount: Decimal | None
    agreed_on: dt.date | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_broker(obj):
        return obj.broker.get_full_name() if obj.broker_id else None


class BrokerIn(Schema):
    note: str = ""


class RecordIn(Schema):
    status: str
    note: str = ""
    amount: Decimal | None = None
    agreed_on: dt.date | None = None


def _post_out(request, post_id: int):
    return selectors.post_for(user=request.user, pk=post_id)


def _match_out(request, match_id: int):
    return selectors.match_for(user=request.user, pk=match_id)


@router.get(
    "market/posts",
    response=list[PostListOut],
    summary="Supply and demand posts in your scope",
    description="Staff read every post; an enterprise user its own. Filters: kind (offer, need), status (open, "
    "closed; default all), chain, node (the node and its sub-nodes), enterprise, q (in the title, description "
    "and enterprise name). proposed: the matches awaiting the office (null for enterprise users); taken_up: "
    "those brokered, contacted or agreed.",
)
@paginate
def list_posts(
    request, kind: str = "", status: str = "", chain: str = "", node: str = "", enterprise: str = "", q: str = ""
):
    posts = selectors.post_list(
        user=request.user, kind=kind, status=status, chain=chain, node=node, enterprise=enterprise, search=q
    )
    return posts if selectors.reads_proposals(request.user) else _WithoutProposals(posts)


class _WithoutProposals:
    """The posts with their proposal counts hidden (an enterprise user hears of proposals from the office),
    sliced lazily so that the pagination still fetches one page."""

    def __init__(self, posts):
        self.posts = posts

    def __len__(self) -> int:
        return self.posts.count()

    def __getitem__(self, index):
        rows = list(self.posts[index]) if isinstance(index, slice) else [self.posts[index]]
        for post in rows:
            post.proposed = None
        return rows if isinstance(index, slice) else rows[0]


@router.post(
    "market/posts",
    response={201: PostOut, 403: DetailOut, 422: DetailOut},
    summary="Post an offer or a need — the enterprise's users, the coordinating office",
)
def create_post(request, payload: PostIn):
    post = services.post_save(actor=request.user, **payload.dict(exclude_unset=True))
    return Status(201, _post_out(request, post.pk))


@router.get("market/posts/{int:post_id}", response=PostOut, summary="One post")
def get_post(request, post_id: int):
    return _post_out(request, post_id)


@router.patch(
    "market/posts/{int:post_id}",
    response={200: PostOut, 403: DetailOut, 422: DetailOut},
    summary="Change a post — its enterprise's users, the coordinating office",
    description="Only the fields sent change; a closed post changes no more.",
)
def update_post(request, post_id: int, payload: PostIn):
    services.post_save(actor=request.user, post_id=post_id, **payload.dict(exclude_unset=True))
    return _post_out(request, post_id)


@router.post(
    "market/posts/{int:post_id}/close",
    response={200: PostOut, 403: DetailOut, 422: DetailOut},
    summary="Close a post: it is matched no more, its proposals go",
)
def close_post(request, post_id: int):
    services.post_close(actor=request.user, post_id=post_id)
    return _post_out(request, post_id)


@router.get(
    "market/matches",
    response=list[MatchOut],
    summary="Supply-demand matches in your scope, best first",
    description="status: one of proposed, brokered, contacted, agreed, declined, or 'open' (the first three); "
    "post: the matches of one post; q: in the titles and enterprise names. Enterprise users see the matches "
    "the office has taken up.",
)
@paginate
def list_matches(request, status: str = "", post: str = "", q: str = ""):
    return selectors.match_list(user=request.user, status=status, post=post, search=q)


@router.get("market/matches/{int:match_id}", response=MatchOut, summary="One match")
def get_match(request, match_id: int):
    return _match_out(request, match_id)


@router.post(
    "market/matches/{int:match_id}/broker",
    response={200: MatchOut, 403: DetailOut, 422: DetailOut},
    summary="Broker a proposed match — coordinating office",
    description="proposed → brokered; both enterprises' users are told who the other side is.",
)
def broker_match(request, match_id: int, payload: BrokerIn):
    services.match_broker(actor=request.user, match_id=match_id, note=payload.note)
    return _match_out(request, match_id)


@router.post(
    "market/matches/{int:match_id}/record",
    response={200: MatchOut, 403: DetailOut, 422: DetailOut},
    summary="Record what came of a match — coordinating office",
    description="status: contacted (from brokered), agreed (from contacted; amount in 10k yuan and agreed_on "
    "required) or declined (from proposed, brokered or contacted; note required).",
)
def record_match(request, match_id: int, payload: RecordIn):
    services.match_record(actor=request.user, match_id=match_id, **payload.dict())
    return _match_out(request, match_id)
