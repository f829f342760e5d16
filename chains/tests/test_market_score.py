"""Scoring an offer against a need (chains.market_score): the terms of Chinese and latin text, similar
texts above the threshold and unrelated ones not, the node relations and their points, the region bonus, the
reasons, and an enterprise never paired with itself. No database."""

from decimal import Decimal

import pytest
from django.utils import translation

from chains.market_score import (
    ADJACENT_NODE_POINTS,
    SAME_NODE_POINTS,
    SAME_REGION_POINTS,
    THRESHOLD,
    NodeFacts,
    PostFacts,
    candidate_pairs,
    node_relation,
    score_pair,
    terms,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# One chain: 茶叶种植 (upstream) with sub-nodes 有机茶基地 and 花果原料, 茶饮原料加工 (midstream), 门店连锁
# (downstream); another chain with 钢材 (upstream).
NODES = {
    n.id: n
    for n in (
        NodeFacts(1, 10, None, "upstream", "茶叶种植", "新式茶饮"),
        NodeFacts(2, 10, 1, "upstream", "有机茶基地", "新式茶饮"),
        NodeFacts(3, 10, 1, "upstream", "花果原料", "新式茶饮"),
        NodeFacts(4, 10, None, "midstream", "茶饮原料加工", "新式茶饮"),
        NodeFacts(5, 10, None, "downstream", "门店连锁", "新式茶饮"),
        NodeFacts(6, 10, None, "upstream", "包材", "新式茶饮"),
        NodeFacts(9, 20, None, "upstream", "钢材", "装备制造"),
    )
}


def offer(title, description="", *, pk=1, enterprise=1, region=100, node=None):
    return PostFacts(pk, "offer", enterprise, region, title, description, node, region_name="酿溪镇")


def need(title, description="", *, pk=2, enterprise=2, region=200, node=None):
    return PostFacts(pk, "need", enterprise, region, title, description, node, region_name="雀塘镇")


def test_terms_are_cjk_bigrams_and_latin_words():
    assert terms("有机绿茶") == {"有机", "机绿", "绿茶"}
    # Numbers and units are quantities, trade words are in every post: none of them are terms.
    assert terms("采购PET瓶坯 500吨/月") == {"pet", "瓶坯"}
    assert terms("Q235 钢板，304不锈钢") == {"q235", "钢板", "不锈", "锈钢"}
    assert terms("") == frozenset()


def test_similar_chinese_texts_score_above_the_threshold():
    score = score_pair(
        offer("有机绿茶", "自有有机茶园，年产有机绿茶200吨"),
        need("采购有机绿茶原料", "用于茶饮原料，每月需绿茶10吨"),
        NODES,
    )
    assert score.proposed and score.points >= THRESHOLD
    assert score.reasons[0].startswith("Similar wording (") and "有机" in score.reasons[0]
    assert len(score.reasons) == 1  # no node, different towns


def test_unrelated_texts_are_not_proposed():
    score = score_pair(offer("有机绿茶", "自有茶园"), need("钢结构厂房租赁", "需要两千平方米厂房"), NODES)
    assert not score.proposed and score.points == 0 and score.reasons == []


def test_a_shared_word_in_long_texts_is_no_match():
    score = score_pair(offer("冷库租赁", "冷链物流园区冷库出租"), need("绿茶原料", "需要有机茶叶，冷链运输"), NODES)
    assert score.points == 0 and not score.proposed


def test_a_short_title_inside_a_longer_one_is_proposed():
    score = score_pair(offer("果浆", "芒果、草莓果浆，冷链配送"), need("水果果浆", "门店用果浆，每月2吨"), NODES)
    assert score.proposed and "果浆" in score.reasons[0]


def test_some_overlap_scores_below_the_threshold_without_node_or_town():
    score = score_pair(offer("茶叶礼盒包装", "纸质礼盒"), need("绿茶茶叶", "散装茶叶"), NODES)
    assert Decimal(0) < score.points < THRESHOLD
    # On neighbouring nodes in the same town it is proposed: node and town rank related posts.
    boosted = score_pair(
        offer("茶叶礼盒包装", "纸质礼盒", node=6), need("绿茶茶叶", "散装茶叶", node=1, region=100), NODES
    )
    assert boosted.proposed


def test_an_enterprise_is_never_paired_with_itself():
    same = score_pair(offer("有机绿茶", enterprise=7, node=2), need("有机绿茶", enterprise=7, node=2), NODES)
    assert same.points == 0 and not same.proposed
    # Nor an offer with an offer.
    other_offer = PostFacts(3, "offer", 8, 100, "有机绿茶")
    assert score_pair(offer("有机绿茶"), other_offer, NODES).points == 0


@pytest.mark.parametrize(
    "a, b, relation",
    [
        (2, 2, "same"),
        (1, 2, "parent"),
        (2, 1, "child"),
        (2, 3, "sibling"),
        (1, 6, "sibling"),  # top nodes of one stage
        (2, 4, "stage"),  # upstream → midstream
        (5, 4, "stage"),
        (1, 5, ""),  # upstream and downstream: not adjacent
        (2, 9, ""),  # another chain
    ],
)
def test_node_relations(a, b, relation):
    assert node_relation(NODES[a], NODES[b]) == relation
    assert node_relation(NODES[a], None) == ""


def test_the_same_node_counts_more_than_an_adjacent_one_and_the_town_adds():
    texts = ("有机绿茶", "绿茶原料")
    none = score_pair(offer(texts[0]), need(texts[1]), NODES)
    adjacent = score_pair(offer(texts[0], node=2), need(texts[1], node=4), NODES)
    same = score_pair(offer(texts[0], node=2), need(texts[1], node=2), NODES)
    town = score_pair(offer(texts[0], node=2), need(texts[1], node=2, region=100), NODES)
    assert adjacent.points - none.points == ADJACENT_NODE_POINTS
    assert same.points - none.points == SAME_NODE_POINTS
    assert town.points - same.points == SAME_REGION_POINTS
    assert adjacent.reasons[1] == "Adjacent stages of the chain 新式茶饮: “有机茶基地” and “茶饮原料加工”."
    assert same.reasons[1] == "Both on the chain node “有机茶基地”."
    assert town.reasons[2] == "Both in 酿溪镇."


def test_a_node_and_a_town_in_common_alone_make_no_match():
    score = score_pair(offer("冷库租赁", node=2, region=100), need("绿化苗木", node=2, region=100), NODES)
    assert score.points == 0 and not score.proposed


def test_the_score_is_at_most_100():
    score = score_pair(offer("有机绿茶", node=2, region=1), need("有机绿茶", node=2, region=1), NODES)
    assert score.points == Decimal("100.00") and len(score.reasons) == 3


def test_candidate_pairs_share_a_term():
    offers = [offer("有机绿茶", pk=1), offer("钢板", pk=3)]
    needs = [need("绿茶原料", pk=2), need("厂房租赁", pk=4)]
    assert candidate_pairs(offers, needs) == {(1, 2)}
