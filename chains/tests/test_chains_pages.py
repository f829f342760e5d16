"""The chain pages: who reads what (staff every chain with its counts; an enterprise user the active chains,
without counts), who writes (the office the chains; the office, chief and task force the map; 403 for
everyone else, 404 out of scope), the forms' messages, the chart's data and the table, the Excel export, and
the list and map pages' query counts pinned as the rows grow."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chains.models import ChainNode, ChainPlacement, IndustryChain
from chains.tests.test_chains_support import MID, UP, node, output, place
from conftest import make_credit_code
from enterprises.models import Enterprise

pytest_plugins = ["chains.tests.test_chains_support"]


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def chart(response) -> dict:
    page = html(response)
    start = page.index('<script id="chain-map-data" type="application/json">') + len(
        '<script id="chain-map-data" type="application/json">'
    )
    return json.loads(page[start : page.index("</script>", start)])


def walk(tree):
    yield tree
    for child in tree.get("children", []):
        yield from walk(child)


# The list --------------------------------------------------------------------------------------------------


def test_the_office_lists_every_chain_with_its_counts(county, tea, login, english):
    IndustryChain.objects.create(name="停用的链", is_active=False)
    page = html(login(county.office_user).get(reverse("chain_list")))
    assert "新式茶饮" in page and "停用的链" in page and 'data-testid="chain-new"' in page
    row = page[page.index(f'data-chain="{tea.chain.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "李县长" in row and "县工信局" in row and "湘中机械有限公司" in row
    for testid, value in (("chain-nodes", 8), ("chain-enterprises", 3), ("chain-gaps", 3), ("chain-risks", 2)):
        assert f'data-testid="{testid}">{value}</td>' in row, testid


def test_filters(county, tea, login):
    IndustryChain.objects.create(name="停用的链", is_active=False)
    client = login(county.office_user)
    assert "停用的链" not in html(client.get(reverse("chain_list"), {"active": "1"}))
    page = html(client.get(reverse("chain_list"), {"active": "0"}))
    assert "停用的链" in page and "新式茶饮" not in page
    assert "新式茶饮" not in html(client.get(reverse("chain_list"), {"q": "怀药"}))


@pytest.mark.parametrize("who", ["auditor", "leader", "gxj_handler", "cadre", "town_a_handler"])
def test_other_staff_read_the_list_without_the_new_button(county, tea, login, who):
    page = html(login(getattr(county, who)).get(reverse("chain_list")))
    assert "新式茶饮" in page and 'data-testid="chain-new"' not in page and 'data-testid="chain-gaps"' in page


def test_an_enterprise_user_lists_the_active_chains_without_counts(county, tea, login):
    IndustryChain.objects.create(name="停用的链", is_active=False)
    page = html(login(county.ent_a_user).get(reverse("chain_list")))
    assert "新式茶饮" in page and "停用的链" not in page
    assert 'data-testid="chain-gaps"' not in page and 'data-testid="chain-enterprises"' not in page
    assert 'data-testid="chain-own-nodes">2</td>' in page


def test_anonymous_goes_to_login(client, tea):
    response = client.get(reverse("chain_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def more_chains(county, serial, count):
    for i in range(count):
        chain = IndustryChain.objects.create(name=f"链{serial}-{i}", chief=county.leader, task_force=county.gxj)
        e = Enterprise.objects.create(
            credit_code=make_credit_code(serial * 100 + i), name=f"链企{serial}-{i}", region=county.town_a
        )
        chain.leading_enterprises.add(e)
        top = node(chain, "上游", UP)
        place(node(chain, "子", parent=top), e)
        place(node(chain, "中游", MID), county.ent_a)


# The session, the user, their roles, the count, the chains, their 链主, the nodes, the placements, the
# calendar warning and the unit of the page's header; an enterprise user gets no calendar warning.
LIST_QUERIES = {"office_user": 10, "ent_a_user": 9}


@pytest.mark.parametrize("who", sorted(LIST_QUERIES))
def test_the_list_page_runs_the_same_queries_as_chains_grow(county, tea, login, who, django_assert_num_queries):
    client = login(getattr(county, who))
    more_chains(county, 1, 2)
    with django_assert_num_queries(LIST_QUERIES[who]):
        client.get(reverse("chain_list"))
    more_chains(county, 2, 4)
    with django_assert_num_queries(LIST_QUERIES[who]):
        response = client.get(reverse("chain_list"))
    assert len(response.context["page"].object_list) == 7


# The chain's page ------------------------------------------------------------------------------------------


def test_the_office_reads_the_map_its_gaps_and_risks(county, tea, login, english):
    response = login(county.office_user).get(reverse("chain_detail", args=[tea.chain.pk]))
    page = html(response)
    for testid in ("chain-edit", "chain-node-add", "chain-export", "chain-chart", "chain-map-table", "node-edit"):
        assert f'data-testid="{testid}"' in page, testid
    gaps = page[page.index('data-testid="chain-gaps"') : page.index('data-testid="chain-risks"')]
    assert "茶叶种植 › 花果原料" in gaps and "only this part of it is empty" in gaps
    assert "冷链物流" in gaps and "no enterprise on the node nor on its sub-node" in gaps and "冷库" not in gaps
    risks = page[page.index('data-testid="chain-risks"') : page.index('data-testid="chain-map-table"')]
    assert "茶叶种植" in risks and "depends on 湘中机械有限公司 alone" in risks and "门店连锁" in risks
    assert 'data-testid="total-enterprises">3<' in page and 'data-testid="total-gaps">3<' in page
    assert "sub-nodes empty: 花果原料" in page
    assert 'data-testid="leading-unplaced"' not in page  # 湘中机械, the 链主, is on the map


def test_the_chart_data_follow_the_map(county, tea, login, english):
    data = chart(login(county.office_user).get(reverse("chain_detail", args=[tea.chain.pk])))
    tree = data["tree"]
    assert tree["name"] == "新式茶饮" and [s["name"] for s in tree["children"]] == [
        "upstream",
        "midstream",
        "downstream",
    ]
    nodes = {n["name"]: n for n in walk(tree) if isinstance(n.get("id"), int)}
    assert nodes["茶饮原料加工"]["caption"] == "2 enterprises · 1,500.00 (10k yuan)"
    assert nodes["花果原料"]["status"] == "gap" and nodes["门店连锁"]["status"] == "single"
    assert [e["name"] for e in nodes["茶饮原料加工"]["enterprises"]] == ["湘中机械有限公司", "雀塘食品有限公司"]
    assert nodes["茶饮原料加工"]["enterprises"][0]["url"] == reverse("enterprise_detail", args=[county.ent_a.pk])
    assert nodes["有机茶基地"]["edit_url"] == reverse("chain_node_edit", args=[tea.organic.pk])
    assert [c["name"] for c in nodes["冷链物流"]["children"]] == ["冷库"]


def test_a_reader_outside_an_enterprises_scope_gets_no_link_to_it(county, tea, login):
    data = chart(login(county.town_a_handler).get(reverse("chain_detail", args=[tea.chain.pk])))
    processing = next(n for n in walk(data["tree"]) if n.get("id") == tea.processing.pk)
    links = {e["name"]: e["url"] for e in processing["enterprises"]}
    assert links["雀塘食品有限公司"] == "" and links["湘中机械有限公司"]
    assert processing["edit_url"] == ""


@pytest.mark.parametrize("who", ["leader", "gxj_head", "gxj_handler"])
def test_the_chief_and_the_task_force_edit_the_map_not_the_chain(county, tea, login, who):
    page = html(login(getattr(county, who)).get(reverse("chain_detail", args=[tea.chain.pk])))
    assert 'data-testid="chain-node-add"' in page and 'data-testid="node-edit"' in page
    assert 'data-testid="chain-edit"' not in page


@pytest.mark.parametrize("who", ["auditor", "fgj_handler", "sme_handler", "cadre"])
def test_other_staff_read_the_map_only(county, tea, login, who):
    page = html(login(getattr(county, who)).get(reverse("chain_detail", args=[tea.chain.pk])))
    assert 'data-testid="chain-gaps"' in page and 'data-testid="chain-export"' in page
    assert 'data-testid="chain-node-add"' not in page and 'data-testid="node-edit"' not in page


def test_an_enterprise_user_reads_the_map_and_where_it_sits(county, tea, login):
    client = login(county.ent_b_user)
    response = client.get(reverse("chain_detail", args=[tea.chain.pk]))
    page = html(response)
    assert 'data-testid="chain-chart"' in page and 'data-testid="chain-map-table"' in page
    assert 'data-testid="chain-gaps"' not in page and 'data-testid="chain-totals"' not in page
    assert 'data-testid="chain-export"' not in page and 'data-testid="node-edit"' not in page
    assert "湘中机械有限公司</a>" not in page  # another enterprise's placement is not shown
    nodes = {n["name"]: n for n in walk(chart(response)["tree"]) if isinstance(n.get("id"), int)}
    assert nodes["茶饮原料加工"]["status"] == "own" and nodes["有机茶基地"]["status"] == "ok"
    assert [e["name"] for e in nodes["茶饮原料加工"]["enterprises"]] == ["雀塘食品有限公司"]
    assert client.get(reverse("chain_export", args=[tea.chain.pk])).status_code == 403
    tea.chain.is_active = False
    tea.chain.save()
    assert client.get(reverse("chain_detail", args=[tea.chain.pk])).status_code == 404


def test_an_unknown_chain_is_404(county, login):
    assert login(county.office_user).get(reverse("chain_detail", args=[999])).status_code == 404


def test_a_leading_enterprise_off_the_map_is_flagged(county, tea, login):
    tea.chain.leading_enterprises.add(county.ent_c)
    ChainPlacement.objects.filter(enterprise=county.ent_c).delete()
    page = html(login(county.office_user).get(reverse("chain_detail", args=[tea.chain.pk])))
    facts = page[page.index('data-testid="chain-leading"') :]
    assert facts.index("邵水新材料股份有限公司") < facts.index('data-testid="leading-unplaced"')


def test_an_empty_chain_invites_its_first_node(county, login):
    chain = IndustryChain.objects.create(name="空链")
    page = html(login(county.office_user).get(reverse("chain_detail", args=[chain.pk])))
    assert 'data-testid="chain-empty"' in page and "chain-map-data" not in page


# The session, the user, their roles, the chain, its 链主, the five of chain_map, the calendar warning and the
# unit of the page's header.
MAP_QUERIES = 12


def test_the_map_page_runs_the_same_queries_at_twice_the_size(county, login, django_assert_num_queries):
    chain = IndustryChain.objects.create(name="规模链", chief=county.leader)
    client = login(county.office_user)

    def grow(serial):
        for i in range(4):
            top = node(chain, f"环节{serial}-{i}", UP)
            e = Enterprise.objects.create(
                credit_code=make_credit_code(serial * 100 + i), name=f"企业{serial}-{i}", region=county.town_a
            )
            place(node(chain, "子环节", parent=top), e)
            output(e, 10, range(1, 13))

    grow(1)
    with django_assert_num_queries(MAP_QUERIES):
        client.get(reverse("chain_detail", args=[chain.pk]))
    grow(2)
    with django_assert_num_queries(MAP_QUERIES):
        response = client.get(reverse("chain_detail", args=[chain.pk]))
    assert response.context["map"].count == 8


# The export --------------------------------------------------------------------------------------------------


def test_the_export_lists_every_node_with_its_counts_and_enterprises(county, tea, login, english):
    assert login(county.gxj_head).get(reverse("chain_export", args=[tea.chain.pk])).status_code == 200
    response = login(county.office_user).get(reverse("chain_export", args=[tea.chain.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("Stage", "Level", "Node") and header[-2:] == ("Gap or risk", "Enterprises")
    by_path = {row[2]: row for row in body}
    assert len(body) == 8
    assert by_path["茶饮原料加工"][6] == 2 and by_path["茶饮原料加工"][7] == 1500
    assert "湘中机械有限公司（" in by_path["茶饮原料加工"][10] and "1,200.00" in by_path["茶饮原料加工"][10]
    assert by_path["冷链物流"][9] == "gap: no enterprise on the node nor on its 1 sub-node(s)"
    assert (
        by_path["茶叶种植"][9] == "sub-nodes without enterprise: 花果原料; depends on one enterprise: 湘中机械有限公司"
    )
    assert by_path["门店连锁 › 外卖配送"][9] == "gap: no enterprise"


# Creating and editing a chain ------------------------------------------------------------------------------


def test_the_office_creates_a_chain_from_the_form(county, login):
    client = login(county.office_user)
    assert client.get(reverse("chain_create")).status_code == 200
    response = client.post(
        reverse("chain_create"),
        {
            "name": "方便速食及预制菜",
            "chief": county.leader.pk,
            "task_force": county.gxj.pk,
            "leading_enterprises": [county.ent_b.pk],
            "liaison_name": "周联络",
            "liaison_phone": "13900000000",
            "is_active": "on",
            "sort_order": "3",
        },
    )
    chain = IndustryChain.objects.get(name="方便速食及预制菜")
    assert response.status_code == 302 and response["Location"] == reverse("chain_detail", args=[chain.pk])
    assert chain.chief == county.leader and list(chain.leading_enterprises.all()) == [county.ent_b]
    assert chain.is_active and chain.sort_order == 3


def test_the_form_shows_the_services_messages_and_keeps_what_was_typed(county, tea, login, english):
    client = login(county.office_user)
    response = client.post(
        reverse("chain_edit", args=[tea.chain.pk]),
        {"name": "新式茶饮", "liaison_phone": "12345", "liaison_name": "周", "leading_enterprises": [county.ent_c.pk]},
    )
    page = html(response)
    assert 'data-testid="form-errors"' in page
    assert "Enter a mobile number of 11 digits or a landline such as 0739-1234567." in page
    assert f'name="leading_enterprises" value="{county.ent_c.pk}" checked' in page
    IndustryChain.objects.create(name="速食调味料")
    page = html(client.post(reverse("chain_edit", args=[tea.chain.pk]), {"name": "速食调味料"}))
    assert "A chain named “速食调味料” already exists." in page
    tea.chain.refresh_from_db()
    assert tea.chain.name == "新式茶饮" and tea.chain.liaison_phone == "0739-3612345"


def test_the_chief_list_offers_leaders_only(county, login):
    page = html(login(county.office_user).get(reverse("chain_create")))
    field = page[page.index('name="chief"') : page.index("</select>", page.index('name="chief"'))]
    assert "李县长" in field and "工信局长" not in field


@pytest.mark.parametrize("who", ["leader", "gxj_head", "auditor", "ent_a_user"])
def test_only_the_office_opens_the_chain_forms(county, tea, login, who):
    client = login(getattr(county, who))
    assert client.get(reverse("chain_create")).status_code == 403
    assert client.get(reverse("chain_edit", args=[tea.chain.pk])).status_code == 403
    assert client.post(reverse("chain_edit", args=[tea.chain.pk]), {"name": "改名"}).status_code == 403
    tea.chain.refresh_from_db()
    assert tea.chain.name == "新式茶饮"


def test_the_leading_enterprise_picker(county, tea, login):
    client = login(county.office_user)
    url = reverse("chain_enterprise_search", args=[tea.chain.pk])
    page = html(client.get(url, {"mode": "leading", "q": "雀塘", "leading_enterprises": [county.ent_a.pk]}))
    assert f'value="{county.ent_a.pk}" checked' in page and f'value="{county.ent_b.pk}">' in page
    page = html(client.get(reverse("chain_new_enterprise_search"), {"mode": "leading", "q": county.ent_c.credit_code}))
    assert "邵水新材料股份有限公司" in page
    # Without JavaScript the search button sends the form by GET: what was typed stays.
    page = html(
        client.get(reverse("chain_create"), {"name": "草稿链", "q": "湘中", "leading_enterprises": [county.ent_b.pk]})
    )
    assert 'value="草稿链"' in page and "湘中机械有限公司" in page and f'value="{county.ent_b.pk}" checked' in page


def test_the_placement_picker_is_for_map_editors_and_in_their_scope(county, tea, login):
    url = reverse("chain_enterprise_search", args=[tea.chain.pk])
    page = html(login(county.gxj_handler).get(url, {"mode": "place", "q": "有限公司"}))
    assert 'data-testid="search-count"' in page and "湘中机械" not in page  # not in 工信局's scope
    assert login(county.fgj_handler).get(url, {"mode": "place", "q": "湘中"}).status_code == 403
    assert login(county.leader).get(url, {"mode": "leading", "q": "湘中"}).status_code == 403
    assert login(county.ent_a_user).get(url, {"mode": "place", "q": "湘中"}).status_code == 403


# Editing the map ---------------------------------------------------------------------------------------------


def test_the_chief_adds_a_node_and_places_an_enterprise(county, tea, login):
    client = login(county.leader)
    url = reverse("chain_node_create", args=[tea.chain.pk])
    page = html(client.get(url, {"parent": tea.planting.pk}))
    assert f'<option value="{tea.planting.pk}" selected>' in page
    response = client.post(url, {"name": "茉莉花", "parent": tea.planting.pk, "stage": "downstream", "then": "place"})
    added = ChainNode.objects.get(name="茉莉花")
    assert response["Location"] == reverse("chain_node_edit", args=[added.pk])
    assert (added.stage, added.parent, added.position) == (UP, tea.planting, 3)  # the list's stage is not used
    response = client.post(
        reverse("chain_placement_add", args=[added.pk]), {"enterprise": county.ent_c.pk, "products": "茉莉花茶"}
    )
    assert response.status_code == 302
    assert ChainPlacement.objects.filter(node=added, enterprise=county.ent_c, products="茉莉花茶").exists()
    page = html(client.get(reverse("chain_node_edit", args=[added.pk])))
    assert 'data-testid="placement-row"' in page and "茉莉花茶" in page


def test_node_form_messages(county, tea, login, english):
    client = login(county.office_user)
    page = html(client.post(reverse("chain_node_create", args=[tea.chain.pk]), {"name": "茶叶种植", "stage": UP}))
    assert "The upstream stage already has a top node named “茶叶种植”." in page
    page = html(client.post(reverse("chain_node_create", args=[tea.chain.pk]), {"name": "包材"}))
    assert "Choose the stage: upstream, midstream or downstream." in page
    page = html(
        client.post(reverse("chain_node_edit", args=[tea.organic.pk]), {"name": "花果原料", "parent": tea.planting.pk})
    )
    assert "“茶叶种植” already has a sub-node named “花果原料”." in page
    # A node is not offered as its own parent, nor are its sub-nodes.
    page = html(client.get(reverse("chain_node_edit", args=[tea.planting.pk])))
    parents = page[page.index('name="parent"') : page.index("</select>", page.index('name="parent"'))]
    assert "有机茶基地" not in parents and "茶叶种植" not in parents and "门店连锁" in parents


def test_placement_form_messages(county, tea, login, english):
    client = login(county.office_user)
    page = html(client.post(reverse("chain_placement_add", args=[tea.processing.pk]), {"enterprise": county.ent_b.pk}))
    assert "雀塘食品有限公司 is already placed on “茶饮原料加工”." in page
    page = html(client.post(reverse("chain_placement_add", args=[tea.processing.pk]), {"products": "x"}))
    assert "Search by name or credit code and choose the enterprise to place on the node." in page
    assert ChainPlacement.objects.filter(node=tea.processing).count() == 2
    # Searching without JavaScript: the node's page lists what matches.
    page = html(client.get(reverse("chain_node_edit", args=[tea.fruit.pk]), {"q": "邵水"}))
    assert f'name="enterprise" value="{county.ent_c.pk}" checked' in page


def test_removing_moving_and_deleting(county, tea, login, english):
    client = login(county.gxj_handler)
    placement = ChainPlacement.objects.get(node=tea.stores)
    response = client.post(reverse("chain_placement_delete", args=[placement.pk]))
    assert response["Location"] == reverse("chain_node_edit", args=[tea.stores.pk])
    assert not ChainPlacement.objects.filter(pk=placement.pk).exists()
    client.post(reverse("chain_node_move", args=[tea.cold.pk]), {"position": "1"})
    assert ChainNode.objects.filter(parent=None, stage="downstream").order_by("position").first() == tea.cold
    response = client.post(reverse("chain_node_delete", args=[tea.stores.pk]), follow=True)
    assert "It has 1 sub-node(s): delete or move them first." in html(response)
    assert ChainNode.objects.filter(pk=tea.stores.pk).exists()
    response = client.post(reverse("chain_node_delete", args=[tea.delivery.pk]))
    assert response["Location"] == reverse("chain_detail", args=[tea.chain.pk])
    assert not ChainNode.objects.filter(pk=tea.delivery.pk).exists()


def test_the_move_buttons_follow_the_siblings_order(county, tea, login):
    page = html(login(county.office_user).get(reverse("chain_detail", args=[tea.chain.pk])))
    row = page[page.index(f'id="node-{tea.organic.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="node-up"' not in row and 'data-testid="node-down"' in row
    row = page[page.index(f'id="node-{tea.fruit.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="node-up"' in row and 'data-testid="node-down"' not in row


@pytest.mark.parametrize("who", ["fgj_handler", "sme_handler", "auditor", "cadre", "ent_a_user"])
def test_everyone_else_gets_403_on_the_map_pages(county, tea, login, who):
    client = login(getattr(county, who))
    placement = ChainPlacement.objects.get(node=tea.stores)
    assert client.get(reverse("chain_node_create", args=[tea.chain.pk])).status_code == 403
    assert client.post(reverse("chain_node_create", args=[tea.chain.pk]), {"name": "x", "stage": UP}).status_code == 403
    assert client.get(reverse("chain_node_edit", args=[tea.fruit.pk])).status_code == 403
    assert client.post(reverse("chain_node_move", args=[tea.fruit.pk]), {"position": 1}).status_code == 403
    assert client.post(reverse("chain_node_delete", args=[tea.cold_store.pk])).status_code == 403
    assert (
        client.post(reverse("chain_placement_add", args=[tea.fruit.pk]), {"enterprise": county.ent_a.pk}).status_code
        == 403
    )
    assert client.post(reverse("chain_placement_delete", args=[placement.pk])).status_code == 403
    assert ChainNode.objects.count() == 8 and ChainPlacement.objects.count() == 4


def test_the_task_force_of_another_chain_gets_403(county, tea, login):
    other = IndustryChain.objects.create(name="四大怀药功能食品", task_force=county.fgj)
    other_node = node(other, "山药种植", UP)
    client = login(county.gxj_handler)
    assert client.get(reverse("chain_node_create", args=[other.pk])).status_code == 403
    assert client.get(reverse("chain_node_edit", args=[other_node.pk])).status_code == 403
    assert login(county.fgj_handler).get(reverse("chain_node_edit", args=[other_node.pk])).status_code == 200


def test_map_pages_of_an_unknown_node_are_404(county, login):
    client = login(county.office_user)
    assert client.get(reverse("chain_node_edit", args=[999])).status_code == 404
    assert client.post(reverse("chain_placement_delete", args=[999])).status_code == 404
