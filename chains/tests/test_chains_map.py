"""chain_map and chain_summaries: every node's enterprises, output value, gaps and risks; what an enterprise
user and a reader with a narrower scope get; a fixed number of queries whatever the size of the map."""

from decimal import Decimal

import pytest

from accounts.scope import user_roles
from chains.models import IndustryChain
from chains.selectors import chains as selectors
from chains.tests.test_chains_support import DOWN, MID, UP, months_back, node, output, place
from conftest import make_credit_code
from enterprises.models import Enterprise

pytest_plugins = ["chains.tests.test_chains_support"]


def by_name(chain_map):
    return {n.name: n for n in chain_map.nodes}


def names(enterprises):
    return [e.name for e in enterprises]


# Gaps and risks ---------------------------------------------------------------------------------------------


def test_counts_include_the_descendants_and_each_enterprise_once(county, tea):
    nodes = by_name(selectors.chain_map(tea.chain, user=county.office_user))
    assert {name: n.count for name, n in nodes.items()} == {
        "茶叶种植": 1,
        "有机茶基地": 1,
        "花果原料": 0,
        "茶饮原料加工": 2,
        "门店连锁": 1,
        "外卖配送": 0,
        "冷链物流": 0,
        "冷库": 0,
    }
    assert names(nodes["茶叶种植"].enterprises) == ["湘中机械有限公司"]
    assert nodes["茶叶种植"].direct_count == 0 and nodes["门店连锁"].direct_count == 1


def test_an_enterprise_on_two_nodes_counts_on_each_but_once_in_the_chain(county, tea):
    chain_map = selectors.chain_map(tea.chain, user=county.office_user)
    nodes = by_name(chain_map)
    assert county.ent_a.name in names(nodes["有机茶基地"].enterprises)
    assert county.ent_a.name in names(nodes["茶饮原料加工"].enterprises)
    assert chain_map.count == 3
    assert names(chain_map.enterprises) == sorted([county.ent_a.name, county.ent_b.name, county.ent_c.name])
    stages = {s.stage: s for s in chain_map.stages}
    assert (stages[UP].count, stages[MID].count, stages[DOWN].count) == (1, 2, 1)
    # Placed on a parent and on its child: still one enterprise on the parent.
    place(tea.planting, county.ent_a)
    assert by_name(selectors.chain_map(tea.chain, user=county.office_user))["茶叶种植"].count == 1


def test_gaps_name_the_topmost_empty_node_and_say_what_is_empty(county, tea):
    chain_map = selectors.chain_map(tea.chain, user=county.office_user)
    nodes = by_name(chain_map)
    # A leaf under a parent with enterprises, and an empty parent with its empty child (one gap).
    assert [n.name for n in chain_map.gaps] == ["花果原料", "外卖配送", "冷链物流"]
    assert nodes["冷链物流"].gap_kind == "empty" and nodes["冷链物流"].descendants == 1
    assert nodes["冷库"].is_gap and not nodes["冷库"].is_top_gap
    # The parents that hold enterprises but have empty sub-nodes.
    assert nodes["茶叶种植"].gap_kind == "children"
    assert [c.name for c in nodes["茶叶种植"].empty_children] == ["花果原料"]
    assert nodes["门店连锁"].gap_kind == "children"
    assert nodes["茶饮原料加工"].gap_kind == "" and nodes["有机茶基地"].gap_kind == ""
    assert [n.name for n in chain_map.partial] == ["茶叶种植", "门店连锁"]


def test_a_node_with_no_enterprise_at_all_is_a_gap(county):
    chain = IndustryChain.objects.create(name="空链")
    lonely = node(chain, "原料", UP)
    chain_map = selectors.chain_map(chain, user=county.office_user)
    assert [n.id for n in chain_map.gaps] == [lonely.pk] and chain_map.risks == []
    assert chain_map.count == 0 and chain_map.output == Decimal("0") and chain_map.window is None


def test_risks_are_the_topmost_single_enterprise_nodes(county, tea):
    chain_map = selectors.chain_map(tea.chain, user=county.office_user)
    nodes = by_name(chain_map)
    assert [n.name for n in chain_map.risks] == ["茶叶种植", "门店连锁"]
    assert nodes["有机茶基地"].is_single and not nodes["有机茶基地"].is_top_risk
    assert not nodes["茶饮原料加工"].is_single
    # A second enterprise under 茶叶种植 ends its risk; each child now depends on its own single enterprise.
    place(tea.fruit, county.ent_b)
    chain_map = selectors.chain_map(tea.chain, user=county.office_user)
    assert [n.name for n in chain_map.risks] == ["有机茶基地", "花果原料", "门店连锁"]
    assert [n.name for n in chain_map.gaps] == ["外卖配送", "冷链物流"]


# Output value -----------------------------------------------------------------------------------------------


def test_output_sums_the_twelve_months_ending_last_month(county, tea):
    chain_map = selectors.chain_map(tea.chain, user=county.office_user)
    nodes = by_name(chain_map)
    assert chain_map.window == (months_back(12), months_back(1))
    assert nodes["有机茶基地"].output == Decimal("1200.00")
    assert nodes["茶叶种植"].output == Decimal("1200.00")
    assert nodes["茶饮原料加工"].output == Decimal("1500.00")
    assert nodes["门店连锁"].output == Decimal("0") and nodes["门店连锁"].reporting == 0
    # ent_a counts once in the chain although it is on two nodes.
    assert chain_map.output == Decimal("1500.00") and chain_map.reporting == 2
    stages = {s.stage: s for s in chain_map.stages}
    assert (stages[UP].output, stages[MID].output, stages[DOWN].output) == (
        Decimal("1200.00"),
        Decimal("1500.00"),
        Decimal("0"),
    )
    ent_a = next(e for e in chain_map.enterprises if e.id == county.ent_a.pk)
    assert (ent_a.output, ent_a.months) == (Decimal("1200.00"), 12)


def test_the_window_ends_with_the_latest_month_reported(county, tea):
    # Figures that stop three months ago: the window is the 12 months ending there.
    late = Enterprise.objects.create(credit_code=make_credit_code(50), name="滞后企业", region=county.town_a)
    chain = IndustryChain.objects.create(name="滞后链")
    place(node(chain, "加工", MID), late)
    output(late, 10, range(3, 20))
    chain_map = selectors.chain_map(chain, user=county.office_user)
    assert chain_map.window == (months_back(14), months_back(3))
    assert chain_map.output == Decimal("120.00")


def test_a_reader_sums_only_the_figures_in_their_scope(county, tea):
    # 工信局's handler reads the enterprises 工信局 itself leads: none of these three.
    chain_map = selectors.chain_map(tea.chain, user=county.gxj_handler)
    assert chain_map.count == 3 and chain_map.output == Decimal("0") and chain_map.window is None
    assert not chain_map.figures_complete
    # 酿溪镇 answers for ent_a and ent_c (located there), not for ent_b.
    chain_map = selectors.chain_map(tea.chain, user=county.town_a_handler)
    assert chain_map.output == Decimal("1200.00") and not chain_map.figures_complete
    assert {e.name for e in chain_map.enterprises if e.visible} == {county.ent_a.name, county.ent_c.name}
    assert selectors.chain_map(tea.chain, user=county.office_user).figures_complete


def test_an_enterprise_user_reads_the_map_and_its_own_placements_only(county, tea):
    chain_map = selectors.chain_map(tea.chain, user=county.ent_b_user)
    assert not chain_map.show_counts
    assert len(chain_map.nodes) == 8
    placed = {n.name: [p.enterprise.name for p in n.placements] for n in chain_map.nodes if n.placements}
    assert placed == {"茶饮原料加工": [county.ent_b.name]}
    assert chain_map.gaps == [] and chain_map.risks == [] and chain_map.window is None
    assert chain_map.leading_unplaced == []


def test_a_leading_enterprise_not_on_the_map_is_flagged(county, tea):
    tea.chain.leading_enterprises.add(county.ent_b)
    other = Enterprise.objects.create(credit_code=make_credit_code(60), name="外地链主", region=county.town_b)
    tea.chain.leading_enterprises.add(other)
    chain_map = selectors.chain_map(tea.chain, user=county.office_user)
    assert [e.name for e in chain_map.leading_unplaced] == ["外地链主"]


# Query counts -----------------------------------------------------------------------------------------------


def grow(county, chain, serial, size):
    """`size` top nodes with two sub-nodes each, an enterprise on each sub-node, 12 months of figures each."""
    for i in range(size):
        top = node(chain, f"环节{serial}-{i}", (UP, MID, DOWN)[i % 3])
        for j in range(2):
            e = Enterprise.objects.create(
                credit_code=make_credit_code(serial * 1000 + i * 10 + j),
                name=f"企业{serial}-{i}-{j}",
                region=county.town_a,
            )
            place(node(chain, f"子环节{j}", parent=top), e)
            output(e, 10, range(1, 13))


# Five queries: the nodes, the placements with their enterprises, the placed enterprises the reader may open,
# the latest month reported and the sums. A unit-scoped reader's enterprise scope reads the unit's territory
# once for each of the last three (accounts.scope.territory_region_paths): eight.
QUERIES = {"office_user": 5, "town_a_handler": 8}


@pytest.mark.parametrize("who", sorted(QUERIES))
def test_chain_map_runs_the_same_queries_at_twice_the_size(county, who, django_assert_num_queries):
    user = getattr(county, who)
    chain = IndustryChain.objects.create(name="规模链")
    grow(county, chain, 1, 5)
    user_roles(user)  # the roles are read once per request, before any map
    user.unit  # noqa: B018  (loaded once per request)
    chain = selectors.chain_for(user=user, pk=chain.pk)
    with django_assert_num_queries(QUERIES[who]):
        small = selectors.chain_map(chain, user=user)
    grow(county, chain, 2, 5)
    chain = selectors.chain_for(user=user, pk=chain.pk)
    with django_assert_num_queries(QUERIES[who]):
        large = selectors.chain_map(chain, user=user)
    assert (len(small.nodes), small.count, small.output) == (15, 10, Decimal("1200.00"))
    assert (len(large.nodes), large.count, large.output) == (30, 20, Decimal("2400.00"))


def test_chain_summaries_run_two_queries_for_any_number_of_chains(county, tea, django_assert_num_queries):
    user_roles(county.office_user)
    chains = [tea.chain]
    with django_assert_num_queries(2):
        [summary] = selectors.chain_summaries(county.office_user, chains)
    assert (summary.nodes, summary.enterprises, summary.gaps, summary.risks) == (8, 3, 3, 2)
    more = IndustryChain.objects.create(name="第二条链")
    grow(county, more, 3, 4)
    with django_assert_num_queries(2):
        summaries = selectors.chain_summaries(county.office_user, [tea.chain, more])
    assert [(s.nodes, s.enterprises, s.gaps, s.risks) for s in summaries] == [(8, 3, 3, 2), (12, 8, 0, 8)]


def test_summaries_for_an_enterprise_user_count_only_its_own_nodes(county, tea):
    [summary] = selectors.chain_summaries(county.ent_a_user, [tea.chain])
    assert not summary.counted and summary.own_nodes == 2 and summary.nodes == 8
