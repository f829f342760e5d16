"""Industry chains (产业链, issue 7 item 1): a chain with its chief (链长), chain-leading enterprises (链主),
task-force unit (专班) and liaison; its map of nodes (upstream / midstream / downstream, nested); the
enterprises placed on the nodes.

Who writes:
- the coordinating office: everything (creates chains, edits their fields, their map and placements);
- the chain's chief (a user holding the leader role) and the unit heads and unit handlers of the chain's
  task-force unit: that chain's map (nodes) and its placements — not the chain's own fields, not other
  chains, and no new chains;
- everyone else: nobody (PermissionDenied → 403).

Reading follows chains/scope_rules.py: a chain outside the reader's scope (an inactive chain for an enterprise
user) answers 404 before any permission is checked.

The rules of the map, checked here whatever the caller (pages, API, commands):
- a node's parent is a node of the same chain; a sub-node keeps its parent's stage (it inherits it when no
  stage is given; changing a top node's stage moves its whole subtree with it); a node is never moved under
  itself or its own sub-nodes; a map is at most MAX_DEPTH levels deep;
- a node's name is unique among its siblings (the top nodes of one stage are siblings);
- positions number the siblings 1, 2, 3 … and are renumbered on every add, move and delete;
- a node with placements or sub-nodes is not deleted (the message says what to remove first);
- an enterprise is placed on a node at most once, and only an enterprise the actor can see.
Each change runs in one transaction with the chain's row locked, so two editors of one map take turns.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scope import get_for_user, has_role, is_office, scoped
from chains.models import ChainNode, ChainPlacement, IndustryChain
from core.validation import FieldErrors, clean_text
from enterprises.models import Enterprise, mobile_or_landline

Stage = ChainNode.Stage

# The fields chain_save accepts.
CHAIN_FIELDS = (
    "name",
    "description",
    "chief",
    "task_force",
    "leading_enterprises",
    "liaison_name",
    "liaison_phone",
    "is_active",
    "sort_order",
)
NODE_FIELDS = ("name", "stage", "parent", "key_products", "position")
MAX_DEPTH = 6
MAX_LEADING = 20
DESCRIPTION_LIMIT = 4000
KEY_PRODUCTS_LIMIT = 2000
MAX_SORT_ORDER = 32767
# The roles of a task-force unit's users who may edit the unit's chains' maps.
TASK_FORCE_ROLES = (Role.UNIT_HEAD, Role.UNIT_HANDLER)


# Who may write -------------------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def can_manage_chains(user) -> bool:
    """Create chains and change their own fields (name, chief, task force, 链主, liaison, active)."""
    return _active(user) and is_office(user)


def is_chain_chief(user, chain: IndustryChain) -> bool:
    return _active(user) and chain.chief_id is not None and chain.chief_id == user.pk and has_role(user, Role.LEADER)


def is_task_force_user(user, chain: IndustryChain) -> bool:
    return (
        _active(user)
        and chain.task_force_id is not None
        and user.unit_id == chain.task_force_id
        and has_role(user, *TASK_FORCE_ROLES)
    )


def can_edit_map(user, chain: IndustryChain) -> bool:
    """Add, change, move and delete the chain's nodes; place enterprises on them and remove them."""
    return can_manage_chains(user) or is_chain_chief(user, chain) or is_task_force_user(user, chain)


def _require_manager(actor) -> None:
    if not can_manage_chains(actor):
        raise PermissionDenied(_("Only the coordinating office creates chains and changes their details."))


def _require_map_editor(actor, chain: IndustryChain) -> None:
    if not can_edit_map(actor, chain):
        raise PermissionDenied(
            _(
                "Only the coordinating office, the chain's chief and the users of its task-force unit may change "
                "the map of this chain."
            )
        )


def _locked_chain(chain_id: int) -> IndustryChain:
    """The chain's row, locked until the transaction ends (the caller has checked scope and permission)."""
    return IndustryChain.objects.select_for_update().get(pk=chain_id)


def _chain_for_map(actor, chain_id) -> IndustryChain:
    """The chain in the actor's scope (else 404), the actor allowed to edit its map (else 403), locked."""
    chain = get_for_user(actor, IndustryChain, pk=chain_id)
    _require_map_editor(actor, chain)
    return _locked_chain(chain.pk)


def _node_for_map(actor, node_id) -> tuple[IndustryChain, ChainNode]:
    node = get_for_user(actor, ChainNode.objects.select_related("chain"), pk=node_id)
    _require_map_editor(actor, node.chain)
    chain = _locked_chain(node.chain_id)
    return chain, ChainNode.objects.select_for_update().get(pk=node.pk)


# Checking the fields -------------------------------------------------------------------------------------


def _pk(value, model):
    """An id from an int, a digit string or an instance of `model`; None when blank; False when malformed."""
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value.pk
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return False


def _limit(errors: FieldErrors, field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.add(field, _("At most %(n)d characters; this has %(length)d.") % {"n": limit, "length": len(value)})


def _chief(errors: FieldErrors, value) -> User | None:
    pk = _pk(value, User)
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first() if pk is not False else None
    if user is None:
        errors.add("chief", _("No active user has the id %(value)s.") % {"value": value})
        return None
    if not user.role_grants.filter(role=Role.LEADER).exists():
        errors.add(
            "chief",
            _("%(name)s does not hold the leader role: the chain chief (链长) is a leader.")
            % {"name": user.get_full_name()},
        )
        return None
    return user


def _task_force(errors: FieldErrors, value) -> Unit | None:
    pk = _pk(value, Unit)
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk).first() if pk is not False else None
    if unit is None:
        errors.add("task_force", _("No unit has the id %(value)s.") % {"value": value})
        return None
    if not unit.is_active:
        errors.add("task_force", _("The unit %(name)s is no longer active.") % {"name": unit.name})
        return None
    return unit


def _leading(errors: FieldErrors, actor, values) -> list[Enterprise]:
    if isinstance(values, str | int) or values is None:
        values = [] if values in (None, "") else [values]
    wanted = []
    for value in values:
        pk = _pk(value, Enterprise)
        if pk in (None, False):
            errors.add("leading_enterprises", _("“%(value)s” is not an enterprise id.") % {"value": value})
        else:
            wanted.append(pk)
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_LEADING:
        errors.add("leading_enterprises", _("At most %(n)d chain-leading enterprises.") % {"n": MAX_LEADING})
        return []
    found = {e.pk: e for e in scoped(actor, Enterprise.objects.filter(pk__in=wanted))}
    for pk in wanted:
        if pk not in found:
            errors.add("leading_enterprises", _("No enterprise in your scope has the id %(value)s.") % {"value": pk})
    return [found[pk] for pk in wanted if pk in found]


def _bool(errors: FieldErrors, field: str, value) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", "on", 1):
        return True
    if value in ("false", "0", "", 0, None):
        return False
    errors.add(field, _("Answer yes or no."))
    return None


def clean_chain(actor, values: dict, *, current: IndustryChain | None = None) -> dict:
    """Every field of a chain checked at once: the cleaned values, or ValidationError keyed by field."""
    errors = FieldErrors()
    unknown = sorted(set(values) - set(CHAIN_FIELDS))
    if unknown:
        errors.add("__all__", _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    cleaned: dict = {}
    if "name" in values or current is None:
        name = clean_text(values.get("name"))
        if not name:
            errors.add("name", _("Give the chain a name."))
        else:
            _limit(errors, "name", name, 60)
            others = IndustryChain.objects.filter(name=name)
            if current is not None:
                others = others.exclude(pk=current.pk)
            if others.exists():
                errors.add("name", _("A chain named “%(name)s” already exists.") % {"name": name})
        cleaned["name"] = name
    if "description" in values:
        cleaned["description"] = clean_text(values["description"])
        _limit(errors, "description", cleaned["description"], DESCRIPTION_LIMIT)
    if "chief" in values:
        cleaned["chief"] = _chief(errors, values["chief"])
    if "task_force" in values:
        cleaned["task_force"] = _task_force(errors, values["task_force"])
    if "leading_enterprises" in values:
        cleaned["leading_enterprises"] = _leading(errors, actor, values["leading_enterprises"])
    if "liaison_name" in values:
        cleaned["liaison_name"] = clean_text(values["liaison_name"])
        _limit(errors, "liaison_name", cleaned["liaison_name"], 40)
    if "liaison_phone" in values:
        phone = clean_text(values["liaison_phone"]).replace(" ", "").replace("\u3000", "")
        if phone:
            try:
                mobile_or_landline(phone)
            except ValidationError as error:
                for message in error.messages:
                    errors.add("liaison_phone", message)
        cleaned["liaison_phone"] = phone
    if "is_active" in values:
        cleaned["is_active"] = _bool(errors, "is_active", values["is_active"])
    if "sort_order" in values:
        order = values["sort_order"]
        if order in (None, ""):
            cleaned["sort_order"] = 0
        elif (
            isinstance(order, bool)
            or not (isinstance(order, int) or (isinstance(order, str) and order.isdigit()))
            or not 0 <= int(order) <= MAX_SORT_ORDER
        ):
            errors.add("sort_order", _("The sort order is a whole number from 0 to %(n)d.") % {"n": MAX_SORT_ORDER})
        else:
            cleaned["sort_order"] = int(order)
    liaison_name = cleaned.get("liaison_name", current.liaison_name if current else "")
    if cleaned.get("liaison_phone") and not liaison_name and "liaison_phone" not in errors:
        errors.add("liaison_name", _("Name the liaison who answers this phone."))
    errors.raise_if_any()
    return cleaned


# Chains ----------------------------------------------------------------------------------------------------


@transaction.atomic
def chain_save(*, actor, chain_id: int | None = None, **fields) -> IndustryChain:
    """Create a chain (chain_id None) or change one: only the fields given change. `chief`: a user id (a
    leader); `task_force`: a unit id; `leading_enterprises`: enterprise ids in the actor's scope (any
    enterprise: a 链主 need not be placed on the map — the chain's page says when it is not)."""
    _require_manager(actor)
    chain = None
    if chain_id is not None:
        get_for_user(actor, IndustryChain, pk=chain_id)
        chain = _locked_chain(chain_id)
    cleaned = clean_chain(actor, fields, current=chain)
    leading = cleaned.pop("leading_enterprises", None)
    if chain is None:
        chain = IndustryChain()
    for name, value in cleaned.items():
        setattr(chain, name, value)
    chain.save()
    if leading is not None:
        chain.leading_enterprises.set(leading)
    return chain


# The map -----------------------------------------------------------------------------------------------------


def _chain_nodes(chain: IndustryChain) -> dict[int, ChainNode]:
    return {n.pk: n for n in ChainNode.objects.filter(chain=chain).order_by("position", "pk")}


def _children_of(nodes: dict[int, ChainNode]) -> dict[int | None, list[ChainNode]]:
    children: dict[int | None, list[ChainNode]] = {}
    for node in nodes.values():
        children.setdefault(node.parent_id, []).append(node)
    return children


def _subtree_ids(node_id: int, children: dict[int | None, list[ChainNode]]) -> list[int]:
    found, stack = [], [node_id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(child.pk for child in children.get(current, []))
    return found


def _depth(node: ChainNode | None, nodes: dict[int, ChainNode]) -> int:
    """1 for a top node, 2 for its children … (0 for None: the stage itself)."""
    depth = 0
    while node is not None:
        depth += 1
        node = nodes.get(node.parent_id) if node.parent_id else None
    return depth


def _height(node_id: int, children: dict[int | None, list[ChainNode]]) -> int:
    below = [_height(child.pk, children) for child in children.get(node_id, [])]
    return 1 + max(below, default=0)


def _siblings(nodes: dict[int, ChainNode], parent_id: int | None, stage: str, *, exclude: int | None = None):
    return sorted(
        (
            n
            for n in nodes.values()
            if n.parent_id == parent_id and (parent_id is not None or n.stage == stage) and n.pk != exclude
        ),
        key=lambda n: (n.position, n.pk),
    )


def _renumber(ordered: list[ChainNode]) -> None:
    changed = []
    for position, node in enumerate(ordered, start=1):
        if node.position != position:
            node.position = position
            changed.append(node)
    if changed:
        ChainNode.objects.bulk_update(changed, ["position"])


def _clean_node(
    values: dict, *, chain: IndustryChain, nodes: dict[int, ChainNode], current: ChainNode | None
) -> tuple[dict, ChainNode | None]:
    """The cleaned name, stage, parent and key products (those given, or all on create) and the new parent;
    ValidationError keyed by field."""
    errors = FieldErrors()
    unknown = sorted(set(values) - set(NODE_FIELDS))
    if unknown:
        errors.add("__all__", _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    cleaned: dict = {}
    creating = current is None

    # The parent: a node of the same chain, not the node itself nor below it.
    parent = nodes.get(current.parent_id) if current is not None and current.parent_id else None
    if "parent" in values:
        pk = _pk(values["parent"], ChainNode)
        if pk is None:
            parent = None
        elif pk is False or pk not in nodes:
            errors.add("parent", _("The parent must be a node of this chain."))
        elif current is not None and pk in _subtree_ids(current.pk, _children_of(nodes)):
            errors.add("parent", _("A node cannot be placed under itself or one of its own sub-nodes."))
        else:
            parent = nodes[pk]
        cleaned["parent"] = parent

    # The stage: a sub-node keeps its parent's.
    stage = current.stage if current is not None else None
    if "stage" in values and values["stage"] not in (None, ""):
        stage = clean_text(values["stage"])
        if stage not in Stage.values:
            errors.add(
                "stage",
                _("Unknown stage “%(value)s”: use one of %(allowed)s.")
                % {"value": stage, "allowed": ", ".join(Stage.values)},
            )
            stage = None
        elif parent is not None and stage != parent.stage and "parent" not in errors:
            errors.add(
                "stage",
                _("A sub-node keeps the stage of its parent “%(parent)s” (%(stage)s).")
                % {"parent": parent.name, "stage": Stage(parent.stage).label},
            )
    elif parent is not None:
        stage = parent.stage
    if stage is None and "stage" not in errors and "parent" not in errors:
        errors.add("stage", _("Choose the stage: upstream, midstream or downstream."))
    if parent is not None and "parent" not in errors:
        stage = parent.stage
    cleaned["stage"] = stage

    if "name" in values or creating:
        name = clean_text(values.get("name"))
        if not name:
            errors.add("name", _("Give the node a name."))
        else:
            _limit(errors, "name", name, 60)
        cleaned["name"] = name
    name = cleaned.get("name", current.name if current else "")
    if name and stage and "parent" not in errors:
        parent_id = parent.pk if parent else None
        clash = [
            n for n in _siblings(nodes, parent_id, stage, exclude=current.pk if current else None) if n.name == name
        ]
        if clash:
            if parent is None:
                message = _("The %(stage)s stage already has a top node named “%(name)s”.") % {
                    "stage": Stage(stage).label,
                    "name": name,
                }
            else:
                message = _("“%(parent)s” already has a sub-node named “%(name)s”.") % {
                    "parent": parent.name,
                    "name": name,
                }
            errors.add("name", message)

    if "key_products" in values or creating:
        products = "\n".join(
            line.strip() for line in clean_text(values.get("key_products")).splitlines() if line.strip()
        )
        _limit(errors, "key_products", products, KEY_PRODUCTS_LIMIT)
        cleaned["key_products"] = products

    if "parent" not in errors and parent is not None:
        children = _children_of(nodes)
        height = _height(current.pk, children) if current is not None else 1
        if _depth(parent, nodes) + height > MAX_DEPTH:
            errors.add("parent", _("A chain's map is at most %(n)d levels deep below its stages.") % {"n": MAX_DEPTH})
    errors.raise_if_any()
    return cleaned, parent


def _position(value, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        else:
            raise ValidationError({"position": [_("The position is a whole number.")]})
    if not 1 <= value <= count:
        raise ValidationError({"position": [_("The position must be between 1 and %(n)d.") % {"n": count}]})
    return value


@transaction.atomic
def node_add(
    *, actor, chain_id: int, name: str, stage: str | None = None, parent=None, key_products: str = ""
) -> ChainNode:
    """A node at the end of its siblings: a top node of `stage`, or a sub-node of `parent` (a node id of the
    same chain) that takes its parent's stage."""
    chain = _chain_for_map(actor, chain_id)
    nodes = _chain_nodes(chain)
    cleaned, parent_node = _clean_node(
        {"name": name, "stage": stage, "parent": parent, "key_products": key_products},
        chain=chain,
        nodes=nodes,
        current=None,
    )
    siblings = _siblings(nodes, parent_node.pk if parent_node else None, cleaned["stage"])
    last = max((n.position for n in siblings), default=0)
    return ChainNode.objects.create(chain=chain, position=last + 1, **cleaned)


@transaction.atomic
def node_update(*, actor, node_id: int, **fields) -> ChainNode:
    """Change a node: only the fields given (name, stage, parent, key_products, position). A new parent puts
    the node at the end of its new siblings (unless a position is given) and its subtree takes the parent's
    stage; a top node's new stage moves its whole subtree with it."""
    chain, node = _node_for_map(actor, node_id)
    nodes = _chain_nodes(chain)
    node = nodes[node.pk]
    position = fields.pop("position", None)
    cleaned, parent = _clean_node(fields, chain=chain, nodes=nodes, current=node)
    old_parent_id, old_stage = node.parent_id, node.stage
    new_parent_id = parent.pk if parent else None
    moved = new_parent_id != old_parent_id or (new_parent_id is None and cleaned["stage"] != old_stage)
    for name in ("name", "key_products"):
        if name in cleaned:
            setattr(node, name, cleaned[name])
    node.parent = parent
    node.stage = cleaned["stage"]
    if moved:
        node.position = (
            max((n.position for n in _siblings(nodes, new_parent_id, node.stage, exclude=node.pk)), default=0) + 1
        )
    node.save()
    if node.stage != old_stage:
        below = [pk for pk in _subtree_ids(node.pk, _children_of(nodes)) if pk != node.pk]
        ChainNode.objects.filter(pk__in=below).update(stage=node.stage)
        for pk in below:
            nodes[pk].stage = node.stage
    if moved:
        _renumber(_siblings(nodes, old_parent_id, old_stage, exclude=node.pk))
    if position is not None:
        _move(nodes, node, position)
    node.refresh_from_db()
    return node


def _move(nodes: dict[int, ChainNode], node: ChainNode, position) -> None:
    siblings = _siblings(nodes, node.parent_id, node.stage, exclude=node.pk)
    position = _position(position, len(siblings) + 1)
    siblings.insert(position - 1, node)
    _renumber(siblings)


@transaction.atomic
def node_move(*, actor, node_id: int, position: int) -> ChainNode:
    """Put a node at `position` among its siblings (1 = first); the others shift."""
    chain, node = _node_for_map(actor, node_id)
    nodes = _chain_nodes(chain)
    _move(nodes, nodes[node.pk], position)
    node.refresh_from_db()
    return node


@transaction.atomic
def node_delete(*, actor, node_id: int) -> None:
    """Delete a node that has neither enterprises placed on it nor sub-nodes; its siblings close up."""
    chain, node = _node_for_map(actor, node_id)
    placed = ChainPlacement.objects.filter(node=node).count()
    children = ChainNode.objects.filter(parent=node).count()
    problems = []
    if placed:
        problems.append(
            _("%(n)d enterprise(s) are placed on it: remove them first (or place them on another node).")
            % {"n": placed}
        )
    if children:
        problems.append(_("It has %(n)d sub-node(s): delete or move them first.") % {"n": children})
    if problems:
        raise ValidationError(
            _("The node “%(name)s” cannot be deleted. %(reasons)s") % {"name": node.name, "reasons": " ".join(problems)}
        )
    parent_id, stage = node.parent_id, node.stage
    node.delete()
    _renumber(_siblings(_chain_nodes(chain), parent_id, stage))


# Placements ------------------------------------------------------------------------------------------------


def _enterprise(actor, enterprise_id, credit_code) -> Enterprise:
    visible = scoped(actor, Enterprise.objects.all())
    pk = _pk(enterprise_id, Enterprise)
    code = clean_text(credit_code).upper()
    if pk is None and not code:
        raise ValidationError({"enterprise": [_("Choose the enterprise to place on the node.")]})
    if pk is False:
        raise ValidationError({"enterprise": [_("“%(value)s” is not an enterprise id.") % {"value": enterprise_id}]})
    found = visible.filter(pk=pk).first() if pk is not None else visible.filter(credit_code=code).first()
    if found is None:
        raise ValidationError(
            {
                "enterprise": [
                    _("No enterprise in your scope has this id or credit code: search by name or credit code.")
                ]
            }
        )
    return found


@transaction.atomic
def placement_add(
    *, actor, node_id: int, enterprise_id=None, credit_code: str = "", products: str = ""
) -> ChainPlacement:
    """Place an enterprise the actor can see (by id, or by its credit code) on a node, with what it makes
    there. An enterprise is on a node once; it may be on several nodes of a chain."""
    _chain, node = _node_for_map(actor, node_id)
    enterprise = _enterprise(actor, enterprise_id, credit_code)
    products = clean_text(products)
    if len(products) > 200:
        raise ValidationError(
            {"products": [_("At most %(n)d characters; this has %(length)d.") % {"n": 200, "length": len(products)}]}
        )
    if ChainPlacement.objects.filter(node=node, enterprise=enterprise).exists():
        raise ValidationError(
            {
                "enterprise": [
                    _("%(name)s is already placed on “%(node)s”.") % {"name": enterprise.name, "node": node.name}
                ]
            }
        )
    return ChainPlacement.objects.create(node=node, enterprise=enterprise, products=products, placed_by=actor)


@transaction.atomic
def placement_delete(*, actor, placement_id: int) -> None:
    """Take an enterprise off a node."""
    placement = get_for_user(actor, ChainPlacement.objects.select_related("node__chain"), pk=placement_id)
    _require_map_editor(actor, placement.node.chain)
    _locked_chain(placement.node.chain_id)
    ChainPlacement.objects.filter(pk=placement.pk).delete()
