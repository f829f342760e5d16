"""The industry-chain pages: the list of chains with their counts and gaps, creating and editing a chain
(the coordinating office), the chain's page with its map drawn as an ECharts tree and the same data as a
table, the gaps (补链 targets) and single-enterprise risks, the Excel export of the map, and editing the map
(nodes, their order, the enterprises placed on them).

Every staff role reads every chain; an enterprise user reads the active chains (the map, and where its own
enterprise sits). The office writes everything; the chain's chief and the users of its task-force unit
write that chain's map (chains.services.chains); anyone else gets 403 on the writing pages."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, scoped
from chains.forms import chains as forms
from chains.models import ChainPlacement, IndustryChain
from chains.selectors import chains as selectors
from chains.services import chains as services
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.permissions import role_required
from enterprises.models import Enterprise

EVERYONE = tuple(Role.values)
PAGE_SIZE = 30
COLOURS = {"gap": "#b42318", "single": "#b45309", "children": "#a16207", "ok": "#1d4ed8", "own": "#15803d"}


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


# The list --------------------------------------------------------------------------------------------------


@role_required(*EVERYONE)
def chain_list(request):
    search = request.GET.get("q", "").strip()[:60]
    active = request.GET.get("active", "")
    chains = selectors.chain_list(user=request.user, search=search, active=active)
    page = paginate(request, selectors.SummarisedChains(request.user, chains), PAGE_SIZE)
    return render(
        request,
        "chains/chains/chain_list.html",
        {
            "page": page,
            "search": search,
            "active": active,
            "show_counts": selectors.reads_counts(request.user),
            "can_manage": services.can_manage_chains(request.user),
        },
    )


# Creating and editing a chain ------------------------------------------------------------------------------


def _picker(request, chosen_ids: list[int], search: str = "") -> dict:
    """The chain-leading enterprises picker: those chosen (in scope) first, then the search results."""
    chosen = list(scoped(request.user, Enterprise.objects.filter(pk__in=chosen_ids[:50])).order_by("name"))
    chosen_pks = {e.pk for e in chosen}
    results = [e for e in selectors.enterprise_search(user=request.user, search=search) if e.pk not in chosen_pks]
    return {"chosen": chosen, "results": results, "q": search, "mode": "leading"}


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).strip().isdigit()]


TYPED = ("name", "description", "chief", "task_force", "liaison_name", "liaison_phone", "is_active", "sort_order")


def _chain_form_page(request, form, chain=None):
    if request.method == "POST":
        chosen_ids = _ids(request.POST.getlist("leading_enterprises"))
    elif "q" in request.GET:  # the search button without JavaScript sends the whole form by GET
        chosen_ids = _ids(request.GET.getlist("leading_enterprises"))
    else:
        chosen_ids = list(form.initial.get("leading_enterprises") or [])
    return render(
        request,
        "chains/chains/chain_form.html",
        {"form": form, "chain": chain, **_picker(request, chosen_ids, request.GET.get("q", "").strip()[:60])},
    )


def _typed(request) -> dict:
    return {name: request.GET[name] for name in TYPED if name in request.GET}


def _save_chain(request, form, chain_id=None):
    try:
        return services.chain_save(actor=request.user, chain_id=chain_id, **form.service_fields())
    except ValidationError as error:
        form.apply_errors(error)
        return None


@role_required(Role.OFFICE)
def chain_create(request):
    if request.method == "POST":
        form = forms.ChainForm(request.POST)
        if form.is_valid():
            chain = _save_chain(request, form)
            if chain is not None:
                messages.success(
                    request, _("The chain “%(name)s” is created: now draw its map.") % {"name": chain.name}
                )
                return redirect("chain_detail", chain.pk)
    else:
        form = forms.ChainForm(initial=_typed(request))
    return _chain_form_page(request, form)


@role_required(Role.OFFICE)
def chain_edit(request, pk):
    chain = selectors.chain_for(user=request.user, pk=pk)
    if request.method == "POST":
        form = forms.ChainForm(request.POST)
        if form.is_valid() and _save_chain(request, form, chain.pk) is not None:
            messages.success(request, _("The chain “%(name)s” is saved.") % {"name": form.cleaned_data["name"]})
            return redirect("chain_detail", chain.pk)
    elif "q" in request.GET:
        form = forms.ChainForm(initial=_typed(request))
    else:
        form = forms.ChainForm(initial=forms.ChainForm.initial_for(chain))
    return _chain_form_page(request, form, chain)


@role_required(*STAFF_ROLES)
def chain_enterprise_search(request, pk):
    """The HTMX fragment of the pickers: ?mode=leading (the chain form's 链主 checkboxes, chosen kept) or
    ?mode=place (a node's placement radio buttons). Only for those who may write the chain."""
    chain = selectors.chain_for(user=request.user, pk=pk) if pk else None
    mode = request.GET.get("mode", "place")
    search = request.GET.get("q", "").strip()[:60]
    if mode == "leading":
        if not services.can_manage_chains(request.user):
            raise PermissionDenied(_("Only the coordinating office creates chains and changes their details."))
        context = _picker(request, _ids(request.GET.getlist("leading_enterprises")), search)
    else:
        if chain is None or not services.can_edit_map(request.user, chain):
            raise PermissionDenied(_("You may not change the map of this chain."))
        context = {"results": selectors.enterprise_search(user=request.user, search=search), "q": search}
        context["mode"] = "place"
    return render(request, "chains/chains/_enterprise_results.html", context)


# The chain's page ------------------------------------------------------------------------------------------


def _chart_node(node: selectors.MapNode, chain_map: selectors.ChainMap, can_edit: bool) -> dict:
    if chain_map.show_counts:
        status = "gap" if node.is_gap else "single" if node.is_single else "children" if node.gap_kind else "ok"
        label = _("%(n)d enterprises · %(output)s (10k yuan)") % {"n": node.count, "output": _money(node.output)}
    else:
        own = any(p.enterprise.own for p in node.placements)
        status = "own" if own else "ok"
        label = _("your enterprise is here") if own else ""
    enterprises = [
        {
            "name": e.name,
            "url": reverse("enterprise_detail", args=[e.id]) if e.visible else "",
            "output": _money(e.output) if chain_map.show_counts else "",
        }
        for e in (node.enterprises if chain_map.show_counts else [p.enterprise for p in node.placements])
    ]
    return {
        "name": node.name,
        "id": node.id,
        "path": node.path_label,
        "caption": label,
        "status": status,
        "colour": COLOURS[status],
        "count": node.count if chain_map.show_counts else None,
        "output": _money(node.output) if chain_map.show_counts else "",
        "products": "、".join(node.products),
        "enterprises": enterprises,
        "edit_url": reverse("chain_node_edit", args=[node.id]) if can_edit else "",
        "children": [_chart_node(child, chain_map, can_edit) for child in node.children],
    }


def chart_data(chain_map: selectors.ChainMap, can_edit: bool) -> dict:
    """The ECharts tree: the chain, its three stages, their nodes and sub-nodes; each node with its label,
    colour (gap, single enterprise, empty sub-nodes, fine) and enterprises (the click panel's list)."""
    stages = []
    for stage in chain_map.stages:
        label = (
            _("%(n)d enterprises · %(output)s (10k yuan)") % {"n": stage.count, "output": _money(stage.output)}
            if chain_map.show_counts
            else ""
        )
        stages.append(
            {
                "name": stage.label,
                "id": f"stage-{stage.stage}",
                "caption": label if stage.nodes else _("no node yet"),
                "status": "stage",
                "colour": "#52606d",
                "enterprises": [],
                "children": [_chart_node(node, chain_map, can_edit) for node in stage.nodes],
            }
        )
    leaves = sum(1 for n in chain_map.nodes if not n.children) + sum(1 for s in chain_map.stages if not s.nodes)
    return {
        "tree": {
            "name": chain_map.chain.name,
            "id": "chain",
            "caption": _("%(n)d enterprises · %(output)s (10k yuan)")
            % {"n": chain_map.count, "output": _money(chain_map.output)}
            if chain_map.show_counts
            else "",
            "status": "chain",
            "colour": "#1f2933",
            "enterprises": [],
            "children": stages,
        },
        "height": max(320, 34 * leaves + 80),
        "texts": {
            "enterprises": _("Enterprises"),
            "none": _("No enterprise is placed here."),
            "output": _("Output value (10k yuan)"),
            "products": _("Key products"),
            "row": _("Show in the table"),
            "edit": _("Edit the node and its enterprises"),
        },
    }


@role_required(*EVERYONE)
def chain_detail(request, pk):
    chain = selectors.chain_for(user=request.user, pk=pk)
    chain_map = selectors.chain_map(chain, user=request.user)
    can_edit = services.can_edit_map(request.user, chain)
    return render(
        request,
        "chains/chains/chain_detail.html",
        {
            "chain": chain,
            "map": chain_map,
            "chart": chart_data(chain_map, can_edit),
            "can_edit": can_edit,
            "can_manage": services.can_manage_chains(request.user),
        },
    )


def _status_text(node: selectors.MapNode) -> str:
    parts = []
    if node.gap_kind == "empty":
        if node.descendants:
            parts.append(_("gap: no enterprise on the node nor on its %(n)d sub-node(s)") % {"n": node.descendants})
        else:
            parts.append(_("gap: no enterprise"))
    elif node.gap_kind == "children":
        parts.append(_("sub-nodes without enterprise: %(names)s") % {"names": node.empty_children_names})
    if node.is_single:
        parts.append(_("depends on one enterprise: %(name)s") % {"name": node.enterprises[0].name})
    return "; ".join(parts)


@role_required(*STAFF_ROLES)
def chain_export(request, pk):
    chain = selectors.chain_for(user=request.user, pk=pk)
    chain_map = selectors.chain_map(chain, user=request.user)
    window = (
        f"{chain_map.window[0]:%Y-%m}–{chain_map.window[1]:%Y-%m}" if chain_map.window else _("no figures reported")
    )
    columns = [
        ExportColumn(_("Stage"), lambda n: n.stage_label, 10),
        ExportColumn(_("Level"), lambda n: n.depth, 6),
        ExportColumn(_("Node"), lambda n: n.path_label, 36),
        ExportColumn(_("Key products"), lambda n: "、".join(n.products), 30),
        ExportColumn(_("Sub-nodes"), lambda n: n.descendants, 9),
        ExportColumn(_("Enterprises placed on the node"), lambda n: n.direct_count, 12),
        ExportColumn(_("Enterprises (node and sub-nodes)"), lambda n: n.count, 12),
        ExportColumn(_("Output value %(window)s (10k yuan)") % {"window": window}, lambda n: float(n.output), 18),
        ExportColumn(_("Enterprises that reported"), lambda n: n.reporting, 12),
        ExportColumn(_("Gap or risk"), _status_text, 40),
        ExportColumn(
            _("Enterprises"),
            lambda n: "；".join(
                f"{e.name}（{e.credit_code}）{'' if e.output is None else ' ' + _money(e.output)}"
                for e in n.enterprises
            ),
            80,
        ),
    ]
    return xlsx_response(f"产业链图谱-{chain.name}", chain.name, columns, chain_map.nodes)


# Editing the map -------------------------------------------------------------------------------------------


def _map_chain(request, pk) -> IndustryChain:
    chain = selectors.chain_for(user=request.user, pk=pk)
    if not services.can_edit_map(request.user, chain):
        raise PermissionDenied(
            _(
                "Only the coordinating office, the chain's chief and the users of its task-force unit may change "
                "the map of this chain."
            )
        )
    return chain


def _map_node(request, pk):
    node = selectors.node_for(user=request.user, pk=pk)
    _map_chain(request, node.chain_id)
    return node


def _errors_to_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@role_required(*STAFF_ROLES)
def chain_node_create(request, pk):
    chain = _map_chain(request, pk)
    nodes = selectors.chain_nodes(user=request.user, chain=chain)
    if request.method == "POST":
        form = forms.NodeForm(request.POST, nodes=nodes)
        if form.is_valid():
            try:
                node = services.node_add(actor=request.user, chain_id=chain.pk, **form.service_fields())
            except ValidationError as error:
                form.apply_errors(error)
            else:
                messages.success(request, _("The node “%(name)s” is added.") % {"name": node.name})
                if request.POST.get("then") == "place":
                    return redirect("chain_node_edit", node.pk)
                return redirect(reverse("chain_detail", args=[chain.pk]) + f"#node-{node.pk}")
    else:
        initial = {"stage": request.GET.get("stage", "")}
        parent = request.GET.get("parent", "")
        if parent.isdigit():
            initial["parent"] = int(parent)
        form = forms.NodeForm(initial=initial, nodes=nodes)
    return render(request, "chains/chains/node_form.html", {"chain": chain, "form": form, "node": None})


def _node_page(request, node, form, placement_form=None, search=""):
    chain_map = selectors.chain_map(node.chain, user=request.user)
    return render(
        request,
        "chains/chains/node_form.html",
        {
            "chain": node.chain,
            "node": node,
            "info": chain_map.node(node.pk),
            "map": chain_map,
            "form": form,
            "placement_form": placement_form or forms.PlacementForm(),
            "results": selectors.enterprise_search(user=request.user, search=search),
            "q": search,
            "mode": "place",
        },
    )


@role_required(*STAFF_ROLES)
def chain_node_edit(request, pk):
    node = _map_node(request, pk)
    chain_nodes = selectors.chain_nodes(user=request.user, chain=node.chain)
    below = _subtree(node.pk, chain_nodes)
    if request.method == "POST":
        form = forms.NodeForm(request.POST, nodes=chain_nodes, exclude=below)
        if form.is_valid():
            try:
                services.node_update(actor=request.user, node_id=node.pk, **form.service_fields())
            except ValidationError as error:
                form.apply_errors(error)
            else:
                messages.success(request, _("The node “%(name)s” is saved.") % {"name": form.cleaned_data["name"]})
                return redirect("chain_node_edit", node.pk)
    else:
        form = forms.NodeForm(
            initial={
                "name": node.name,
                "parent": node.parent_id,
                "stage": node.stage,
                "key_products": node.key_products,
            },
            nodes=chain_nodes,
            exclude=below,
        )
    return _node_page(request, node, form, search=request.GET.get("q", "").strip()[:60])


def _subtree(pk: int, nodes) -> set[int]:
    """The node and every node below it: not offered as its new parent."""
    children: dict[int | None, list[int]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n.pk)
    found, stack = set(), [pk]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, []))
    return found


@require_POST
@role_required(*STAFF_ROLES)
def chain_node_move(request, pk):
    node = _map_node(request, pk)
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The position is a whole number from 1."))
    else:
        try:
            services.node_move(actor=request.user, node_id=node.pk, position=form.cleaned_data["position"])
        except ValidationError as error:
            _errors_to_messages(request, error)
    target = request.POST.get("next")
    if target == "node":
        return redirect("chain_node_edit", node.pk)
    return redirect(reverse("chain_detail", args=[node.chain_id]) + f"#node-{node.pk}")


@require_POST
@role_required(*STAFF_ROLES)
def chain_node_delete(request, pk):
    node = _map_node(request, pk)
    try:
        services.node_delete(actor=request.user, node_id=node.pk)
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect("chain_node_edit", node.pk)
    messages.success(request, _("The node “%(name)s” is deleted.") % {"name": node.name})
    return redirect("chain_detail", node.chain_id)


@require_POST
@role_required(*STAFF_ROLES)
def chain_placement_add(request, pk):
    node = _map_node(request, pk)
    placement_form = forms.PlacementForm(request.POST)
    if placement_form.is_valid():
        try:
            placement = services.placement_add(
                actor=request.user,
                node_id=node.pk,
                enterprise_id=placement_form.cleaned_data["enterprise"],
                products=placement_form.cleaned_data["products"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_messages in error.message_dict.items():
                    for message in field_messages:
                        placement_form.add_error(field if field in placement_form.fields else None, message)
            else:
                placement_form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(enterprise)s is placed on “%(node)s”.")
                % {"enterprise": placement.enterprise.name, "node": node.name},
            )
            return redirect("chain_node_edit", node.pk)
    form = forms.NodeForm(
        initial={"name": node.name, "parent": node.parent_id, "stage": node.stage, "key_products": node.key_products},
        nodes=selectors.chain_nodes(user=request.user, chain=node.chain),
    )
    return _node_page(request, node, form, placement_form, search=request.POST.get("q", "").strip()[:60])


@require_POST
@role_required(*STAFF_ROLES)
def chain_placement_delete(request, pk):
    placement = get_for_user(request.user, ChainPlacement.objects.select_related("node", "enterprise"), pk=pk)
    _map_chain(request, placement.node.chain_id)
    services.placement_delete(actor=request.user, placement_id=placement.pk)
    messages.success(
        request,
        _("%(enterprise)s is taken off “%(node)s”.")
        % {"enterprise": placement.enterprise.name, "node": placement.node.name},
    )
    return redirect("chain_node_edit", placement.node_id)


urlpatterns = [
    path("chains/", chain_list, name="chain_list"),
    path("chains/new/", chain_create, name="chain_create"),
    path("chains/<int:pk>/", chain_detail, name="chain_detail"),
    path("chains/<int:pk>/edit/", chain_edit, name="chain_edit"),
    path("chains/<int:pk>/export/", chain_export, name="chain_export"),
    path("chains/<int:pk>/enterprises/", chain_enterprise_search, name="chain_enterprise_search"),
    path("chains/new/enterprises/", chain_enterprise_search, {"pk": None}, name="chain_new_enterprise_search"),
    path("chains/<int:pk>/nodes/new/", chain_node_create, name="chain_node_create"),
    path("chains/nodes/<int:pk>/", chain_node_edit, name="chain_node_edit"),
    path("chains/nodes/<int:pk>/move/", chain_node_move, name="chain_node_move"),
    path("chains/nodes/<int:pk>/delete/", chain_node_delete, name="chain_node_delete"),
    path("chains/nodes/<int:pk>/placements/", chain_placement_add, name="chain_placement_add"),
    path("chains/placements/<int:pk>/delete/", chain_placement_delete, name="chain_placement_delete"),
]
