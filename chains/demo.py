"""Demo data of the chains app (issue 7 item 5): the four food chains of seed 004 (新式茶饮, 速食调味料,
方便速食及预制菜, 四大怀药功能食品), each with its chief (a deputy county head; the `leader` login chairs one),
its task force, its chain-leading enterprises (链主) and liaison, and a map of upstream / midstream /
downstream nodes, nested, with key products. The county's enterprises are placed on the nodes their trade
belongs to (by industry class), so that some nodes have several enterprises, some one (a risk) and some none
(a 补链 target: the county has no tea grower, dairy or livestock farm among its enterprises).

Then 24 months of events in 新邵县: the 企业家接待日 of every month on its first Monday or the next working
day (the office organizes it; the enterprises that raised a problem there attended it, and those cases —
made by cases.demo on the same days through the reception-day channel — are linked to it), quarterly salons,
policy briefings and training, and the matchmaking events (四项对接) of the industry bureau, the human
resources bureau, the finance office and the townships, with their invitations, attendance and outcomes
(agreements and their amounts, loans, hires). The targets of seed 004 are set for both years through the
service (≥ 10 county-wide, ≥ 2 the industry bureau, ≥ 1 each township); a few townships fall short this
year so the dashboard has something to show.

Then the supply-and-demand board: offers and needs of placed enterprises on their nodes, the matches the
platform proposes (chains.services.market.refresh_matches), some brokered by the office and some agreed.

Runs after cases.demo.build; rows are written directly, as the other demo steps do, except targets and
matches, which go through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.demo import DEMO_COUNTY_CODE, DemoContext, Scale
from accounts.models import Role, Unit, User
from cases.models import Case
from chains import schedule
from chains.models import (
    ChainNode,
    ChainPlacement,
    Event,
    EventOutcome,
    EventParticipant,
    EventTarget,
    IndustryChain,
    MarketMatch,
    MarketPost,
)
from chains.services import events as event_services
from chains.services import market
from core import workdays
from core.models import Notification
from enterprises.models import Enterprise

Stage = ChainNode.Stage
Kind = Event.Kind
MONTHS = 24
PER_NODE = 8  # at most this many enterprises placed on one node (the above-scale and key ones first)
SINGLE = 1  # nodes marked `single` get one enterprise: the single-supplier risk the chain page shows


@dataclass(frozen=True)
class NodeSpec:
    name: str
    products: str
    industries: tuple[str, ...] = ()  # GB/T 4754 groups whose enterprises sit here; none: a gap
    children: tuple[NodeSpec, ...] = ()
    single: bool = False


@dataclass(frozen=True)
class ChainSpec:
    name: str
    description: str
    stages: dict[str, tuple[NodeSpec, ...]]


def _n(name, products, industries="", *children, single=False) -> NodeSpec:
    return NodeSpec(name, products, tuple(industries.split()), tuple(children), single)


CHAINS = [
    ChainSpec(
        "新式茶饮",
        "以邵阳茶、鲜果和乳品为原料，发展茶饮原料、门店连锁和冷链配送的全链条。",
        {
            Stage.UPSTREAM: (
                _n("茶叶种植", "绿茶、黑茶、红茶鲜叶"),
                _n("鲜果种植", "柑橘、脐橙、葡萄、草莓", "015"),
                _n("乳品与植脂原料", "鲜奶、奶粉、植脂末"),
                _n(
                    "包装材料",
                    "纸杯、PET杯、吸管、封口膜",
                    "",
                    _n("纸质包装", "纸杯、纸袋", "223"),
                    _n("塑料包装", "PET杯、杯盖、吸管", "292"),
                ),
            ),
            Stage.MIDSTREAM: (
                _n("精制茶加工", "茶叶拼配、茶粉、茶汤原液", "153"),
                _n("果酱与小料", "果酱、珍珠、椰果、糖浆", "149 139", single=True),
            ),
            Stage.DOWNSTREAM: (
                _n("门店连锁", "直营门店、加盟门店", "521"),
                _n("电商与直播", "线上商城、直播带货", "529"),
                _n("冷链配送", "冷藏车、前置仓", "592 543"),
            ),
        },
    ),
    ChainSpec(
        "速食调味料",
        "依托辣椒、油脂和粮食加工，发展复合调味料、火锅底料和酱料。",
        {
            Stage.UPSTREAM: (
                _n("辣椒与香辛料种植", "朝天椒、花椒、生姜、大蒜", "014"),
                _n(
                    "粮油原料",
                    "大米、面粉、菜籽油",
                    "",
                    _n("粮食加工", "大米、面粉", "131"),
                    _n("食用油加工", "菜籽油、茶油", "133"),
                ),
            ),
            Stage.MIDSTREAM: (
                _n("复合调味料", "火锅底料、剁辣椒、酱料", "146"),
                _n("发酵制品", "豆瓣酱、腐乳、酱油", "146", single=True),
            ),
            Stage.DOWNSTREAM: (
                _n("食品批发", "农产品和食品批发", "512"),
                _n("电商与直播", "线上商城、直播带货", "529"),
                _n("物流仓储", "仓储、干线运输", "543 582"),
            ),
        },
    ),
    ChainSpec(
        "方便速食及预制菜",
        "以本地蔬菜、禽畜和粮食为原料，发展方便食品、速冻食品和湘菜预制菜。",
        {
            Stage.UPSTREAM: (
                _n("蔬菜种植", "辣椒、白菜、莲藕、竹笋", "014"),
                _n("禽畜养殖", "生猪、肉鸡、鸭"),
                _n("粮食种植", "稻谷、玉米", "011"),
            ),
            Stage.MIDSTREAM: (
                _n("方便食品", "方便米粉、自热米饭、速冻水饺", "143"),
                _n("肉制品加工", "腊肉、卤制品、调理肉", "135"),
                _n(
                    "预制菜",
                    "湘菜预制菜、中央厨房",
                    "",
                    _n("中央厨房", "团餐、净菜", "141", single=True),
                    _n("罐头与软包装", "软罐头、即食菜肴"),
                ),
            ),
            Stage.DOWNSTREAM: (
                _n("商超与团餐", "商超、学校食堂、企业团餐", "521"),
                _n("冷链物流", "冷库、冷藏运输", "592"),
            ),
        },
    ),
    ChainSpec(
        "四大怀药功能食品",
        "以山药、地黄、牛膝、菊花四大怀药为原料，发展药食同源功能食品和中药饮片。",
        {
            Stage.UPSTREAM: (
                _n("中药材种植", "山药、地黄、牛膝、菊花", "017"),
                _n("种苗繁育", "脱毒种苗"),
            ),
            Stage.MIDSTREAM: (
                _n("中药饮片", "饮片、切片、粉剂", "273"),
                _n("功能食品", "山药粉、菊花茶、代用茶", "149"),
                _n("提取物", "多糖、皂苷提取物", "276", single=True),
            ),
            Stage.DOWNSTREAM: (
                _n("检验检测", "农残检测、质量认证", "745"),
                _n("医药流通", "药品批发、连锁药房", "516"),
                _n("电商与直播", "线上商城、直播带货", "529"),
            ),
        },
    ),
]

PLACES = ["县政务服务中心三楼会议室", "县助企办会议室", "新邵经济开发区企业服务中心", "县人力资源市场", "县会展中心"]
MATCHMAKING = [
    # (kind, organizer code, title, place)
    (Kind.SALES, "GXJ", "{chain}产销对接会", "县会展中心"),
    (Kind.FINANCE, "GXJ", "“专精特新”企业银企对接会", "县工信局会议室"),
    (Kind.RESEARCH, "GXJ", "{chain}产学研合作对接会", "新邵经济开发区企业服务中心"),
    (Kind.EMPLOYMENT, "RSJ", "春风行动用工对接会", "县人力资源市场"),
    (Kind.EMPLOYMENT, "RSJ", "秋季园区用工专场招聘会", "新邵经济开发区企业服务中心"),
    (Kind.FINANCE, "JRB", "银企融资对接会", "人民银行县支行会议室"),
    (Kind.SALES, "SWJ", "“湘品出湘”产销对接会", "县会展中心"),
]
OTHER_EVENTS = [
    # (kind, organizer code, title, months in which it is held)
    (Kind.SALON, "ZQB", "企业家沙龙", (3, 6, 9, 12)),
    (Kind.SYMPOSIUM, "GOV", "民营企业座谈会", (4, 10)),
    (Kind.POLICY_BRIEFING, "ZQB", "惠企政策宣讲会", (2, 8)),
    (Kind.TRAINING, "GXJ", "中小企业数字化转型培训", (5, 11)),
    (Kind.TRAINING, "SWU", "税费优惠政策培训", (7,)),
]
TOWNSHIP_TITLES = ["{town}农产品产销对接会", "{town}就业帮扶用工对接会", "{town}银企对接会"]
TOWNSHIP_KINDS = [Kind.SALES, Kind.EMPLOYMENT, Kind.FINANCE]
TOWNSHIPS_SHORT_THIS_YEAR = 3  # townships that have not yet held their matchmaking event this year
OUTCOME_TEXTS = {
    EventOutcome.Kind.AGREEMENT: ["签订年度供货协议", "签订原料采购合同", "签订代加工合作协议", "签订战略合作框架协议"],
    EventOutcome.Kind.LOAN: ["获得流动资金贷款", "获得技改项目贷款", "获得“专精特新”信用贷款"],
    EventOutcome.Kind.HIRES: ["现场达成用工意向", "招聘一线操作工", "招聘技术工人"],
}
POSTS = {
    # node name → (offers, needs) written by enterprises on that node
    "精制茶加工": (["茶汤原液、茶粉", "黑茶拼配茶"], ["优质绿茶鲜叶原料"]),
    "鲜果种植": (["脐橙、柑橘鲜果"], ["冷藏运输服务"]),
    "果酱与小料": (["果酱、珍珠小料"], ["鲜果原料"]),
    "塑料包装": (["PET杯、杯盖、吸管"], []),
    "纸质包装": (["纸杯、纸袋定制"], []),
    "门店连锁": ([], ["茶汤原液、茶粉", "PET杯、杯盖", "果酱小料"]),
    "复合调味料": (["火锅底料、剁辣椒"], ["朝天椒原料", "菜籽油"]),
    "辣椒与香辛料种植": (["朝天椒、生姜"], []),
    "食用油加工": (["菜籽油、茶油"], []),
    "食品批发": ([], ["火锅底料、剁辣椒酱"]),
    "方便食品": (["方便米粉、自热米饭"], ["大米原料", "冷链物流"]),
    "粮食加工": (["大米、面粉"], []),
    "冷链物流": (["冷库、冷藏运输服务"], []),
    "商超与团餐": ([], ["方便米粉、自热米饭", "湘菜预制菜"]),
    "中央厨房": (["湘菜预制菜、净菜"], ["蔬菜原料"]),
    "蔬菜种植": (["辣椒、莲藕、竹笋"], []),
    "中药材种植": (["山药、菊花"], []),
    "中药饮片": (["山药饮片"], ["山药、地黄原料", "农残检测服务"]),
    "功能食品": (["山药粉、菊花茶"], ["菊花原料", "电商推广服务"]),
    "检验检测": (["农残检测服务"], []),
    "电商与直播": (["电商推广、直播带货服务"], []),
}
QUANTITIES = ["50吨/月", "200吨/年", "10万件/月", "3000箱/月", "按需", "30吨/季度"]


def _county_units() -> dict[str, Unit]:
    prefix = f"{DEMO_COUNTY_CODE}-"
    return {u.code[len(prefix) :]: u for u in Unit.objects.filter(code__startswith=prefix, is_active=True)}


def _county_enterprises():
    return Enterprise.objects.filter(
        Q(region__code__startswith=DEMO_COUNTY_CODE) | Q(park__code__startswith=DEMO_COUNTY_CODE)
    )


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _chiefs(units: dict[str, Unit], ctx: DemoContext) -> list[User | None]:
    """The deputy county heads, the `leader` login first (it chairs the tea chain)."""
    leaders = list(
        User.objects.filter(role_grants__role=Role.LEADER, unit=units.get("GOV"), title__startswith="副")
        .order_by("pk")
        .distinct()
    )
    login = ctx.logins.get("leader")
    if login is not None and login in leaders:
        leaders.remove(login)
        leaders.insert(0, login)
    return [leaders[i % len(leaders)] if leaders else None for i in range(len(CHAINS))]


def _task_force(units: dict[str, Unit], spec: ChainSpec) -> Unit | None:
    forces = [u for code, u in units.items() if u.kind == Unit.Kind.TASK_FORCE]
    food = next((u for u in forces if "食品" in u.name or spec.name in u.name), None)
    # Without a food task force the industry bureau's economic-operation section runs the chain's 专班.
    return food or units.get("GXJ-JJYX") or units.get("GXJ")


def _build_nodes(chain: IndustryChain, specs, stage: str, parent: ChainNode | None, out: list) -> None:
    for position, spec in enumerate(specs, start=1):
        node = ChainNode.objects.create(
            chain=chain, parent=parent, stage=stage, name=spec.name, key_products=spec.products, position=position
        )
        out.append((node, spec))
        _build_nodes(chain, spec.children, stage, node, out)


def _chains(rng: random.Random, ctx: DemoContext, units: dict[str, Unit], office: User):
    by_industry: dict[str, list[Enterprise]] = {}
    for enterprise in (
        _county_enterprises()
        .select_related("industry")
        .order_by("-above_scale", "-is_key", "-registered_capital", "pk")
    ):
        if enterprise.industry_id:
            by_industry.setdefault(enterprise.industry.code[:3], []).append(enterprise)
    chiefs = _chiefs(units, ctx)
    built = []
    placements = []
    for index, (spec, chief) in enumerate(zip(CHAINS, chiefs, strict=True)):
        chain = IndustryChain.objects.create(
            name=spec.name,
            description=spec.description,
            chief=chief,
            task_force=_task_force(units, spec),
            liaison_name=rng.choice(["刘", "李", "王", "张", "陈"]) + rng.choice(["建军", "海燕", "志刚", "丽华"]),
            liaison_phone=f"0739-36{rng.randint(10000, 99999)}",
            sort_order=index + 1,
        )
        nodes: list[tuple[ChainNode, NodeSpec]] = []
        for stage, specs in spec.stages.items():
            _build_nodes(chain, specs, stage, None, nodes)
        leading = []
        for node, node_spec in nodes:
            pool = [e for code in node_spec.industries for e in by_industry.get(code, [])]
            if not pool:
                continue
            wanted = SINGLE if node_spec.single else min(len(pool), rng.randint(3, PER_NODE))
            # The largest first, then a random few of the rest: a chain map shows its anchors and a spread.
            chosen = pool[:2] + rng.sample(pool[2:], max(0, min(len(pool) - 2, wanted - 2)))
            for enterprise in chosen[:wanted]:
                placements.append(
                    ChainPlacement(
                        node=node,
                        enterprise=enterprise,
                        products=rng.choice(node_spec.products.split("、")),
                        placed_by=office,
                    )
                )
            if node.stage == Stage.MIDSTREAM and len(leading) < 2 and not node_spec.single:
                leading.append(chosen[0])
        chain.leading_enterprises.set(leading)
        built.append((chain, nodes))
    ChainPlacement.objects.bulk_create(placements, ignore_conflicts=True)
    return built


# Events --------------------------------------------------------------------------------------------------


def _month_starts(today: date) -> list[date]:
    first = today.replace(day=1)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(date(year, month + 1, 1))
    return months


def _working_day(day: date, rng: random.Random, entered) -> date:
    day = day + timedelta(days=rng.randint(0, 20))
    while not workdays.is_workday(day, entered):
        day += timedelta(days=1)
    return day


class EventMaker:
    def __init__(self, rng: random.Random, office: User, enterprises: list[Enterprise], today: date):
        self.rng, self.office, self.enterprises, self.today = rng, office, enterprises, today
        self.participants: list[EventParticipant] = []
        self.outcomes: list[EventOutcome] = []
        self.count = 0

    def event(self, kind, title, organizer, day, place, *, chain=None, invited=(), description="") -> Event:
        held = day < self.today
        event = Event.objects.create(
            kind=kind,
            title=title,
            organizer=organizer,
            chain=chain,
            held_on=day,
            place=place,
            status=Event.Status.HELD if held else Event.Status.PLANNED,
            description=description,
            created_by=self.office,
        )
        self.count += 1
        rng = self.rng
        guests = list(dict.fromkeys(invited)) or rng.sample(self.enterprises, min(len(self.enterprises), 8))
        attended = []
        for enterprise in guests:
            came = held and rng.random() < 0.85
            self.participants.append(
                EventParticipant(
                    event=event,
                    enterprise=enterprise,
                    attended=came,
                    attendee=(enterprise.legal_representative or "")[:60] if came else "",
                )
            )
            if came:
                attended.append(enterprise)
        if held:
            self._outcomes(event, attended)
            event.summary = f"到会企业{len(attended)}家。"
            event.save(update_fields=["summary"])
        return event

    def _outcomes(self, event: Event, attended: list[Enterprise]) -> None:
        rng = self.rng
        kinds = {
            Kind.SALES: [(EventOutcome.Kind.AGREEMENT, 0.5)],
            Kind.RESEARCH: [(EventOutcome.Kind.AGREEMENT, 0.3)],
            Kind.FINANCE: [(EventOutcome.Kind.LOAN, 0.6)],
            Kind.EMPLOYMENT: [(EventOutcome.Kind.HIRES, 0.7)],
            Kind.SALON: [(EventOutcome.Kind.AGREEMENT, 0.05)],
        }.get(event.kind, [])
        for enterprise in attended:
            for kind, share in kinds:
                if rng.random() >= share:
                    continue
                outcome = EventOutcome(
                    event=event,
                    kind=kind,
                    enterprise=enterprise,
                    description=rng.choice(OUTCOME_TEXTS[kind]),
                    recorded_by=self.office,
                )
                if kind == EventOutcome.Kind.HIRES:
                    outcome.people = rng.choice((3, 5, 8, 12, 20, 30, 45))
                elif kind == EventOutcome.Kind.LOAN:
                    outcome.amount = Decimal(rng.choice((100, 200, 300, 500, 800, 1000, 1500, 2000)))
                else:
                    outcome.amount = (
                        Decimal(rng.choice((20, 50, 80, 120, 200, 350, 500, 800, 1200)))
                        + Decimal(rng.randint(0, 99)) / 100
                    )
                self.outcomes.append(outcome)


def _events(rng: random.Random, units, office: User, chains, today: date) -> tuple[int, int]:
    entered = workdays.overrides()
    enterprises = list(_county_enterprises().order_by("pk"))
    if not enterprises:
        return 0, 0
    maker = EventMaker(rng, office, enterprises, today)
    placed = {
        chain.pk: list(
            dict.fromkeys(
                p.enterprise for p in ChainPlacement.objects.filter(node__chain=chain).select_related("enterprise")
            )
        )
        for chain, _ in chains
    }
    linked = 0
    months = _month_starts(today)
    # The reception days, with the cases raised there (cases.demo put them on these days).
    reception_cases: dict[date, list[Case]] = {}
    for case in Case.objects.filter(channel=Case.Channel.RECEPTION_DAY, enterprise__isnull=False).select_related(
        "enterprise"
    ):
        reception_cases.setdefault(timezone.localdate(case.submitted_at), []).append(case)
    office_unit = units.get("ZQB")
    for start in [*months, *_month_starts(today.replace(day=28) + timedelta(days=40))[-2:]]:
        day = schedule.reception_day(start.year, start.month, entered)
        if office_unit is None or day > today + timedelta(days=62):
            continue
        cases = reception_cases.get(day, [])
        guests = [c.enterprise for c in cases] + rng.sample(enterprises, min(len(enterprises), rng.randint(3, 6)))
        event = maker.event(
            Kind.RECEPTION_DAY,
            event_services.reception_day_title(day),
            office_unit,
            day,
            PLACES[0],
            invited=guests,
            description="县级领导现场接待企业家，收集企业诉求，现场交办。",
        )
        if cases and event.status == Event.Status.HELD:
            event.cases.add(*cases)
            linked += len(cases)
            for participant in maker.participants:
                if participant.event_id == event.pk and participant.enterprise_id in {c.enterprise_id for c in cases}:
                    participant.attended = True
                    participant.attendee = participant.attendee or "企业负责人"
    years = sorted({m.year for m in months})
    for year in years:
        year_months = [m for m in months if m.year == year]
        for spec_index, (kind, code, title, place) in enumerate(MATCHMAKING):
            organizer = units.get(code)
            if organizer is None:
                continue
            month = year_months[(spec_index * 5 + year) % len(year_months)]
            chain, _ = chains[(spec_index + year) % len(chains)] if chains else (None, None)
            day = _working_day(month, rng, entered)
            guests = rng.sample(placed[chain.pk], min(len(placed[chain.pk]), 10)) if chain else []
            maker.event(
                kind,
                title.format(chain=chain.name if chain else ""),
                organizer,
                day,
                place,
                chain=chain if "{chain}" in title else None,
                invited=guests,
            )
        for kind, code, title, in_months in OTHER_EVENTS:
            organizer = units.get(code)
            for month in year_months:
                if organizer is not None and month.month in in_months:
                    maker.event(kind, title, organizer, _working_day(month, rng, entered), rng.choice(PLACES))
        townships = sorted((u for u in units.values() if u.kind == Unit.Kind.TOWNSHIP), key=lambda u: u.code)
        short = (
            set(rng.sample(townships, min(TOWNSHIPS_SHORT_THIS_YEAR, len(townships)))) if year == today.year else set()
        )
        for township in townships:
            if township in short:
                continue
            local = [e for e in enterprises if e.region_id == township.region_id] or enterprises
            choice = rng.randrange(len(TOWNSHIP_KINDS))
            town = township.name.removesuffix("人民政府").removesuffix("办事处")
            day = _working_day(rng.choice(year_months), rng, entered)
            if year == today.year and day >= today:
                day = _working_day(year_months[0], rng, entered)
            maker.event(
                TOWNSHIP_KINDS[choice],
                TOWNSHIP_TITLES[choice].format(town=town),
                township,
                day,
                f"{town}政府会议室",
                invited=rng.sample(local, min(len(local), 6)),
            )
    EventParticipant.objects.bulk_create(maker.participants, ignore_conflicts=True)
    EventOutcome.objects.bulk_create(maker.outcomes)
    return maker.count, linked


# Supply and demand ---------------------------------------------------------------------------------------


def _market(rng: random.Random, office: User, chains, today: date) -> str:
    posts = []
    for _chain, nodes in chains:
        for node, _spec in nodes:
            offers, needs = POSTS.get(node.name, ([], []))
            placed = list(ChainPlacement.objects.filter(node=node).select_related("enterprise")[:3])
            for kind, texts in ((MarketPost.Kind.OFFER, offers), (MarketPost.Kind.NEED, needs)):
                for text, placement in zip(texts, placed, strict=False):
                    start = today - timedelta(days=rng.randint(5, 120))
                    posts.append(
                        MarketPost(
                            enterprise=placement.enterprise,
                            kind=kind,
                            title=text,
                            description=f"{placement.enterprise.name}{'供应' if kind == 'offer' else '求购'}{text}。",
                            node=node,
                            quantity=rng.choice(QUANTITIES),
                            period_from=start,
                            period_to=start + timedelta(days=rng.choice((90, 180, 365))),
                            created_by=office,
                        )
                    )
    MarketPost.objects.bulk_create(posts)
    market.refresh_matches()
    proposed = list(MarketMatch.objects.order_by("-score", "pk"))
    agreed = 0
    for index, match in enumerate(proposed[: max(1, len(proposed) // 2)]):
        market.match_broker(actor=office, match_id=match.pk)
        if index % 3 == 0:
            market.match_record(
                actor=office, match_id=match.pk, status=MarketMatch.Status.CONTACTED, note="已电话联系双方"
            )
        elif index % 3 == 1:
            market.match_record(
                actor=office, match_id=match.pk, status=MarketMatch.Status.CONTACTED, note="双方已见面洽谈"
            )
            market.match_record(
                actor=office,
                match_id=match.pk,
                status=MarketMatch.Status.AGREED,
                amount=Decimal(rng.choice((30, 60, 120, 200, 450))),
                agreed_on=today - timedelta(days=rng.randint(1, 60)),
                note="签订供货协议",
            )
            agreed += 1
    return f"{len(posts)} posts, {len(proposed)} matches proposed, {agreed} agreed"


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    units = _county_units()
    office = ctx.logins.get("office") or User.objects.filter(role_grants__role=Role.OFFICE).order_by("pk").first()
    if office is None or not units:
        ctx.progress("chains: no office user or no county units, nothing built")
        return
    today = timezone.localdate()
    chains = _chains(random.Random(rng.getrandbits(64)), ctx, units, office)
    ctx.progress(
        f"chains: {len(chains)} chains, {ChainNode.objects.count()} nodes, "
        f"{ChainPlacement.objects.count():,} enterprises placed"
    )
    events, linked = _events(random.Random(rng.getrandbits(64)), units, office, chains, today)
    for year in sorted({today.year - 1, today.year}):
        event_services.targets_apply_defaults(actor=office, year=year)
    ctx.progress(
        f"chains: {events} events over {MONTHS} months ({linked} reception-day cases linked), "
        f"{EventOutcome.objects.count():,} outcomes, {EventTarget.objects.count()} targets"
    )
    ctx.progress(f"chains: supply and demand — {_market(random.Random(rng.getrandbits(64)), office, chains, today)}")


RESET_ORDER = [
    MarketMatch,
    MarketPost,
    EventTarget,
    EventOutcome,
    EventParticipant,
    Event.cases.through,
    Event,
    ChainPlacement,
    IndustryChain.leading_enterprises.through,
    ChainNode,
    IndustryChain,
]


def _delete_all(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset(ctx: DemoContext) -> None:
    notifications, _ = Notification.objects.filter(topic__startswith="market:").delete()
    # Nodes point at their parents: clear the links first so one DELETE takes them all on every database.
    ChainNode.objects.update(parent=None)
    deleted = {model._meta.model_name: _delete_all(model) for model in RESET_ORDER}
    summary = ", ".join(f"{count:,} {name}" for name, count in deleted.items() if count)
    ctx.progress(f"reset chains: deleted {summary or 'nothing'}; {notifications:,} notifications")
