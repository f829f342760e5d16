"""The smart-dispatch part of the demo (docs/cases/smart-dispatch.md): the county's dispatch catalogue, a
model learned from the cases before a cut-off, what it would have suggested for each case dispatched after
it (computed, not invented: the accuracy on the dashboard is that model's on those cases), the model in use
learned from all history, and a few new problems several enterprises raised alike, for the clusters view.

Runs after the other steps: it reads the cases they made and adds only its own rows and those new cases."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from accounts.demo import DemoContext, Scale
from accounts.models import Unit
from cases.demo import LEADS
from cases.models import Assignment, Case, CaseCategory, DispatchRule, DispatchSuggestion, SuggestionModel
from cases.services import intake, smart_dispatch
from cases.smart import catalogue, learning
from enterprises.models import Enterprise

# What the office wrote into its catalogue, by category: the words its dispatchers look for.
KEYWORDS = {
    "financing": "贷款 续贷 融资 银行 担保 抵押 授信 利率 过桥 资金周转 还款",
    "labour": "招工 用工 工人 员工 技工 社保 培训 劳动 工资 缺工 人才",
    "electricity": "用电 电力 变压器 供电 停电 电费 电压 增容 线路 电网",
    "land": "用地 土地 厂房 不动产 产权 征地 规划 红线 亩 宗地",
    "gas_water": "用气 天然气 燃气 供水 用水 水压 管网 停水 蒸汽",
    "logistics": "物流 运输 货车 快递 仓储 运费 冷链 通行证 限行",
    "policy_delivery": "补贴 奖励 奖补 兑现 申报 政策 专项资金 减免 退税 稳岗",
    "approvals": "审批 许可 证照 备案 验收 消防 环评 施工许可 办证 营业执照",
    "legal_disputes": "纠纷 欠款 合同 诉讼 仲裁 执行 拖欠 侵权 阻工",
    "market": "订单 销售 市场 展会 客户 销路 采购 出口 电商",
    "innovation": "研发 技术 专利 高新技术 创新 科技 技改 数字化 检测 中试",
    "infrastructure": "道路 路灯 排水 污水管 围墙 园区道路 积水 路面 通讯 网络信号",
    "environment": "环保 排放 污水 废气 噪声 固废 危废 督察 整改 监测",
    "other": "治安 安全 子女入学 住房 食堂 其他",
}
# The catalogue's co-handling units, by category (unit codes as in cases.demo.LEADS).
CO_UNITS = {"approvals": ["ZJJ"], "land": ["ZJJ"], "financing": ["RMYH"], "environment": []}

# New problems several enterprises raised alike, not yet dispatched (the clusters view merges them), and
# one enterprise's repeat of its own problem (a possible duplicate).
CLUSTERS = [
    (
        "infrastructure",
        [
            (
                "园区主干道路面破损，货车进出困难",
                "园区主干道多处路面破损塌陷，下雨积水，大货车进出厂区困难，请修复路面。",
            ),
            (
                "厂区门口道路坑洼积水严重",
                "我司门口的园区道路坑洼不平，下雨后大面积积水，货车和员工进出很不方便，希望尽快修补路面。",
            ),
            (
                "园区道路塌陷影响货车通行",
                "来电人反映园区道路路面塌陷破损，雨天积水，运货的大货车经常陷车，诉求：修复道路。",
            ),
        ],
    ),
    (
        "gas_water",
        [
            (
                "园区近期频繁停水影响生产",
                "本月园区已停水四次，事先没有通知，生产线被迫停工，希望供水单位提前告知并保障供水。",
            ),
            (
                "工业园区停水没有提前通知",
                "园区这周又停水两次，没有提前通知，我们的生产用水断了，损失不小，请协调供水保障。",
            ),
            ("频繁停水导致企业停产", "您好，园区经常突然停水，生产用水无法保障，企业已停产两天，望相关部门协调供水。"),
        ],
    ),
    (
        "logistics",
        [
            (
                "县城限行后货车无法进城送货",
                "县城实行货车限行后，我们的送货车辆白天无法进城，客户订单交付受影响，希望办理货车通行证。",
            ),
            ("货车通行证办理难", "公司配送货车需要白天进城区送货，限行后通行证一直办不下来，请帮助协调办理通行证。"),
        ],
    ),
]
# The days replayed with the model learned before them: what the dashboard's accuracy reads in the demo.
REPLAY_DAYS = 60
# The first road problem's enterprise calls again the next day through the hotline: a possible duplicate.
DUPLICATE = (
    "园区道路破损问题再次反映",
    "前几天反映的园区主干道路面破损塌陷问题还没人来修，货车进出还是很困难，请尽快修复路面。",
)


def _unit(county, code: str) -> Unit | None:
    return county.departments.get(code)


def _catalogue(county, categories: dict[str, CaseCategory], actor) -> int:
    saved = 0
    for code, words in KEYWORDS.items():
        category = categories.get(code)
        if category is None:
            continue
        leads = sorted(LEADS.get(code, {}).items(), key=lambda item: -item[1])
        top = leads[0][0] if leads else None
        lead = _unit(county, top) if top not in (None, "TOWN", "PARK", "TASK") else None
        co = [u.pk for u in (_unit(county, c) for c in CO_UNITS.get(code, [])) if u is not None and u != lead]
        smart_dispatch.dispatch_rule_save(
            actor=actor,
            category_id=category.pk,
            keywords=words,
            lead_unit_id=lead.pk if lead else None,
            lead_is_locality=top in ("TOWN", "PARK"),
            co_unit_ids=co,
            add_locality=True,
        )
        saved += 1
    return saved


def _backfill(model: SuggestionModel, after) -> int:
    """What `model` would have suggested for each case first dispatched after `after`, and what the office
    chose then (the first lead unit it assigned, the case's category)."""
    fitted = learning.active_model()[1]
    rules = catalogue.load_rules()
    first_leads = {}
    for case_id, unit_id in (
        Assignment.objects.filter(role=Assignment.Role.LEAD, case__submitted_at__gte=after)
        .order_by("case_id", "assigned_at", "pk")
        .values_list("case_id", "unit_id")
    ):
        first_leads.setdefault(case_id, unit_id)
    cases = Case.objects.filter(pk__in=first_leads).select_related("enterprise__region").order_by("pk")
    records = []
    for case in cases:
        suggested = smart_dispatch.suggest_for_text(
            case.title, case.description, case.enterprise, rules=rules, fitted=fitted, model=model
        )
        record = suggested.fill(
            DispatchSuggestion(
                case=case, created_at=case.submitted_at, text_digest="", decided_at=case.first_assigned_at
            )
        )
        record.set_choice(case.category_id, first_leads[case.pk])
        records.append(record)
    DispatchSuggestion.objects.bulk_create(records, batch_size=500)
    return len(records)


def _new_problems(rng: random.Random, county, office_user, categories) -> int:
    firms = list(
        Enterprise.objects.filter(region__path__startswith=county.region.path, park__isnull=False).order_by("pk")[:400]
    ) or list(Enterprise.objects.filter(region__path__startswith=county.region.path).order_by("pk")[:400])
    if len(firms) < 8:
        return 0
    made = 0
    # Filed after every case the other steps made, in order, so that the numbers keep the filing order.
    now = timezone.now().replace(microsecond=0)
    last = Case.objects.aggregate(last=Max("submitted_at"))["last"] or now - timedelta(days=2)
    start = max(last, now - timedelta(hours=60))
    count = sum(len(problems) for _, problems in CLUSTERS) + 1
    moments = iter(
        sorted((start + (now - start) * rng.uniform(0.05, 0.95)).replace(microsecond=0) for _ in range(count))
    )
    chosen = rng.sample(firms, 9)
    for code, problems in CLUSTERS:
        for title, description in problems:
            firm = chosen.pop()
            intake.case_submit(
                actor=office_user,
                enterprise_ids=[firm.pk],
                title=title,
                description=description,
                category_id=categories[code].pk,
                channel=Case.Channel.HOTLINE,
                submitted_at=next(moments),
                notify_office=False,
            )
            made += 1
    first = Case.objects.filter(title=CLUSTERS[0][1][0][0]).order_by("-pk").first()
    if first is not None:
        intake.case_submit(
            actor=office_user,
            enterprise_ids=[first.enterprise_id],
            title=DUPLICATE[0],
            description=DUPLICATE[1],
            category_id=categories["infrastructure"].pk,
            channel=Case.Channel.HOTLINE,
            submitted_at=next(moments),
            notify_office=False,
        )
        made += 1
    return made


# What the last build made, for the demo's tests: the cases it filed.
LAST_BUILD: dict[str, int] = {}


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    LAST_BUILD.clear()
    if ctx.org is None or not Case.objects.exists():
        ctx.progress("smart dispatch: no cases, nothing learned")
        return
    county = ctx.org.demo_county
    office_user = ctx.logins.get("office")  # the demo's office director: the catalogue is theirs
    categories = {c.code: c for c in CaseCategory.objects.all()}
    rules = _catalogue(county, categories, office_user)
    now = timezone.now()
    cutoff = now - timedelta(days=REPLAY_DAYS)
    history = learning.examples()
    try:
        past = smart_dispatch.suggestion_model_train(trained_by="demo", cutoff=cutoff, items=history, holdout=False)
    except learning.NotEnoughHistory:
        ctx.progress(f"smart dispatch: catalogue of {rules} categories; too few cases to learn from")
        return
    backfilled = _backfill(past, cutoff)
    current = smart_dispatch.suggestion_model_train(trained_by="demo", cutoff=now, items=history)
    made = _new_problems(rng, county, office_user, categories) if office_user is not None else 0
    LAST_BUILD["cases"] = made
    ctx.progress(
        f"smart dispatch: catalogue of {rules} categories; v{past.version} learned from {past.case_count:,} cases "
        f"before {cutoff:%Y-%m-%d} and replayed on {backfilled:,} dispatched since; v{current.version} in use "
        f"({current.case_count:,} cases); {made} new similar problems"
    )


def reset(ctx: DemoContext) -> None:
    DispatchSuggestion.objects.all().delete()
    SuggestionModel.objects.all().delete()
    DispatchRule.objects.all().delete()
