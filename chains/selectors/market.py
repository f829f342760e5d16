"""Reads of the supply-and-demand board: the posts with their filters and match counts, one post with its
matches, the matches with their filters, and the totals (agreements signed and their amount).

Staff read every post and match. An enterprise user reads its own posts and the matches the office has
taken up (brokered and after) that involve one of them: a proposal is the office's working list until the
office brokers it — the enterprise learns who the other side is from the office, not from the platform's
guess — so the enterprise only sees how many proposals its post has.

Every list runs a fixed number of queries whatever the number of rows (the posts' match counts are
subqueries, the matches' posts and enterprises are joined).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import STAFF_ROLES
from accounts.scope import get_for_user, has_role, scoped
from chains.models import ChainNode, IndustryChain, MarketMatch, MarketPost

MatchStatus = MarketMatch.Status
SEARCH_LIMIT = 60
ZERO = Decimal("0.00")


def reads_proposals(user) -> bool:
    """Staff read the proposed matches; an enterprise user only those the office took up."""
    return has_role(user, *STAFF_ROLES)


def _int(value) -> int | None:
    text = ("" if value is None else str(value)).strip()
    return int(text) if text.isdigit() else None


def _match_count(post_field: str, statuses=None) -> Subquery:
    matches = MarketMatch.objects.filter(**{post_field: OuterRef("pk")})
    if statuses is not None:
        matches = matches.filter(status__in=statuses)
    counted = matches.order_by().values(post_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def post_list(
    *, user, kind: str = "", status: str = "", node=None, chain=None, enterprise=None, search: str = ""
) -> QuerySet:
    """The posts in the user's scope, newest first, with enterprise, node and chain loaded, and each post's
    `proposed` and `taken_up` (brokered and after, declined left out) match counts."""
    posts = scoped(user, MarketPost.objects.all())
    if kind in MarketPost.Kind.values:
        posts = posts.filter(kind=kind)
    if status in MarketPost.Status.values:
        posts = posts.filter(status=status)
    if (node_id := _int(node)) is not None:
        posts = posts.filter(Q(node_id=node_id) | Q(node__parent_id=node_id))
    if (chain_id := _int(chain)) is not None:
        posts = posts.filter(node__chain_id=chain_id)
    if (enterprise_id := _int(enterprise)) is not None:
        posts = posts.filter(enterprise_id=enterprise_id)
    search = (search or "").strip()[:SEARCH_LIMIT]
    if search:
        posts = posts.filter(
            Q(title__icontains=search) | Q(description__icontains=search) | Q(enterprise__name__icontains=search)
        )
    taken_up = [MatchStatus.BROKERED, MatchStatus.CONTACTED, MatchStatus.AGREED]
    return (
        posts.select_related("enterprise", "node__chain")
        .annotate(
            proposed=_match_count("offer", [MatchStatus.PROPOSED]) + _match_count("need", [MatchStatus.PROPOSED]),
            taken_up=_match_count("offer", taken_up) + _match_count("need", taken_up),
        )
        .order_by("-created_at", "-pk")
    )


def post_for(*, user, pk) -> MarketPost:
    """One post in the user's scope (else 404) with its enterprise, node and chain."""
    return get_for_user(user, MarketPost.objects.select_related("enterprise", "node__chain", "created_by"), pk=pk)


def _matches(user) -> QuerySet:
    matches = scoped(user, MarketMatch.objects.all())
    if not reads_proposals(user):
        matches = matches.exclude(status=MatchStatus.PROPOSED)
    return matches.select_related(
        "offer__enterprise__region",
        "need__enterprise__region",
        "offer__node__chain",
        "need__node__chain",
        "broker",
    )


def match_list(*, user, status: str = "", search: str = "", post=None) -> QuerySet:
    """The matches in the user's scope (proposed ones for staff only), best first, with both posts, their
    enterprises and nodes, and the broker loaded. `status`: one status, or "open" (proposed, brokered or
    contacted: the office's work in hand)."""
    matches = _matches(user)
    if status == "open":
        matches = matches.filter(status__in=[MatchStatus.PROPOSED, MatchStatus.BROKERED, MatchStatus.CONTACTED])
    elif status in MatchStatus.values:
        matches = matches.filter(status=status)
    if (post_id := _int(post)) is not None:
        matches = matches.filter(Q(offer_id=post_id) | Q(need_id=post_id))
    search = (search or "").strip()[:SEARCH_LIMIT]
    if search:
        matches = matches.filter(
            Q(offer__title__icontains=search)
            | Q(need__title__icontains=search)
            | Q(offer__enterprise__name__icontains=search)
            | Q(need__enterprise__name__icontains=search)
        )
    return matches.order_by("-score", "pk")


def match_for(*, user, pk) -> MarketMatch:
    """One match in the user's scope (a proposed one for staff only; else 404)."""
    return get_for_user(user, _matches(user), pk=pk)


@dataclass
class MarketTotals:
    proposed: int = 0
    brokered: int = 0
    contacted: int = 0
    agreed: int = 0
    declined: int = 0
    amount: Decimal = ZERO

    @property
    def total(self) -> int:
        return self.proposed + self.brokered + self.contacted + self.agreed + self.declined


def totals(*, user) -> MarketTotals:
    """The matches in the user's scope by status, and the amount of the agreements signed (10k yuan). One
    query."""
    counts = {f"n_{s}": Count("pk", filter=Q(status=s)) for s in MatchStatus.values}
    row = (
        _matches(user)
        .order_by()
        .aggregate(**counts, amount=Sum("amount", filter=Q(status=MatchStatus.AGREED), default=ZERO))
    )
    return MarketTotals(
        **{s: row[f"n_{s}"] for s in MatchStatus.values}, amount=Decimal(row["amount"]).quantize(Decimal("0.01"))
    )


def node_choices(*, user) -> list[ChainNode]:
    """The nodes of the active chains in map order (chain, stage, then depth first), each with its `depth`
    and its chain loaded: the node pickers of the post form and the filters. One query."""
    nodes = list(
        scoped(user, ChainNode.objects.filter(chain__is_active=True))
        .select_related("chain")
        .order_by("chain__sort_order", "chain__name", "position", "pk")
    )
    children: dict[int | None, list[ChainNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[ChainNode] = []

    def walk(node: ChainNode, depth: int) -> None:
        node.depth = depth
        ordered.append(node)
        for child in children.get(node.pk, []):
            walk(child, depth + 1)

    chains = list(dict.fromkeys(node.chain_id for node in nodes))
    for chain_id in chains:
        for stage in ChainNode.Stage.values:
            for top in children.get(None, []):
                if top.chain_id == chain_id and top.stage == stage:
                    walk(top, 1)
    return ordered


def chain_choices(*, user) -> list[IndustryChain]:
    return list(scoped(user, IndustryChain.objects.filter(is_active=True)).order_by("sort_order", "name"))
