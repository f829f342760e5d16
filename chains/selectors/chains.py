"""Reads of industry chains: the list with each chain's counts and gaps, and `chain_map`, one chain's map
with every node's enterprises, output value and gaps.

What is counted (docs/chains/chains.md says the same to users):
- A node's enterprises are the distinct enterprises placed on the node or on any node below it. An
  enterprise placed on two nodes counts on each of them, once on a node that holds both, and once in its
  stage's and the chain's totals.
- A node's output value is the sum, over those distinct enterprises, of MonthlyFigure.output_value (万元)
  over the window: the 12 months ending with the latest month (not after last month) for which any of the
  chain's enterprises the reader can see reported an output value. A month an enterprise did not report adds
  nothing; `reporting` says how many of the enterprises reported at least one month of the window. Only the
  figures of enterprises in the reader's scope are summed (`figures_complete` is False when some are not).
- A gap (补链 target) is a node whose subtree holds no placed enterprise. The gap list names the topmost
  such nodes (a node empty with all its sub-nodes is one gap: "the node and its N sub-nodes"); a parent
  that holds enterprises but has empty sub-nodes is marked "sub-nodes empty" and names them.
- A risk is a node whose subtree depends on exactly one enterprise; the risk list names the topmost such
  nodes (their sub-nodes depend on the same enterprise, or on none).
- Enterprise users read the map (nodes and key products) and their own placements: their scope holds no
  other enterprise's placement, so no counts, output or gaps are computed for them (`show_counts` False).

`chain_map` runs a fixed number of queries whatever the size of the map: the nodes, the placements with
their enterprises, the placed enterprises the reader may open, the latest reported month, and the sums.
`chain_summaries` runs two (the nodes and the placements of every chain of the page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.functional import cached_property

from accounts.models import STAFF_ROLES
from accounts.scope import get_for_user, has_role, scoped
from chains.models import ChainNode, ChainPlacement, IndustryChain
from core.periods import add_months, current_month
from enterprises.models import Enterprise, MonthlyFigure

Stage = ChainNode.Stage
WINDOW_MONTHS = 12
ZERO = Decimal("0.00")


def reads_counts(user) -> bool:
    """Staff read every placement, so the counts; an enterprise user reads only its own placements."""
    return has_role(user, *STAFF_ROLES)


# Lists -------------------------------------------------------------------------------------------------------


def chain_list(*, user, search: str = "", active: str = "") -> QuerySet:
    """The chains in the user's scope (staff: all; an enterprise user: the active ones), with chief, task
    force and chain-leading enterprises loaded."""
    chains = scoped(user, IndustryChain.objects.all())
    if search:
        chains = chains.filter(name__icontains=search)
    if active in ("1", "true", "yes"):
        chains = chains.filter(is_active=True)
    elif active in ("0", "false", "no"):
        chains = chains.filter(is_active=False)
    return (
        chains.select_related("chief", "task_force")
        .prefetch_related("leading_enterprises")
        .order_by("sort_order", "name", "pk")
    )


def chain_for(*, user, pk) -> IndustryChain:
    """One chain in the user's scope (else 404) with its chief, task force and chain-leading enterprises."""
    return get_for_user(
        user,
        IndustryChain.objects.select_related("chief", "task_force").prefetch_related("leading_enterprises"),
        pk=pk,
    )


@dataclass
class ChainSummary:
    chain: IndustryChain
    nodes: int = 0
    enterprises: int = 0
    gaps: int = 0
    risks: int = 0
    # For an enterprise user: the nodes its own enterprise is placed on.
    own_nodes: int = 0
    # False for an enterprise user: enterprises, gaps and risks are not counted for them.
    counted: bool = True

    # The API reads these off the summary as if it were the chain.
    def __getattr__(self, name):
        if name.startswith("__") or name == "chain":
            raise AttributeError(name)
        return getattr(self.chain, name)


def chain_summaries(user, chains: Iterable[IndustryChain]) -> list[ChainSummary]:
    """Each chain with its node count, distinct enterprises placed, gaps and single-enterprise risks (the
    topmost ones, as on the chain's page). Two queries for the whole list."""
    chains = list(chains)
    summaries = [ChainSummary(chain) for chain in chains]
    if not chains:
        return summaries
    ids = [c.pk for c in chains]
    nodes = list(scoped(user, ChainNode.objects.filter(chain_id__in=ids)).values_list("pk", "parent_id", "chain_id"))
    placements = list(
        scoped(user, ChainPlacement.objects.filter(node__chain_id__in=ids)).values_list("node_id", "enterprise_id")
    )
    direct: dict[int, set[int]] = {}
    for node_id, enterprise_id in placements:
        direct.setdefault(node_id, set()).add(enterprise_id)
    by_chain: dict[int, list[tuple[int, int | None]]] = {}
    for pk, parent_id, chain_id in nodes:
        by_chain.setdefault(chain_id, []).append((pk, parent_id))
    counts_read = reads_counts(user)
    for summary in summaries:
        rows = by_chain.get(summary.chain.pk, [])
        summary.nodes = len(rows)
        if not counts_read:
            summary.counted = False
            summary.own_nodes = sum(1 for pk, _ in rows if direct.get(pk))
            continue
        tree = _Tree(rows, direct)
        summary.enterprises = len(tree.all_enterprises)
        summary.gaps = len(tree.top_gaps)
        summary.risks = len(tree.top_risks)
    return summaries


class SummarisedChains:
    """A list of chains that summarises only the slice it is asked for: a page (django.core.paginator) or
    the API's limit/offset window, each in the same two queries whatever the number of chains."""

    def __init__(self, user, chains: QuerySet):
        self.user, self.chains = user, chains

    def count(self) -> int:
        return self.chains.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return chain_summaries(self.user, self.chains[index])
        return chain_summaries(self.user, [self.chains[index]])[0]


class _Tree:
    """The subtree sets of a forest of nodes given as (id, parent_id) and the enterprises placed directly
    on each node; the topmost gaps and risks."""

    def __init__(self, rows: list[tuple[int, int | None]], direct: dict[int, set[int]]):
        ids = {pk for pk, _ in rows}
        self.parent = {pk: (parent if parent in ids else None) for pk, parent in rows}
        self.children: dict[int | None, list[int]] = {}
        for pk, _ in rows:
            self.children.setdefault(self.parent[pk], []).append(pk)
        self.subtree: dict[int, set[int]] = {}
        self.descendants: dict[int, int] = {}
        for pk in self._post_order():
            kids = self.children.get(pk, [])
            below = set(direct.get(pk, ()))
            for child in kids:
                below |= self.subtree[child]
            self.subtree[pk] = below
            self.descendants[pk] = sum(1 + self.descendants[child] for child in kids)
        self.all_enterprises: set[int] = set()
        for pk in self.children.get(None, []):
            self.all_enterprises |= self.subtree[pk]

    def _post_order(self) -> list[int]:
        order, stack = [], [(pk, False) for pk in self.children.get(None, [])]
        while stack:
            pk, done = stack.pop()
            if done:
                order.append(pk)
                continue
            stack.append((pk, True))
            stack.extend((child, False) for child in self.children.get(pk, []))
        return order

    def _parent_count(self, pk: int) -> int | None:
        parent = self.parent[pk]
        return None if parent is None else len(self.subtree[parent])

    @cached_property
    def top_gaps(self) -> list[int]:
        """Empty nodes whose parent is not empty (or that have none)."""
        return [pk for pk, below in self.subtree.items() if not below and self._parent_count(pk) != 0]

    @cached_property
    def top_risks(self) -> list[int]:
        """Single-enterprise nodes whose parent does not depend on one enterprise (or that have none)."""
        return [pk for pk, below in self.subtree.items() if len(below) == 1 and self._parent_count(pk) != 1]


# One chain's map ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class PlacedEnterprise:
    id: int
    name: str
    credit_code: str
    # Output value over the window (万元); None when it reported none or its figures are outside the scope.
    output: Decimal | None = None
    months: int = 0
    # The reader may open it (it is in their enterprise scope); the reader's own enterprise.
    visible: bool = False
    own: bool = False


@dataclass(eq=False)
class MapPlacement:
    id: int
    enterprise: PlacedEnterprise
    products: str


@dataclass(eq=False)
class MapNode:
    id: int
    name: str
    stage: str
    parent_id: int | None
    position: int
    key_products: str
    depth: int = 1
    path: list[str] = field(default_factory=list)
    parent: MapNode | None = None
    children: list[MapNode] = field(default_factory=list)
    placements: list[MapPlacement] = field(default_factory=list)
    enterprises: list[PlacedEnterprise] = field(default_factory=list)
    descendants: int = 0
    output: Decimal = ZERO
    reporting: int = 0
    # Its place among its siblings, 1 = first (positions may have holes), first and last (the move buttons).
    rank: int = 1
    is_first: bool = False
    is_last: bool = False

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def products(self) -> list[str]:
        parts = []
        for line in self.key_products.replace("，", ",").replace("、", ",").splitlines():
            parts.extend(p.strip() for p in line.split(","))
        return [p for p in parts if p]

    @property
    def count(self) -> int:
        return len(self.enterprises)

    @property
    def is_gap(self) -> bool:
        return not self.enterprises

    @property
    def is_single(self) -> bool:
        return len(self.enterprises) == 1

    @property
    def empty_children(self) -> list[MapNode]:
        return [child for child in self.children if child.is_gap]

    @property
    def empty_children_names(self) -> str:
        return "、".join(child.name for child in self.empty_children)

    @property
    def gap_kind(self) -> str:
        """ "empty": no enterprise on the node nor below it; "children": the node holds enterprises but some
        of its sub-nodes do not; "" otherwise."""
        if self.is_gap:
            return "empty"
        if self.empty_children:
            return "children"
        return ""

    @property
    def is_top_gap(self) -> bool:
        return self.is_gap and (self.parent is None or not self.parent.is_gap)

    @property
    def is_top_risk(self) -> bool:
        return self.is_single and (self.parent is None or not self.parent.is_single)

    @property
    def path_label(self) -> str:
        return " › ".join(self.path)

    @property
    def direct_count(self) -> int:
        return len(self.placements)


@dataclass(eq=False)
class StageMap:
    stage: str
    label: str
    nodes: list[MapNode]
    enterprises: list[PlacedEnterprise]
    output: Decimal = ZERO
    reporting: int = 0
    node_count: int = 0

    @property
    def count(self) -> int:
        return len(self.enterprises)


@dataclass(eq=False)
class ChainMap:
    chain: IndustryChain
    show_counts: bool
    window: tuple[date, date] | None
    stages: list[StageMap]
    nodes: list[MapNode]  # every node, in the map's order (stage, then depth first by position)
    enterprises: list[PlacedEnterprise]
    output: Decimal = ZERO
    reporting: int = 0
    figures_complete: bool = True
    leading_unplaced: list[Enterprise] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.enterprises)

    @property
    def gaps(self) -> list[MapNode]:
        return [n for n in self.nodes if n.is_top_gap] if self.show_counts else []

    @property
    def risks(self) -> list[MapNode]:
        return [n for n in self.nodes if n.is_top_risk] if self.show_counts else []

    @property
    def partial(self) -> list[MapNode]:
        """Nodes that hold enterprises but have empty sub-nodes."""
        return [n for n in self.nodes if n.gap_kind == "children"] if self.show_counts else []

    def node(self, pk: int) -> MapNode | None:
        return next((n for n in self.nodes if n.id == pk), None)


def output_window(user, enterprise_ids) -> tuple[date, date] | None:
    """The 12 months ending with the latest month, not after last month, for which one of the enterprises
    (a queryset of ids) reported an output value the user can see; None when there is none."""
    last_month = add_months(current_month(), -1)
    latest = scoped(
        user,
        MonthlyFigure.objects.filter(
            enterprise_id__in=enterprise_ids, period__lte=last_month, output_value__isnull=False
        ),
    ).aggregate(latest=Max("period"))["latest"]
    if latest is None:
        return None
    return add_months(latest, 1 - WINDOW_MONTHS), latest


def _sum(enterprises: Iterable[PlacedEnterprise]) -> tuple[Decimal, int]:
    total, reporting = ZERO, 0
    for e in enterprises:
        if e.output is not None:
            total += e.output
            reporting += 1
    return total, reporting


def _by_name(enterprises: Iterable[PlacedEnterprise]) -> list[PlacedEnterprise]:
    return sorted(enterprises, key=lambda e: (e.name, e.id))


def chain_map(chain: IndustryChain, *, user) -> ChainMap:
    """The map of `chain` as `user` reads it: every node with its placements, its subtree's distinct
    enterprises, their output value and its gap and risk marks; the stages' and the chain's totals. A fixed
    number of queries (five at most) whatever the number of nodes, placements and figures."""
    show_counts = reads_counts(user)
    node_rows = list(
        scoped(user, ChainNode.objects.filter(chain=chain))
        .order_by("position", "pk")
        .only("pk", "name", "stage", "parent_id", "position", "key_products")
    )
    placement_rows = list(
        scoped(user, ChainPlacement.objects.filter(node__chain=chain))
        .select_related("enterprise")
        .only("pk", "node_id", "products", "enterprise__id", "enterprise__name", "enterprise__credit_code")
        .order_by("enterprise__name", "pk")
    )
    placed_ids = scoped(user, ChainPlacement.objects.filter(node__chain=chain)).values("enterprise_id")

    enterprises: dict[int, PlacedEnterprise] = {}
    for row in placement_rows:
        e = row.enterprise
        if e.pk not in enterprises:
            enterprises[e.pk] = PlacedEnterprise(e.pk, e.name, e.credit_code, own=e.pk == user.enterprise_id)
    window = None
    if enterprises:
        visible = set(scoped(user, Enterprise.objects.filter(pk__in=placed_ids)).values_list("pk", flat=True))
        for e in enterprises.values():
            e.visible = e.id in visible
        if show_counts:
            window = output_window(user, placed_ids)
        if window is not None:
            sums = (
                scoped(
                    user,
                    MonthlyFigure.objects.filter(
                        enterprise_id__in=placed_ids, period__range=window, output_value__isnull=False
                    ),
                )
                .values("enterprise_id")
                .annotate(total=Sum("output_value"), months=Count("pk"))
            )
            for row in sums.order_by():
                placed = enterprises.get(row["enterprise_id"])
                if placed is not None:
                    placed.output = Decimal(row["total"]).quantize(Decimal("0.01"))
                    placed.months = row["months"]

    nodes = {n.pk: MapNode(n.pk, n.name, n.stage, n.parent_id, n.position, n.key_products) for n in node_rows}
    for row in placement_rows:
        node = nodes.get(row.node_id)
        if node is not None:
            node.placements.append(MapPlacement(row.pk, enterprises[row.enterprise_id], row.products))
    tops: dict[str, list[MapNode]] = {stage: [] for stage in Stage.values}
    for node in nodes.values():  # already in position order
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None:
            tops.setdefault(node.stage, []).append(node)
        else:
            node.parent = parent
            parent.children.append(node)

    for siblings in [*tops.values(), *(n.children for n in nodes.values())]:
        for rank, sibling in enumerate(siblings, start=1):
            sibling.rank = rank
        if siblings:
            siblings[0].is_first = siblings[-1].is_last = True

    ordered: list[MapNode] = []

    def walk(node: MapNode, depth: int, path: list[str]) -> set[int]:
        node.depth, node.path = depth, [*path, node.name]
        ordered.append(node)
        below = {p.enterprise.id for p in node.placements}
        for child in node.children:
            below |= walk(child, depth + 1, node.path)
            node.descendants += 1 + child.descendants
        node.enterprises = _by_name(enterprises[pk] for pk in below)
        node.output, node.reporting = _sum(node.enterprises)
        return below

    stages = []
    for stage in Stage.values:
        in_stage: set[int] = set()
        start = len(ordered)
        for top in tops.get(stage, []):
            in_stage |= walk(top, 1, [])
        listed = _by_name(enterprises[pk] for pk in in_stage)
        output, reporting = _sum(listed)
        stages.append(
            StageMap(stage, Stage(stage).label, tops.get(stage, []), listed, output, reporting, len(ordered) - start)
        )

    everyone = _by_name(enterprises.values())
    output, reporting = _sum(everyone)
    leading = list(chain.leading_enterprises.all())
    return ChainMap(
        chain=chain,
        show_counts=show_counts,
        window=window,
        stages=stages,
        nodes=ordered,
        enterprises=everyone,
        output=output,
        reporting=reporting,
        figures_complete=all(e.visible for e in everyone),
        leading_unplaced=[e for e in leading if e.pk not in enterprises] if show_counts else [],
    )


def node_for(*, user, pk) -> ChainNode:
    """One node in the user's scope (else 404) with its chain."""
    return get_for_user(user, ChainNode.objects.select_related("chain", "parent"), pk=pk)


def chain_nodes(*, user, chain: IndustryChain) -> list[ChainNode]:
    """The chain's nodes in map order, each with its `depth` (the parent choices of the node forms)."""
    nodes = list(scoped(user, ChainNode.objects.filter(chain=chain)).order_by("position", "pk"))
    children: dict[int | None, list[ChainNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[ChainNode] = []

    def walk(node: ChainNode, depth: int) -> None:
        node.depth = depth
        ordered.append(node)
        for child in children.get(node.pk, []):
            walk(child, depth + 1)

    for stage in Stage.values:
        for top in children.get(None, []):
            if top.stage == stage:
                walk(top, 1)
    return ordered


def enterprise_search(*, user, search: str, limit: int = 20) -> list[Enterprise]:
    """Enterprises in the user's scope whose name or credit code contains `search` (the placement and 链主
    pickers)."""
    search = search.strip()
    if not search:
        return []
    found = scoped(user, Enterprise.objects.all()).filter(
        Q(name__icontains=search) | Q(credit_code__icontains=search.upper())
    )
    return list(found.order_by("name", "pk")[:limit])
