"""Industry chains over HTTP (under /api/v1/chains): the same selectors and services as the pages.

Reading follows the data scope (staff: every chain; an enterprise user: the active ones, the map and its own
placements, no counts; outside: 404). Writing: the coordinating office creates and changes chains; the
office, the chain's chief and the users of its task-force unit change its map and placements (else 403). A
mistake answers 422 with {"detail": "field: message …"} (zhuqi/api.py's handlers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from chains.selectors import chains as selectors
from chains.services import chains as services
from core.schemas import DetailOut

router = Router(tags=["chains"])

COUNTING = (
    "A node's `enterprises` counts the distinct enterprises placed on it or below it; `output` sums their "
    "monthly output value (10k yuan) over the window (the 12 months ending with the latest month reported, "
    "never the current month), of the enterprises in your scope. `gap`: 'empty' (no enterprise on the node "
    "nor below it), 'children' (the node holds enterprises but some sub-nodes do not) or ''. `single`: the "
    "node depends on exactly one enterprise. Counts are null for enterprise users."
)


class UserRef(Schema):
    id: int
    name: str


class UnitRef(Schema):
    id: int
    name: str


class EnterpriseRef(Schema):
    id: int
    name: str
    credit_code: str


def _user(user):
    return None if user is None else {"id": user.pk, "name": user.get_full_name()}


def _unit(unit):
    return None if unit is None else {"id": unit.pk, "name": unit.name}


class ChainOut(Schema):
    id: int
    name: str
    description: str
    chief: UserRef | None
    task_force: UnitRef | None
    leading_enterprises: list[EnterpriseRef]
    liaison_name: str
    liaison_phone: str
    is_active: bool
    sort_order: int
    nodes: int
    enterprises: int | None
    gaps: int | None
    risks: int | None

    @staticmethod
    def resolve_chief(obj):
        return _user(obj.chief)

    @staticmethod
    def resolve_task_force(obj):
        return _unit(obj.task_force)

    @staticmethod
    def resolve_leading_enterprises(obj):
        return list(obj.leading_enterprises.all())

    @staticmethod
    def resolve_enterprises(obj):
        return obj.enterprises if obj.counted else None

    @staticmethod
    def resolve_gaps(obj):
        return obj.gaps if obj.counted else None

    @staticmethod
    def resolve_risks(obj):
        return obj.risks if obj.counted else None


class PlacedOut(Schema):
    id: int
    name: str
    credit_code: str
    output: Decimal | None
    months_reported: int


class PlacementOut(Schema):
    id: int
    enterprise: PlacedOut
    products: str


class NodeOut(Schema):
    id: int
    name: str
    stage: str
    parent_id: int | None
    position: int
    depth: int
    path: list[str]
    key_products: str
    placements: list[PlacementOut]
    enterprises: int | None
    enterprise_ids: list[int] | None
    output: Decimal | None
    reporting: int | None
    gap: str | None
    empty_children: list[int] | None
    single: bool | None


class StageOut(Schema):
    stage: str
    label: str
    nodes: int
    enterprises: int | None
    output: Decimal | None


class GapOut(Schema):
    node_id: int
    path: list[str]
    stage: str
    sub_nodes: int
    parent_has_enterprises: bool


class RiskOut(Schema):
    node_id: int
    path: list[str]
    stage: str
    sub_nodes: int
    enterprise: EnterpriseRef


class ChainDetailOut(ChainOut):
    can_edit_map: bool
    window_from: dt.date | None
    window_to: dt.date | None
    output: Decimal | None
    reporting: int | None
    figures_complete: bool | None
    leading_unplaced: list[EnterpriseRef]
    stages: list[StageOut]
    map: list[NodeOut]
    gap_list: list[GapOut]
    risk_list: list[RiskOut]


class ChainIn(Schema):
    """Every field optional: on create the service names the missing name; on PATCH only the fields sent
    change. chief: a user id (a leader); task_force: a unit id; leading_enterprises: enterprise ids."""

    name: str | None = None
    description: str | None = None
    chief: int | None = None
    task_force: int | None = None
    leading_enterprises: list[int] | None = None
    liaison_name: str | None = None
    liaison_phone: str | None = None
    is_active: bool | None = None
    sort_order: int | None = None


class NodeIn(Schema):
    name: str = ""
    stage: str | None = None
    parent: int | None = None
    key_products: str = ""


class NodePatchIn(Schema):
    name: str | None = None
    stage: str | None = None
    parent: int | None = None
    key_products: str | None = None
    position: int | None = None


class NodeBriefOut(Schema):
    id: int
    chain_id: int
    name: str
    stage: str
    parent_id: int | None
    position: int
    key_products: str


class PlacementIn(Schema):
    enterprise_id: int | None = None
    credit_code: str = ""
    products: str = ""


class PlacementCreatedOut(Schema):
    id: int
    node_id: int
    enterprise: EnterpriseRef
    products: str
    placed_at: dt.datetime


def _placed(e: selectors.PlacedEnterprise, counted: bool) -> dict:
    return {
        "id": e.id,
        "name": e.name,
        "credit_code": e.credit_code,
        "output": e.output if counted else None,
        "months_reported": e.months if counted else 0,
    }


def _node(n: selectors.MapNode, counted: bool) -> dict:
    return {
        "id": n.id,
        "name": n.name,
        "stage": n.stage,
        "parent_id": n.parent_id,
        "position": n.rank,
        "depth": n.depth,
        "path": n.path,
        "key_products": n.key_products,
        "placements": [
            {"id": p.id, "enterprise": _placed(p.enterprise, counted), "products": p.products} for p in n.placements
        ],
        "enterprises": n.count if counted else None,
        "enterprise_ids": [e.id for e in n.enterprises] if counted else None,
        "output": n.output if counted else None,
        "reporting": n.reporting if counted else None,
        "gap": n.gap_kind if counted else None,
        "empty_children": [c.id for c in n.empty_children] if counted else None,
        "single": n.is_single if counted else None,
    }


def _detail(request, chain_id: int) -> selectors.ChainSummary:
    chain = selectors.chain_for(user=request.user, pk=chain_id)
    chain_map = selectors.chain_map(chain, user=request.user)
    counted = chain_map.show_counts
    summary = selectors.ChainSummary(chain, nodes=len(chain_map.nodes), counted=counted)
    if counted:
        summary.enterprises, summary.gaps, summary.risks = (
            chain_map.count,
            len(chain_map.gaps),
            len(chain_map.risks),
        )
    extra = {
        "can_edit_map": services.can_edit_map(request.user, chain),
        "window_from": chain_map.window[0] if chain_map.window else None,
        "window_to": chain_map.window[1] if chain_map.window else None,
        "output": chain_map.output if counted else None,
        "reporting": chain_map.reporting if counted else None,
        "figures_complete": chain_map.figures_complete if counted else None,
        "leading_unplaced": [
            {"id": e.pk, "name": e.name, "credit_code": e.credit_code} for e in chain_map.leading_unplaced
        ],
        "stages": [
            {
                "stage": s.stage,
                "label": str(s.label),
                "nodes": s.node_count,
                "enterprises": s.count if counted else None,
                "output": s.output if counted else None,
            }
            for s in chain_map.stages
        ],
        "map": [_node(n, counted) for n in chain_map.nodes],
        "gap_list": [
            {
                "node_id": n.id,
                "path": n.path,
                "stage": n.stage,
                "sub_nodes": n.descendants,
                "parent_has_enterprises": n.parent is not None,
            }
            for n in chain_map.gaps
        ],
        "risk_list": [
            {
                "node_id": n.id,
                "path": n.path,
                "stage": n.stage,
                "sub_nodes": n.descendants,
                "enterprise": {
                    "id": n.enterprises[0].id,
                    "name": n.enterprises[0].name,
                    "credit_code": n.enterprises[0].credit_code,
                },
            }
            for n in chain_map.risks
        ],
    }
    for name, value in extra.items():
        setattr(summary, name, value)
    return summary


@router.get(
    "chains",
    response=list[ChainOut],
    summary="The industry chains in your scope, with their counts and gaps",
    description="Staff read every chain; an enterprise user the active ones (without counts). Filters: q (in the "
    "name), active (1 or 0). enterprises: distinct enterprises placed; gaps: topmost nodes with no enterprise "
    "on them or below; risks: topmost nodes that depend on one enterprise.",
)
@paginate
def list_chains(request, q: str = "", active: str = ""):
    chains = selectors.chain_list(user=request.user, search=q.strip()[:60], active=active)
    return selectors.SummarisedChains(request.user, chains)


@router.post(
    "chains",
    response={201: ChainDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Create a chain — coordinating office",
)
def create_chain(request, payload: ChainIn):
    chain = services.chain_save(actor=request.user, **payload.dict(exclude_unset=True))
    return Status(201, _detail(request, chain.pk))


@router.get(
    "chains/{int:chain_id}",
    response=ChainDetailOut,
    summary="One chain with its map, counts, output value and gaps",
    description=COUNTING,
)
def get_chain(request, chain_id: int):
    return _detail(request, chain_id)


@router.patch(
    "chains/{int:chain_id}",
    response={200: ChainDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Change a chain's details — coordinating office",
    description="Only the fields sent change.",
)
def update_chain(request, chain_id: int, payload: ChainIn):
    services.chain_save(actor=request.user, chain_id=chain_id, **payload.dict(exclude_unset=True))
    return _detail(request, chain_id)


@router.post(
    "chains/{int:chain_id}/nodes",
    response={201: NodeBriefOut, 403: DetailOut, 422: DetailOut},
    summary="Add a node to a chain's map — office, chain chief, task-force unit",
    description="A top node of `stage`, or a sub-node of `parent` (a node id of the same chain) that takes its "
    "parent's stage; the name is unique among its siblings; it goes at the end of its siblings.",
)
def add_node(request, chain_id: int, payload: NodeIn):
    node = services.node_add(actor=request.user, chain_id=chain_id, **payload.dict())
    return Status(201, node)


@router.patch(
    "chains/nodes/{int:node_id}",
    response={200: NodeBriefOut, 403: DetailOut, 422: DetailOut},
    summary="Change, move or reorder a node — office, chain chief, task-force unit",
    description="Only the fields sent change. parent: null makes it a top node of its stage; position: its "
    "place among its siblings (1 = first). A top node's new stage moves its sub-nodes with it.",
)
def update_node(request, node_id: int, payload: NodePatchIn):
    return services.node_update(actor=request.user, node_id=node_id, **payload.dict(exclude_unset=True))


@router.delete(
    "chains/nodes/{int:node_id}",
    response={204: None, 403: DetailOut, 422: DetailOut},
    summary="Delete a node without placements or sub-nodes",
)
def delete_node(request, node_id: int):
    services.node_delete(actor=request.user, node_id=node_id)
    return Status(204, None)


@router.post(
    "chains/nodes/{int:node_id}/placements",
    response={201: PlacementCreatedOut, 403: DetailOut, 422: DetailOut},
    summary="Place an enterprise on a node — office, chain chief, task-force unit",
    description="enterprise_id, or credit_code, of an enterprise in your scope; once per node.",
)
def add_placement(request, node_id: int, payload: PlacementIn):
    placement = services.placement_add(actor=request.user, node_id=node_id, **payload.dict())
    return Status(201, placement)


@router.delete(
    "chains/placements/{int:placement_id}",
    response={204: None, 403: DetailOut, 422: DetailOut},
    summary="Take an enterprise off a node",
)
def delete_placement(request, placement_id: int):
    services.placement_delete(actor=request.user, placement_id=placement_id)
    return Status(204, None)
