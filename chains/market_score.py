"""How well an offer (供) fits a need (需): a score from 0 to 100 and the reasons for it, in words the office
can check at a glance. Pure: no database, so the rules can be tested and tuned on their own.

The score adds up:
- what they say (up to TEXT_POINTS): the Dice similarity of the title and description terms — Chinese
  text has no spaces, so its terms are character bigrams (a lone character counts as itself), latin and
  alphanumeric words count whole (PET, Q235). The titles weigh more than the descriptions: a long
  description would otherwise dilute a title that says exactly the same thing. Words every post uses
  (采购, 供应, 公司 …) are not terms.
- where they sit on a chain: the same node (SAME_NODE_POINTS), or an adjacent one (ADJACENT_NODE_POINTS):
  parent, child or sibling, or a node one stage up- or downstream in the same chain (the supplier of a
  midstream processor sits upstream).
- the same township or town (SAME_REGION_POINTS): nearby partners are cheaper to bring together.

The text points grow with the square root of the similarity: two short Chinese texts about the same thing
(果浆 and 水果果浆) share few bigrams in proportion to their length, so a linear scale would undervalue them,
while an incidental shared word stays low. A pair whose similarity is below MIN_SIMILARITY never matches,
whatever its node and town — they rank related posts, they do not make unrelated ones related. A pair is
proposed from THRESHOLD points. An enterprise is never paired with itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

TEXT_POINTS = 60
SAME_NODE_POINTS = 30
ADJACENT_NODE_POINTS = 15
SAME_REGION_POINTS = 10
THRESHOLD = Decimal("30")
MIN_SIMILARITY = 0.1
# The share of the text points that the titles decide; the rest is the whole text's.
TITLE_WEIGHT = 0.6
# At most this many shared terms are named in a reason.
NAMED_TERMS = 5

STAGES = ("upstream", "midstream", "downstream")

# Terms any post may contain, whatever it offers or needs: trade words and units of quantity.
STOP_TERMS = frozenset(
    {
        "吨",
        "件",
        "台",
        "套",
        "个",
        "斤",
        "箱",
        "米",
        "天",
        "月",
        "年",
        "批",
        "kg",
        "采购",
        "供应",
        "求购",
        "需求",
        "需要",
        "提供",
        "寻找",
        "长期",
        "批量",
        "大量",
        "合作",
        "公司",
        "有限",
        "企业",
        "产品",
        "服务",
        "每月",
        "每年",
        "左右",
        "以上",
        "优质",
        "我司",
        "本公",
        "欢迎",
        "联系",
    }
)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9\-+.]*[a-z0-9+]")


def terms(text: str) -> frozenset[str]:
    """The terms of a text: CJK character bigrams (a lone character alone), latin or alphanumeric words of two
    characters or more (bare numbers, which are quantities rather than products, left out), without the stop terms."""
    text = (text or "").lower()
    found: set[str] = set()
    for run in _CJK.findall(text):
        if len(run) == 1:
            found.add(run)
        else:
            found.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in _WORD.findall(_CJK.sub(" ", text)):
        if not word.replace(".", "").replace("-", "").isdigit():
            found.add(word)
    return frozenset(found - STOP_TERMS)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True)
class NodeFacts:
    """What scoring needs of a chain node."""

    id: int
    chain_id: int
    parent_id: int | None
    stage: str
    name: str
    chain_name: str = ""


@dataclass
class PostFacts:
    """What scoring needs of a post; `title_terms` and `all_terms` are worked out once per post."""

    id: int
    kind: str
    enterprise_id: int
    region_id: int | None
    title: str
    description: str = ""
    node_id: int | None = None
    region_name: str = ""
    title_terms: frozenset[str] = field(init=False)
    all_terms: frozenset[str] = field(init=False)

    def __post_init__(self):
        self.title_terms = terms(self.title)
        self.all_terms = self.title_terms | terms(self.description)


@dataclass
class Score:
    points: Decimal = Decimal("0.00")
    reasons: list[str] = field(default_factory=list)

    @property
    def proposed(self) -> bool:
        return self.points >= THRESHOLD


NO_MATCH = Score()


def node_relation(a: NodeFacts | None, b: NodeFacts | None) -> str:
    """'same', 'parent' (a is b's parent), 'child', 'sibling', 'stage' (adjacent stages of one chain) or ''."""
    if a is None or b is None:
        return ""
    if a.id == b.id:
        return "same"
    if a.chain_id != b.chain_id:
        return ""
    if b.parent_id == a.id:
        return "parent"
    if a.parent_id == b.id:
        return "child"
    if a.parent_id == b.parent_id and (a.parent_id is not None or a.stage == b.stage):
        return "sibling"
    if a.stage in STAGES and b.stage in STAGES and abs(STAGES.index(a.stage) - STAGES.index(b.stage)) == 1:
        return "stage"
    return ""


def _node_reason(relation: str, offer_node: NodeFacts, need_node: NodeFacts) -> str:
    names = {"offer": offer_node.name, "need": need_node.name, "chain": offer_node.chain_name}
    if relation == "same":
        return _("Both on the chain node “%(offer)s”.") % names
    if relation == "parent":
        return _("The offer's node “%(offer)s” is the parent of the need's node “%(need)s”.") % names
    if relation == "child":
        return _("The offer's node “%(offer)s” is a sub-node of the need's node “%(need)s”.") % names
    if relation == "sibling":
        return _("Neighbouring nodes of one chain: “%(offer)s” and “%(need)s”.") % names
    return _("Adjacent stages of the chain %(chain)s: “%(offer)s” and “%(need)s”.") % names


def score_pair(offer: PostFacts, need: PostFacts, nodes: dict[int, NodeFacts]) -> Score:
    """The score of `offer` meeting `need`; NO_MATCH for a pair that can never match (not an offer and a
    need, one enterprise on both sides, too little said in common)."""
    if offer.kind != "offer" or need.kind != "need" or offer.enterprise_id == need.enterprise_id:
        return NO_MATCH
    shared = offer.all_terms & need.all_terms
    if not shared:
        return NO_MATCH
    similarity = TITLE_WEIGHT * dice(offer.title_terms, need.title_terms) + (1 - TITLE_WEIGHT) * dice(
        offer.all_terms, need.all_terms
    )
    if similarity < MIN_SIMILARITY:
        return NO_MATCH
    points = TEXT_POINTS * math.sqrt(similarity)
    named = "、".join(sorted(shared, key=lambda t: (-len(t), t))[:NAMED_TERMS])
    reasons = [_("Similar wording (%(percent)d%%): %(terms)s.") % {"percent": round(similarity * 100), "terms": named}]

    offer_node = nodes.get(offer.node_id) if offer.node_id else None
    need_node = nodes.get(need.node_id) if need.node_id else None
    relation = node_relation(offer_node, need_node)
    if relation:
        points += SAME_NODE_POINTS if relation == "same" else ADJACENT_NODE_POINTS
        reasons.append(_node_reason(relation, offer_node, need_node))

    if offer.region_id is not None and offer.region_id == need.region_id:
        points += SAME_REGION_POINTS
        reasons.append(_("Both in %(region)s.") % {"region": offer.region_name or need.region_name})

    points = Decimal(str(round(min(points, 100), 2))).quantize(Decimal("0.01"))
    return Score(points, reasons)


def candidate_pairs(offers: list[PostFacts], needs: list[PostFacts]) -> set[tuple[int, int]]:
    """The (offer id, need id) pairs that share a term: the only ones that can score (an index on the
    terms spares comparing every offer with every need)."""
    by_term: dict[str, list[int]] = {}
    for need in needs:
        for term in need.all_terms:
            by_term.setdefault(term, []).append(need.id)
    pairs = set()
    for offer in offers:
        for term in offer.all_terms:
            for need_id in by_term.get(term, ()):
                pairs.add((offer.id, need_id))
    return pairs
