"""The chains API: the list with counts, a chain with its map, counts, output and gaps; creating and changing
chains (the office), nodes and placements (the office, the chief, the task force); 403 for the others, 404
out of scope, 422 with the services' messages; the list's and the map's query counts pinned."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from chains.models import ChainNode, ChainPlacement, IndustryChain
from chains.tests.test_chains_support import UP, months_back, node, output, place
from conftest import make_credit_code
from enterprises.models import Enterprise, Linkage

pytest_plugins = ["chains.tests.test_chains_support"]

URL = "/api/v1/chains/chains"


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def api_login(login, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login


# Reading ---------------------------------------------------------------------------------------------------


def test_the_list_with_counts(county, tea, api_login):
    IndustryChain.objects.create(name="停用的链", is_active=False)
    body = api_login(county.office_user).get(URL).json()
    assert body["count"] == 2
    tea_row = next(row for row in body["items"] if row["name"] == "新式茶饮")
    assert tea_row["chief"] == {"id": county.leader.pk, "name": "李县长"}
    assert tea_row["task_force"] == {"id": county.gxj.pk, "name": "县工信局"}
    assert [e["name"] for e in tea_row["leading_enterprises"]] == ["湘中机械有限公司"]
    assert (tea_row["nodes"], tea_row["enterprises"], tea_row["gaps"], tea_row["risks"]) == (8, 3, 3, 2)
    assert [row["name"] for row in api_login(county.office_user).get(URL, {"active": "0"}).json()["items"]] == [
        "停用的链"
    ]


def test_one_chain_with_its_map_counts_output_and_gaps(county, tea, api_login):
    body = api_login(county.office_user).get(f"{URL}/{tea.chain.pk}").json()
    assert body["can_edit_map"] and body["enterprises"] == 3 and body["output"] == "1500.00"
    assert (body["window_from"], body["window_to"]) == (months_back(12).isoformat(), months_back(1).isoformat())
    assert body["figures_complete"] and body["reporting"] == 2
    assert [(s["stage"], s["nodes"], s["enterprises"], s["output"]) for s in body["stages"]] == [
        ("upstream", 3, 1, "1200.00"),
        ("midstream", 1, 2, "1500.00"),
        ("downstream", 4, 1, "0.00"),
    ]
    nodes = {n["name"]: n for n in body["map"]}
    assert [n["name"] for n in body["map"]] == [
        "茶叶种植",
        "有机茶基地",
        "花果原料",
        "茶饮原料加工",
        "门店连锁",
        "外卖配送",
        "冷链物流",
        "冷库",
    ]
    planting = nodes["茶叶种植"]
    assert (planting["enterprises"], planting["output"], planting["gap"], planting["single"]) == (
        1,
        "1200.00",
        "children",
        True,
    )
    assert planting["empty_children"] == [tea.fruit.pk] and planting["enterprise_ids"] == [county.ent_a.pk]
    assert nodes["花果原料"]["path"] == ["茶叶种植", "花果原料"] and nodes["花果原料"]["gap"] == "empty"
    processing = nodes["茶饮原料加工"]
    assert [(p["enterprise"]["name"], p["products"], p["enterprise"]["output"]) for p in processing["placements"]] == [
        ("湘中机械有限公司", "茶汤原液", "1200.00"),
        ("雀塘食品有限公司", "果浆", "300.00"),
    ]
    assert [(g["path"], g["sub_nodes"], g["parent_has_enterprises"]) for g in body["gap_list"]] == [
        (["茶叶种植", "花果原料"], 0, True),
        (["门店连锁", "外卖配送"], 0, True),
        (["冷链物流"], 1, False),
    ]
    assert [(r["path"], r["enterprise"]["name"]) for r in body["risk_list"]] == [
        (["茶叶种植"], "湘中机械有限公司"),
        (["门店连锁"], "邵水新材料股份有限公司"),
    ]


def test_an_enterprise_user_reads_active_chains_without_counts(county, tea, api_login):
    client = api_login(county.ent_b_user)
    IndustryChain.objects.create(name="停用的链", is_active=False)
    body = client.get(URL).json()
    assert [row["name"] for row in body["items"]] == ["新式茶饮"]
    assert body["items"][0]["enterprises"] is None and body["items"][0]["gaps"] is None
    detail = client.get(f"{URL}/{tea.chain.pk}").json()
    assert not detail["can_edit_map"] and detail["output"] is None and detail["gap_list"] == []
    placed = {n["name"]: [p["enterprise"]["name"] for p in n["placements"]] for n in detail["map"] if n["placements"]}
    assert placed == {"茶饮原料加工": ["雀塘食品有限公司"]}
    assert all(n["enterprises"] is None for n in detail["map"])
    tea.chain.is_active = False
    tea.chain.save()
    assert client.get(f"{URL}/{tea.chain.pk}").status_code == 404


def test_unknown_chain_is_404_and_anonymous_is_401(county, tea, api_login, client):
    assert api_login(county.office_user).get(f"{URL}/999").status_code == 404
    client.logout()
    assert client.get(URL).status_code == 401


# Writing chains --------------------------------------------------------------------------------------------


def test_the_office_creates_and_changes_a_chain(county, api_login):
    client = api_login(county.office_user)
    response = post(
        client,
        URL,
        {
            "name": "四大怀药功能食品",
            "chief": county.leader.pk,
            "task_force": county.fgj.pk,
            "leading_enterprises": [county.ent_c.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["chief"]["id"] == county.leader.pk and body["nodes"] == 0 and body["map"] == []
    assert [e["id"] for e in body["leading_unplaced"]] == [county.ent_c.pk]
    response = patch(
        client, f"{URL}/{body['id']}", {"liaison_name": "周联络", "liaison_phone": "0739-3612345", "is_active": False}
    )
    assert response.status_code == 200
    chain = IndustryChain.objects.get(pk=body["id"])
    assert (chain.liaison_phone, chain.is_active, chain.task_force) == ("0739-3612345", False, county.fgj)


def test_chain_mistakes_answer_422(county, tea, api_login):
    client = api_login(county.office_user)
    response = post(client, URL, {"name": "", "chief": county.gxj_head.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "name: Give the chain a name. chief: 工信局长 does not hold the leader role: the chain chief (链长) is a leader."
    )
    response = patch(client, f"{URL}/{tea.chain.pk}", {"liaison_phone": "abc"})
    assert response.status_code == 422 and response.json()["detail"].startswith("liaison_phone: Enter a mobile number")


@pytest.mark.parametrize("who", ["leader", "gxj_head", "auditor", "ent_a_user"])
def test_only_the_office_writes_chains(county, tea, api_login, who):
    client = api_login(getattr(county, who))
    assert post(client, URL, {"name": "新链"}).status_code == 403
    assert patch(client, f"{URL}/{tea.chain.pk}", {"name": "改名"}).status_code == 403
    assert list(IndustryChain.objects.values_list("name", flat=True)) == ["新式茶饮"]


# Writing the map ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office_user", "leader", "gxj_handler"])
def test_map_editors_add_change_and_delete_nodes_and_placements(county, tea, api_login, who):
    client = api_login(getattr(county, who))
    response = post(
        client, f"{URL}/{tea.chain.pk}/nodes", {"name": "包材", "stage": "upstream", "key_products": "纸杯"}
    )
    assert response.status_code == 201, response.content
    added = response.json()
    assert (added["stage"], added["parent_id"], added["position"]) == ("upstream", None, 2)
    child = post(client, f"{URL}/{tea.chain.pk}/nodes", {"name": "纸杯", "parent": added["id"]}).json()
    assert child["stage"] == "upstream" and child["parent_id"] == added["id"]
    response = patch(client, f"{URL}/nodes/{added['id']}", {"name": "包装材料", "position": 1})
    assert response.status_code == 200 and (response.json()["name"], response.json()["position"]) == ("包装材料", 1)
    enterprise = Enterprise.objects.create(credit_code=make_credit_code(70), name="包材厂", region=county.town_a)
    # Led by 工信局 with 李县长 this year: in the scope of each of them.
    Linkage.objects.create(
        enterprise=enterprise, year=timezone.localdate().year, leader=county.leader, lead_unit=county.gxj
    )
    response = post(
        client, f"{URL}/nodes/{child['id']}/placements", {"enterprise_id": enterprise.pk, "products": "纸杯"}
    )
    assert response.status_code == 201, response.content
    placement = response.json()
    assert placement["enterprise"]["name"] == "包材厂" and placement["node_id"] == child["id"]
    response = client.delete(f"{URL}/nodes/{added['id']}")
    assert response.status_code == 422
    assert (
        response.json()["detail"]
        == "The node “包装材料” cannot be deleted. It has 1 sub-node(s): delete or move them first."
    )
    assert client.delete(f"{URL}/placements/{placement['id']}").status_code == 204
    assert client.delete(f"{URL}/nodes/{child['id']}").status_code == 204
    assert client.delete(f"{URL}/nodes/{added['id']}").status_code == 204
    assert ChainNode.objects.filter(chain=tea.chain).count() == 8


def test_map_mistakes_answer_422(county, tea, api_login):
    client = api_login(county.office_user)
    response = post(client, f"{URL}/{tea.chain.pk}/nodes", {"name": "外卖配送", "parent": tea.stores.pk})
    assert (
        response.status_code == 422
        and response.json()["detail"] == "name: “门店连锁” already has a sub-node named “外卖配送”."
    )
    response = post(
        client, f"{URL}/{tea.chain.pk}/nodes", {"name": "包材", "stage": "downstream", "parent": tea.planting.pk}
    )
    assert response.json()["detail"] == "stage: A sub-node keeps the stage of its parent “茶叶种植” (upstream)."
    response = patch(client, f"{URL}/nodes/{tea.planting.pk}", {"parent": tea.fruit.pk})
    assert response.json()["detail"] == "parent: A node cannot be placed under itself or one of its own sub-nodes."
    response = patch(client, f"{URL}/nodes/{tea.planting.pk}", {"position": 5})
    assert response.json()["detail"] == "position: The position must be between 1 and 1."
    response = post(client, f"{URL}/nodes/{tea.processing.pk}/placements", {"credit_code": county.ent_b.credit_code})
    assert response.status_code == 422
    assert response.json()["detail"] == "enterprise: 雀塘食品有限公司 is already placed on “茶饮原料加工”."
    assert ChainNode.objects.filter(chain=tea.chain).count() == 8 and ChainPlacement.objects.count() == 4


def test_a_top_node_moved_to_the_top_of_another_stage_over_the_api(county, tea, api_login):
    client = api_login(county.office_user)
    response = patch(client, f"{URL}/nodes/{tea.cold_store.pk}", {"parent": None, "stage": "midstream"})
    assert response.status_code == 200
    assert (response.json()["parent_id"], response.json()["stage"], response.json()["position"]) == (
        None,
        "midstream",
        2,
    )


@pytest.mark.parametrize("who", ["fgj_handler", "sme_handler", "auditor", "cadre", "ent_a_user"])
def test_everyone_else_gets_403_on_the_map(county, tea, api_login, who):
    client = api_login(getattr(county, who))
    own = ChainPlacement.objects.get(node=tea.organic)  # ent_a's own placement: visible to its user
    assert post(client, f"{URL}/{tea.chain.pk}/nodes", {"name": "包材", "stage": UP}).status_code == 403
    assert patch(client, f"{URL}/nodes/{tea.fruit.pk}", {"name": "水果"}).status_code == 403
    assert client.delete(f"{URL}/nodes/{tea.cold_store.pk}").status_code == 403
    assert post(client, f"{URL}/nodes/{tea.fruit.pk}/placements", {"enterprise_id": county.ent_a.pk}).status_code == 403
    assert client.delete(f"{URL}/placements/{own.pk}").status_code == 403
    assert ChainNode.objects.count() == 8 and ChainPlacement.objects.count() == 4


def test_out_of_scope_is_404(county, tea, api_login):
    client = api_login(county.ent_a_user)
    theirs = ChainPlacement.objects.get(enterprise=county.ent_b)
    assert client.delete(f"{URL}/placements/{theirs.pk}").status_code == 404
    tea.chain.is_active = False
    tea.chain.save()
    assert post(client, f"{URL}/{tea.chain.pk}/nodes", {"name": "包材", "stage": UP}).status_code == 404
    assert patch(client, f"{URL}/nodes/{tea.fruit.pk}", {"name": "水果"}).status_code == 404
    office = api_login(county.office_user)
    assert office.delete(f"{URL}/nodes/999").status_code == 404
    assert post(office, f"{URL}/999/nodes", {"name": "x", "stage": UP}).status_code == 404


# Query counts -----------------------------------------------------------------------------------------------


def add_chains(county, serial, count):
    for i in range(count):
        chain = IndustryChain.objects.create(name=f"链{serial}-{i}", chief=county.leader, task_force=county.gxj)
        e = Enterprise.objects.create(
            credit_code=make_credit_code(serial * 100 + i), name=f"链企{serial}-{i}", region=county.town_a
        )
        chain.leading_enterprises.add(e)
        place(node(chain, "子", parent=node(chain, "上游", UP)), e)
        output(e, 5, range(1, 13))


# The session, the user, the roles, the count, the chains, their 链主, the nodes and the placements.
LIST_QUERIES = 8
# The session, the user, the roles, the chain, its 链主 and the five of chain_map.
DETAIL_QUERIES = 10


def test_the_list_runs_the_same_queries_as_chains_grow(county, tea, api_login, django_assert_num_queries):
    client = api_login(county.office_user)
    add_chains(county, 1, 2)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(URL).json()["count"] == 3
    add_chains(county, 2, 4)
    with django_assert_num_queries(LIST_QUERIES):
        body = client.get(URL).json()
    assert body["count"] == 7 and all(row["nodes"] for row in body["items"])


def test_the_chain_runs_the_same_queries_at_twice_the_size(county, tea, api_login, django_assert_num_queries):
    client = api_login(county.office_user)
    with django_assert_num_queries(DETAIL_QUERIES):
        small = client.get(f"{URL}/{tea.chain.pk}").json()
    for i in range(8):
        e = Enterprise.objects.create(credit_code=make_credit_code(200 + i), name=f"新增企业{i}", region=county.town_a)
        place(node(tea.chain, f"新环节{i}", parent=tea.processing), e)
        output(e, 1, range(1, 13))
    with django_assert_num_queries(DETAIL_QUERIES):
        large = client.get(f"{URL}/{tea.chain.pk}").json()
    assert (len(small["map"]), len(large["map"])) == (8, 16)
    assert Decimal(large["output"]) == Decimal(small["output"]) + 96
