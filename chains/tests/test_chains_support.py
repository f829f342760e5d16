"""Fixtures the test_chains_* modules share (imported through pytest_plugins; no tests here).

The tea chain (新式茶饮), chief 李县长 (leader), task force 县工信局 (gxj), 链主 湘中机械 (ent_a):

    upstream    茶叶种植            ent_a (through 有机茶基地)          single enterprise; sub-node 花果原料 empty
                ├── 有机茶基地      ent_a
                └── 花果原料        —                                   gap (under a parent with enterprises)
    midstream   茶饮原料加工        ent_a, ent_b                        ent_a also upstream: counted once in the chain
    downstream  门店连锁            ent_c (placed on the parent itself) single enterprise; sub-node 外卖配送 empty
                ├── 外卖配送        —                                   gap
                冷链物流            —                                   gap with its sub-node
                └── 冷库            —

Output value: ent_a 100 万元 a month over the 12 months ending last month (1,200; a 13th month back and the
current month are outside the window), ent_b 50 a month over the last 6 (300), ent_c none.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from chains.models import ChainNode, ChainPlacement, IndustryChain
from conftest import PASSWORD
from enterprises.models import MonthlyFigure

UP, MID, DOWN = ChainNode.Stage.UPSTREAM, ChainNode.Stage.MIDSTREAM, ChainNode.Stage.DOWNSTREAM


def months_back(n: int) -> date:
    """The first of the month n months before the current one."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def node(chain, name, stage=None, parent=None, position=0, key_products=""):
    return ChainNode.objects.create(
        chain=chain, name=name, stage=stage or parent.stage, parent=parent, position=position, key_products=key_products
    )


def place(node_, enterprise, products=""):
    return ChainPlacement.objects.create(node=node_, enterprise=enterprise, products=products)


def output(enterprise, amount, months):
    MonthlyFigure.objects.bulk_create(
        MonthlyFigure(enterprise=enterprise, period=months_back(n), output_value=Decimal(amount)) for n in months
    )


@dataclass
class Tea:
    chain: IndustryChain
    planting: ChainNode
    organic: ChainNode
    fruit: ChainNode
    processing: ChainNode
    stores: ChainNode
    delivery: ChainNode
    cold: ChainNode
    cold_store: ChainNode


@pytest.fixture
def tea(county):
    chain = IndustryChain.objects.create(
        name="新式茶饮", chief=county.leader, task_force=county.gxj, liaison_name="周联络", liaison_phone="0739-3612345"
    )
    chain.leading_enterprises.set([county.ent_a])
    planting = node(chain, "茶叶种植", UP, position=1, key_products="绿茶、红茶")
    organic = node(chain, "有机茶基地", parent=planting, position=1)
    fruit = node(chain, "花果原料", parent=planting, position=2, key_products="柠檬, 百香果")
    processing = node(chain, "茶饮原料加工", MID, position=1)
    stores = node(chain, "门店连锁", DOWN, position=1)
    delivery = node(chain, "外卖配送", parent=stores, position=1)
    cold = node(chain, "冷链物流", DOWN, position=2)
    cold_store = node(chain, "冷库", parent=cold, position=1)
    place(organic, county.ent_a, "有机绿茶")
    place(processing, county.ent_a, "茶汤原液")
    place(processing, county.ent_b, "果浆")
    place(stores, county.ent_c)
    output(county.ent_a, 100, range(1, 13))
    output(county.ent_a, 500, [13])  # before the window
    output(county.ent_a, 999, [0])  # the current month: not reported in full yet
    output(county.ent_b, 50, range(1, 7))
    return Tea(chain, planting, organic, fruit, processing, stores, delivery, cold, cold_store)


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
