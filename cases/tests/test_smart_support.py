"""Fixtures of the smart-dispatch tests (test_smart_*), imported with pytest_plugins. No tests here.

A hand-written history of dispatched and accepted cases in three categories, each led by its own unit
(the road problems by the enterprise's own township), for training; signed-in clients in English."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cases.models import Assignment, Case, CaseCategory, DispatchRule
from cases.services import smart_dispatch
from conftest import PASSWORD

# category code → problems as enterprises word them (title, description).
HISTORY = {
    "financing": [
        ("流动资金贷款到期续贷难", "企业在农商行的流动资金贷款下月到期，银行要求先还后贷，没有过桥资金。"),
        ("申请担保贷款被要求反担保", "向融资担保公司申请贷款，担保公司要求房产反担保，企业没有可抵押的资产。"),
        ("银行抽贷导致资金链紧张", "合作银行突然压缩授信额度，提前收回贷款，企业资金周转困难。"),
        ("技改项目贷款审批太慢", "技改项目向银行申请贷款，材料交了两个月还没审批，设备款付不出去。"),
        ("希望办理无还本续贷", "贷款即将到期，想申请无还本续贷，银行说要等上级行批准，请帮忙对接。"),
        ("贷款利率太高融资成本重", "企业贷款利率偏高，融资成本压力大，希望对接利率低一点的银行产品。"),
        ("应收账款质押融资办不了", "想用应收账款质押向银行融资，银行说核心企业不确权，贷款办不下来。"),
        ("抵押物评估价值过低", "厂房抵押给银行评估价值太低，贷款额度不够，请协调重新评估。"),
        ("小微企业信用贷款申请难", "企业没有抵押物，申请信用贷款被银行拒绝，希望推荐纳入白名单。"),
        ("过桥资金周转困难", "贷款到期需要过桥资金，企业自有资金不足，希望使用应急转贷资金。"),
        ("银行放款慢影响采购", "银行贷款已批但迟迟不放款，原材料采购款付不了。"),
        ("融资租赁业务对接", "企业想通过融资租赁方式购置设备，希望对接融资租赁公司和银行。"),
    ],
    "labour": [
        ("旺季招工难缺少普工", "订单增加，生产线缺普工三十人，附近招不到工人，希望组织招聘会。"),
        ("熟练技工招不到", "企业急需焊工和数控技工，工资开得不低也招不到熟练工人。"),
        ("员工社保补缴问题", "部分员工社保断缴，想办理补缴，不清楚社保政策和流程。"),
        ("希望开展员工技能培训", "新招员工技能不足，希望人社部门组织职业技能培训，并申请培训补贴。"),
        ("劳动纠纷员工讨要工资", "离职员工对加班工资有异议，申请劳动仲裁，企业希望调解。"),
        ("大学生人才留不住", "企业招的大学生待不久，希望享受人才公寓和引才补贴政策。"),
        ("用工缺口大影响交货", "企业用工缺口四十人，招聘信息发了没人应聘，影响订单交货。"),
        ("外地员工子女入学", "外地技术员工子女要在本地入学，希望协调学位，稳定员工队伍。"),
        ("季节性用工短缺", "采摘加工季节性用工短缺，希望对接劳务公司和返乡人员。"),
        ("招聘渠道少", "企业招聘渠道少，希望参加人社局组织的专场招聘会。"),
        ("员工工伤认定慢", "员工工伤认定材料已交，认定结果迟迟没出来，员工情绪大。"),
        ("技工培训补贴申请", "组织员工参加技能培训后，想申请职业培训补贴，不知道怎么办。"),
    ],
    "infrastructure": [
        ("厂区门口道路破损", "厂区门口的道路路面破损严重，下雨积水，货车进出困难，请修复道路。"),
        ("路灯不亮夜班员工不安全", "厂区附近道路路灯坏了好几个月，夜班员工上下班很不安全。"),
        ("排水沟堵塞雨天积水", "厂区外排水沟堵塞，一下大雨就积水倒灌进厂房，请疏通排水。"),
        ("进厂道路太窄大车难进", "进厂道路太窄，大货车进不来，希望拓宽道路。"),
        ("周边道路坑洼不平", "企业周边道路坑洼不平，运输车辆经常颠坏货物，请修补路面。"),
        ("网络信号差影响办公", "厂区位置偏，手机网络信号差，宽带也拉不进来，影响办公和生产系统。"),
        ("公交线路不通员工通勤难", "厂区没有公交线路，员工上下班通勤困难，希望开通公交站点。"),
        ("道路施工封路影响运输", "厂门口道路施工封路，没有设置临时通道，原料运不进来。"),
        ("雨污管网没有接通", "厂区雨污管网没有接入市政管网，污水排放受影响。"),
        ("道路没有硬化扬尘大", "厂区外的道路还是泥巴路，没有硬化，晴天扬尘大雨天泥泞。"),
        ("缺少停车位货车乱停", "厂区外没有停车场，货车只能停路边，存在安全隐患。"),
        ("桥梁限重运输绕路", "附近桥梁限重，满载货车只能绕路二十公里，运输成本高。"),
    ],
}
# Who led each category's cases in the history; None: the enterprise's own township (属地).
LEADS = {"financing": "fgj", "labour": "gxj", "infrastructure": None}


@pytest.fixture
def login(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def categories(db):
    return {c.code: c for c in CaseCategory.objects.all()}


@pytest.fixture
def make_history(county, categories):
    """Write the hand-written history as accepted dispatches, oldest first, spread over the days before
    `until`; returns the cases. `returned` also makes, per category, cases whose lead returned them."""
    serial = itertools.count(1)

    def _make(until: datetime | None = None, *, returned: bool = False) -> list[Case]:
        until = until or timezone.now()
        enterprises = itertools.cycle([county.ent_a, county.ent_b, county.ent_c])
        made = []
        rows = [(code, text) for code, texts in HISTORY.items() for text in texts]
        for i, (code, (title, description)) in enumerate(rows):
            enterprise = next(enterprises)
            lead = getattr(county, LEADS[code]) if LEADS[code] else _township(county, enterprise)
            at = until - timedelta(days=len(rows) - i, hours=3)
            made.append(_accepted(county, enterprise, categories[code], title, description, lead, at, next(serial)))
        if returned:
            for code in HISTORY:
                case = made[[c.category.code for c in made].index(code)]
                Assignment.objects.filter(case=case, role=Assignment.Role.LEAD).update(
                    state=Assignment.State.RETURNED, returned_at=case.submitted_at + timedelta(hours=2)
                )
        return made

    return _make


def _township(county, enterprise):
    return county.town_b_gov if enterprise.region_id == county.town_b.pk else county.town_a_gov


def _accepted(county, enterprise, category, title, description, lead, at, serial) -> Case:
    case = Case.objects.create(
        number=f"2025-{serial:06d}",
        year=at.year,
        enterprise=enterprise,
        title=title,
        description=description,
        category=category,
        channel=Case.Channel.OFFICE,
        submitted_at=at,
        state=Case.State.IN_PROGRESS,
        lead_unit=lead,
        first_assigned_at=at + timedelta(hours=1),
    )
    Assignment.objects.create(
        case=case,
        unit=lead,
        role=Assignment.Role.LEAD,
        state=Assignment.State.ACCEPTED,
        assigned_at=at + timedelta(hours=1),
        assigned_by=county.office_user,
        accepted_at=at + timedelta(hours=2),
    )
    return case


@pytest.fixture
def trained(county, make_history):
    """A model learned from the history (version 1, in use)."""
    make_history()
    return smart_dispatch.suggestion_model_train(trained_by="test")


@pytest.fixture
def catalogue(county, categories):
    """The office's catalogue: financing → 发改局 with 工信局 co-handling, labour → 工信局, roads → the locality."""
    office = county.office_user
    smart_dispatch.dispatch_rule_save(
        actor=office,
        category_id=categories["financing"].pk,
        keywords="贷款 续贷 融资 银行 担保",
        lead_unit_id=county.fgj.pk,
        co_unit_ids=[county.gxj.pk],
    )
    smart_dispatch.dispatch_rule_save(
        actor=office,
        category_id=categories["labour"].pk,
        keywords="招工 用工 工人 社保 培训",
        lead_unit_id=county.gxj.pk,
    )
    smart_dispatch.dispatch_rule_save(
        actor=office,
        category_id=categories["infrastructure"].pk,
        keywords="道路 路灯 排水 路面",
        lead_is_locality=True,
    )
    return {r.category.code: r for r in DispatchRule.objects.select_related("category")}
