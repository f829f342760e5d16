"""The chain services: who may write (the office everything; the chain's chief and its task-force unit's
users the map; nobody else), and every rule of chains, nodes and placements with its message."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from chains.models import ChainNode, ChainPlacement, IndustryChain
from chains.services import chains as services
from chains.tests.test_chains_support import DOWN, MID, UP, node, place
from conftest import make_credit_code
from enterprises.models import Linkage

pytest_plugins = ["chains.tests.test_chains_support"]


def messages(error: ValidationError) -> dict:
    return error.value.message_dict


# Chains ----------------------------------------------------------------------------------------------------


def test_the_office_creates_a_chain_with_every_field(county, english):
    chain = services.chain_save(
        actor=county.office_user,
        name=" 速食调味料 ",
        description="调味料产业链",
        chief=county.leader.pk,
        task_force=county.gxj.pk,
        leading_enterprises=[county.ent_b.pk, str(county.ent_c.pk)],
        liaison_name="周联络",
        liaison_phone="139 0000 0000",
        is_active=True,
        sort_order=2,
    )
    chain.refresh_from_db()
    assert (chain.name, chain.chief, chain.task_force, chain.liaison_phone, chain.sort_order) == (
        "速食调味料",
        county.leader,
        county.gxj,
        "13900000000",
        2,
    )
    assert set(chain.leading_enterprises.all()) == {county.ent_b, county.ent_c}
    # Only the fields given change.
    services.chain_save(actor=county.office_user, chain_id=chain.pk, is_active=False, leading_enterprises=[])
    chain.refresh_from_db()
    assert not chain.is_active and chain.name == "速食调味料" and chain.chief == county.leader
    assert not chain.leading_enterprises.exists()


def test_every_mistake_in_a_chain_is_named(county, tea, english):
    county.fgj.is_active = False
    county.fgj.save()
    with pytest.raises(ValidationError) as error:
        services.chain_save(
            actor=county.office_user,
            name="新式茶饮",
            chief=county.gxj_head.pk,
            task_force=county.fgj.pk,
            leading_enterprises=[99999],
            liaison_phone="12345",
            sort_order=-1,
            colour="red",
        )
    found = messages(error)
    assert found["name"] == ["A chain named “新式茶饮” already exists."]
    assert found["chief"] == ["工信局长 does not hold the leader role: the chain chief (链长) is a leader."]
    assert found["task_force"] == ["The unit 县发改局 is no longer active."]
    assert found["leading_enterprises"] == ["No enterprise in your scope has the id 99999."]
    assert found["liaison_phone"] == ["Enter a mobile number of 11 digits or a landline such as 0739-1234567."]
    assert found["sort_order"] == ["The sort order is a whole number from 0 to 32767."]
    assert found["__all__"] == ["Unknown field(s): colour."]
    assert IndustryChain.objects.count() == 1


def test_a_chain_needs_a_name_and_a_phone_needs_a_liaison(county, english):
    with pytest.raises(ValidationError) as error:
        services.chain_save(actor=county.office_user, name="  ", chief=999999, liaison_phone="0739-3612345")
    found = messages(error)
    assert found["name"] == ["Give the chain a name."]
    assert found["chief"] == ["No active user has the id 999999."]
    assert found["liaison_name"] == ["Name the liaison who answers this phone."]


@pytest.mark.parametrize("who", ["leader", "gxj_head", "gxj_handler", "auditor", "fgj_handler", "ent_a_user"])
def test_only_the_office_creates_and_changes_chains(county, tea, who):
    user = getattr(county, who)
    with pytest.raises(PermissionDenied):
        services.chain_save(actor=user, name="新链")
    with pytest.raises(PermissionDenied):
        services.chain_save(actor=user, chain_id=tea.chain.pk, name="改名")
    assert list(IndustryChain.objects.values_list("name", flat=True)) == ["新式茶饮"]


# Who edits the map ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office_user", "leader", "gxj_head", "gxj_handler"])
def test_the_office_the_chief_and_the_task_force_edit_the_map(county, tea, who):
    user = getattr(county, who)
    # ent_b led by 工信局 with 李县长 this year: in the scope of each of them.
    Linkage.objects.create(
        enterprise=county.ent_b, year=timezone.localdate().year, leader=county.leader, lead_unit=county.gxj
    )
    added = services.node_add(actor=user, chain_id=tea.chain.pk, name="包材", stage=UP)
    services.node_update(actor=user, node_id=added.pk, key_products="纸杯")
    placement = services.placement_add(actor=user, node_id=added.pk, credit_code=county.ent_b.credit_code)
    services.placement_delete(actor=user, placement_id=placement.pk)
    services.node_delete(actor=user, node_id=added.pk)
    assert not ChainNode.objects.filter(name="包材").exists()


@pytest.mark.parametrize("who", ["sme_handler", "fgj_handler", "town_a_handler", "cadre", "auditor"])
def test_other_staff_may_not_edit_the_map(county, tea, who):
    user = getattr(county, who)
    for call in (
        lambda: services.node_add(actor=user, chain_id=tea.chain.pk, name="包材", stage=UP),
        lambda: services.node_update(actor=user, node_id=tea.fruit.pk, name="水果"),
        lambda: services.node_move(actor=user, node_id=tea.fruit.pk, position=1),
        lambda: services.node_delete(actor=user, node_id=tea.cold_store.pk),
        lambda: services.placement_add(actor=user, node_id=tea.fruit.pk, enterprise_id=county.ent_c.pk),
        lambda: services.placement_delete(actor=user, placement_id=ChainPlacement.objects.first().pk),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert ChainNode.objects.count() == 8 and ChainPlacement.objects.count() == 4


def test_a_chief_or_task_force_edits_only_their_own_chains(county, tea):
    other = IndustryChain.objects.create(name="四大怀药功能食品", chief=None, task_force=county.fgj)
    for user in (county.leader, county.gxj_head, county.gxj_handler):
        with pytest.raises(PermissionDenied):
            services.node_add(actor=user, chain_id=other.pk, name="山药种植", stage=UP)
    # A leader who is not the chief is no chief; a chief without the leader role (set behind the service's
    # back) does not edit either.
    tea.chain.chief = county.fgj_handler
    tea.chain.save()
    for user in (county.leader, county.fgj_handler):
        with pytest.raises(PermissionDenied):
            services.node_add(actor=user, chain_id=tea.chain.pk, name="包材", stage=UP)


def test_an_enterprise_user_gets_403_on_an_active_chain_and_404_on_an_inactive_one(county, tea):
    with pytest.raises(PermissionDenied):
        services.node_add(actor=county.ent_a_user, chain_id=tea.chain.pk, name="包材", stage=UP)
    own = ChainPlacement.objects.get(enterprise=county.ent_a, node=tea.organic)
    with pytest.raises(PermissionDenied):
        services.placement_delete(actor=county.ent_a_user, placement_id=own.pk)
    # Another enterprise's placement is outside its scope.
    theirs = ChainPlacement.objects.get(enterprise=county.ent_b)
    with pytest.raises(Http404):
        services.placement_delete(actor=county.ent_a_user, placement_id=theirs.pk)
    tea.chain.is_active = False
    tea.chain.save()
    with pytest.raises(Http404):
        services.node_add(actor=county.ent_a_user, chain_id=tea.chain.pk, name="包材", stage=UP)
    with pytest.raises(Http404):
        services.node_update(actor=county.ent_a_user, node_id=tea.fruit.pk, name="x")


# The rules of the map ----------------------------------------------------------------------------------------


def test_a_sub_node_takes_its_parents_stage_and_goes_last(county, tea, english):
    lemon = services.node_add(actor=county.office_user, chain_id=tea.chain.pk, name="柠檬种植", parent=tea.planting.pk)
    assert (lemon.stage, lemon.parent, lemon.position) == (UP, tea.planting, 3)
    with pytest.raises(ValidationError) as error:
        services.node_add(
            actor=county.office_user, chain_id=tea.chain.pk, name="茶包", stage=DOWN, parent=tea.planting.pk
        )
    assert messages(error) == {"stage": ["A sub-node keeps the stage of its parent “茶叶种植” (upstream)."]}


def test_node_mistakes_are_named(county, tea, english):
    other = IndustryChain.objects.create(name="别的链")
    elsewhere = node(other, "原料", UP)
    cases = [
        ({"name": "", "stage": UP}, {"name": ["Give the node a name."]}),
        ({"name": "包材"}, {"stage": ["Choose the stage: upstream, midstream or downstream."]}),
        (
            {"name": "包材", "stage": "sideways"},
            {"stage": ["Unknown stage “sideways”: use one of upstream, midstream, downstream."]},
        ),
        ({"name": "包材", "parent": elsewhere.pk}, {"parent": ["The parent must be a node of this chain."]}),
        ({"name": "茶叶种植", "stage": UP}, {"name": ["The upstream stage already has a top node named “茶叶种植”."]}),
        (
            {"name": "花果原料", "parent": tea.planting.pk},
            {"name": ["“茶叶种植” already has a sub-node named “花果原料”."]},
        ),
        ({"name": "长" * 61, "stage": UP}, {"name": ["At most 60 characters; this has 61."]}),
    ]
    for values, expected in cases:
        with pytest.raises(ValidationError) as error:
            services.node_add(actor=county.office_user, chain_id=tea.chain.pk, **values)
        assert messages(error) == expected, values
    # The same name is fine at another place: a top node of another stage, a sub-node of another parent.
    services.node_add(actor=county.office_user, chain_id=tea.chain.pk, name="茶叶种植", stage=MID)
    services.node_add(actor=county.office_user, chain_id=tea.chain.pk, name="花果原料", parent=tea.stores.pk)
    assert ChainNode.objects.filter(chain=tea.chain).count() == 10


def test_the_map_is_at_most_six_levels_deep(county, english):
    chain = IndustryChain.objects.create(name="深链")
    parent = node(chain, "第1层", UP)
    for level in range(2, 7):
        parent = services.node_add(actor=county.office_user, chain_id=chain.pk, name=f"第{level}层", parent=parent.pk)
    with pytest.raises(ValidationError) as error:
        services.node_add(actor=county.office_user, chain_id=chain.pk, name="第7层", parent=parent.pk)
    assert messages(error) == {"parent": ["A chain's map is at most 6 levels deep below its stages."]}


def test_moving_a_node_keeps_the_tree_sound(county, tea, english):
    with pytest.raises(ValidationError) as error:
        services.node_update(actor=county.office_user, node_id=tea.planting.pk, parent=tea.organic.pk)
    assert messages(error) == {"parent": ["A node cannot be placed under itself or one of its own sub-nodes."]}
    with pytest.raises(ValidationError) as error:
        services.node_update(actor=county.office_user, node_id=tea.organic.pk, name="花果原料")
    assert messages(error) == {"name": ["“茶叶种植” already has a sub-node named “花果原料”."]}
    # 有机茶基地 moves under 门店连锁: it takes the downstream stage, goes last, and 花果原料 closes up.
    moved = services.node_update(actor=county.office_user, node_id=tea.organic.pk, parent=tea.stores.pk)
    assert (moved.stage, moved.parent_id, moved.position) == (DOWN, tea.stores.pk, 2)
    tea.fruit.refresh_from_db()
    assert tea.fruit.position == 1
    # A top node moved to another stage takes its sub-nodes with it.
    services.node_update(actor=county.office_user, node_id=tea.cold.pk, stage=MID)
    assert set(ChainNode.objects.filter(pk__in=[tea.cold.pk, tea.cold_store.pk]).values_list("stage", flat=True)) == {
        MID
    }
    tea.cold.refresh_from_db()
    assert tea.cold.position == 2  # after 茶饮原料加工
    # A sub-node cannot leave its parent's stage; moved to the top it can.
    with pytest.raises(ValidationError) as error:
        services.node_update(actor=county.office_user, node_id=tea.cold_store.pk, stage=UP)
    assert messages(error) == {"stage": ["A sub-node keeps the stage of its parent “冷链物流” (midstream)."]}
    top = services.node_update(actor=county.office_user, node_id=tea.cold_store.pk, parent=None, stage=UP)
    assert (top.parent_id, top.stage, top.position) == (None, UP, 2)


def test_reordering_siblings(county, tea, english):
    services.node_move(actor=county.office_user, node_id=tea.fruit.pk, position=1)
    order = list(ChainNode.objects.filter(parent=tea.planting).order_by("position").values_list("name", "position"))
    assert order == [("花果原料", 1), ("有机茶基地", 2)]
    services.node_update(actor=county.office_user, node_id=tea.cold.pk, position=1)
    tops = ChainNode.objects.filter(chain=tea.chain, parent=None, stage=DOWN).order_by("position")
    assert [n.name for n in tops] == ["冷链物流", "门店连锁"]
    with pytest.raises(ValidationError) as error:
        services.node_move(actor=county.office_user, node_id=tea.fruit.pk, position=3)
    assert messages(error) == {"position": ["The position must be between 1 and 2."]}


def test_a_node_with_placements_or_sub_nodes_is_not_deleted(county, tea, english):
    with pytest.raises(ValidationError) as error:
        services.node_delete(actor=county.office_user, node_id=tea.stores.pk)
    assert error.value.messages == [
        "The node “门店连锁” cannot be deleted. 1 enterprise(s) are placed on it: remove them first (or place "
        "them on another node). It has 1 sub-node(s): delete or move them first."
    ]
    with pytest.raises(ValidationError) as error:
        services.node_delete(actor=county.office_user, node_id=tea.cold.pk)
    assert error.value.messages == [
        "The node “冷链物流” cannot be deleted. It has 1 sub-node(s): delete or move them first."
    ]
    assert ChainNode.objects.filter(pk__in=[tea.stores.pk, tea.cold.pk]).count() == 2
    services.node_delete(actor=county.office_user, node_id=tea.cold_store.pk)
    services.node_delete(actor=county.office_user, node_id=tea.fruit.pk)
    assert not ChainNode.objects.filter(pk__in=[tea.cold_store.pk, tea.fruit.pk]).exists()


# Placements ------------------------------------------------------------------------------------------------


def test_an_enterprise_is_placed_once_per_node(county, tea, english):
    with pytest.raises(ValidationError) as error:
        services.placement_add(actor=county.office_user, node_id=tea.processing.pk, enterprise_id=county.ent_b.pk)
    assert messages(error) == {"enterprise": ["雀塘食品有限公司 is already placed on “茶饮原料加工”."]}
    # On another node of the chain it is fine.
    placement = services.placement_add(
        actor=county.office_user, node_id=tea.fruit.pk, credit_code=county.ent_b.credit_code.lower(), products="果干"
    )
    assert (placement.enterprise, placement.products, placement.placed_by) == (county.ent_b, "果干", county.office_user)


def test_placement_mistakes_are_named(county, tea, english):
    cases = [
        ({}, "Choose the enterprise to place on the node."),
        ({"enterprise_id": "abc"}, "“abc” is not an enterprise id."),
        (
            {"enterprise_id": 99999},
            "No enterprise in your scope has this id or credit code: search by name or credit code.",
        ),
        (
            {"credit_code": make_credit_code(999)},  # well formed, registered nowhere
            "No enterprise in your scope has this id or credit code: search by name or credit code.",
        ),
    ]
    for values, message in cases:
        with pytest.raises(ValidationError) as error:
            services.placement_add(actor=county.office_user, node_id=tea.fruit.pk, **values)
        assert messages(error) == {"enterprise": [message]}, values
    with pytest.raises(ValidationError) as error:
        services.placement_add(
            actor=county.office_user, node_id=tea.fruit.pk, enterprise_id=county.ent_c.pk, products="x" * 201
        )
    assert messages(error) == {"products": ["At most 200 characters; this has 201."]}
    assert not ChainPlacement.objects.filter(node=tea.fruit).exists()


def test_only_enterprises_the_actor_can_see_are_placed(county, tea, english):
    # 工信局's handler sees the enterprises 工信局 leads: not ent_a (酿溪镇's, no linkage).
    with pytest.raises(ValidationError) as error:
        services.placement_add(actor=county.gxj_handler, node_id=tea.fruit.pk, enterprise_id=county.ent_a.pk)
    assert "No enterprise in your scope" in messages(error)["enterprise"][0]
    # 工信局's head reads its sub-unit's ent_c too.
    services.placement_add(actor=county.gxj_head, node_id=tea.fruit.pk, enterprise_id=county.ent_c.pk)
    assert ChainPlacement.objects.filter(node=tea.fruit, enterprise=county.ent_c).exists()


def test_removing_a_placement(county, tea):
    placement = place(tea.fruit, county.ent_c)
    services.placement_delete(actor=county.leader, placement_id=placement.pk)
    assert not ChainPlacement.objects.filter(pk=placement.pk).exists()
    with pytest.raises(Http404):
        services.placement_delete(actor=county.leader, placement_id=placement.pk)
