"""Demo enterprises (issue 3 item 10, DESIGN.md §8): the registry of every county of the demo, 24 months
of operating figures, early warnings, cultivation pools, linkages (包联), assistance plans (一企一策) and
visits (走访), so that every demo login sees a living system.

Runs after accounts.demo.build, whose counties, leaders and cadres it takes from the DemoContext. Each
enterprise is first planned as a `Firm`, a story in numbers (its trade, size, last year's revenue, its
growth, its margins, whether it is drifting toward the above-scale line or growing toward it); the registry
row, the figures, the pools and the plans all follow from that story, so they agree with each other.
Everything is bulk-inserted in batches and drawn from random streams seeded by the demo seed: the same seed
builds the same rows.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from accounts.demo import BATCH, DemoContext, Jurisdiction, People, Scale, insert_users
from accounts.models import Region, Role, User
from core.periods import add_months
from enterprises.models import (
    ABOVE_SCALE_REVENUE,
    AssistancePlan,
    CultivationPool,
    Enterprise,
    EnterpriseWarning,
    Linkage,
    MonthlyFigure,
    PlanGoal,
    PlanProgress,
    PoolMembership,
    Tag,
    Visit,
    VisitProblem,
    WarningLevel,
)
from enterprises.validators import ALPHABET, credit_code_check_char

LINE = float(ABOVE_SCALE_REVENUE)  # 万元 a year


def _words(text: str) -> list[str]:
    return text.split()


# --- Names and trades ----------------------------------------------------------------------------------

# Trade names (字号), in the shape real registrations take: 湖南宏达机械制造有限公司.
TRADE_NAMES = _words(
    "宏达 金鑫 华兴 恒盛 鑫源 瑞丰 永兴 天成 宝利 隆昌 富民 兴旺 众合 盛达 远航 锦程 德润 祥瑞 鼎盛 凯旋 "
    "新峰 华鑫 金源 长青 福源 和顺 泰和 顺发 佳美 精诚 力拓 博远 蓝天 绿源 金桥 联创 诚信 万通 三湘 湘佳 "
    "宝山 龙腾 飞虹 振华 兴业 明珠 恒通 天宇 星辰 致远 荣盛 国泰 金石 银河 东方 正大 昌盛 旺达 和美 鸿运 "
    "信达 安泰 晟通 骏达 宏图 百盛 华源 金穗 丰泽 惠民 邦达 润泽 弘毅 方圆 亿达 中南 湘银 宏泰 嘉瑞 诚达 "
    "久盛 天马 鑫盛 汇通 瑞达 永盛 恒远 康源 裕丰 金湘 鼎立 合力 卓越 聚源 乾元 泰昌 华瑞 蓝海 达源 中顺"
)
# When the curated trade names of a place run out (a province has 500,000 enterprises), two characters
# that registrations like to combine.
TRADE_FIRST = "宏金华恒鑫瑞永天宝隆富兴众盛远锦德祥鼎凯新长福和泰顺佳精博联诚万湘龙振明荣国银东正昌旺鸿信安晟骏"
TRADE_SECOND = "达鑫兴盛源丰成利昌民旺合航程润瑞凯峰青顺美诚远创通佳山腾虹华业珠宇辰泰发泽图康裕立力越元海"


class Trade(NamedTuple):
    """The industry word of a name, the GB/T 4754-2017 groups it registers under, and its economics."""

    word: str
    weight: float
    groups: tuple[str, ...]
    kind: str  # "industry" (sections B–D: can be above-scale), "agriculture" or "services"
    tech: bool = False  # reports R&D; likely 高新技术企业 / 科技型中小企业
    energy: float = 0.06  # electricity (万千瓦时) per 万元 of output
    export: float = 0.03  # share of the trade's enterprises tagged 外贸


def _groups(codes: str) -> tuple[str, ...]:
    return tuple(codes.split())


TRADES: list[Trade] = [
    Trade("机械制造", 6, _groups("341 342 343 344 345 346 348 349 351 352 353 357"), "industry", energy=0.07),
    Trade("食品", 5, _groups("131 135 137 139 141 143 146 149"), "industry", energy=0.05),
    Trade("新材料", 5, _groups("265 266 306 309 324 325"), "industry", tech=True, energy=0.18),
    Trade("电子科技", 5, _groups("391 392 396 397 398 399"), "industry", tech=True, energy=0.05, export=0.08),
    Trade("纺织", 3, _groups("171 175 176 177 178"), "industry", energy=0.09, export=0.12),
    Trade("建材", 4, _groups("301 302 303 304 308"), "industry", energy=0.30),
    Trade("医药", 2, _groups("271 272 273 274 276 277"), "industry", tech=True, energy=0.05),
    Trade("五金制品", 3, _groups("331 332 335 338 339"), "industry", energy=0.08, export=0.08),
    Trade("包装材料", 2, _groups("223 292 333"), "industry", energy=0.08),
    Trade("塑料制品", 2, _groups("292"), "industry", energy=0.09),
    Trade("服饰", 2, _groups("181 182 183"), "industry", energy=0.03, export=0.12),
    Trade("矿业", 1, _groups("091 101 109"), "industry", energy=0.35),
    Trade("化工", 2, _groups("261 262 264 266 268"), "industry", energy=0.25),
    Trade("竹木制品", 2, _groups("201 202 203 204"), "industry", energy=0.06, export=0.06),
    Trade("茶业", 2, _groups("153"), "industry", energy=0.04, export=0.04),
    Trade("电气设备", 2, _groups("381 382 383 387"), "industry", tech=True, energy=0.05),
    Trade("汽车零部件", 2, _groups("367"), "industry", energy=0.07),
    Trade("环保科技", 2, _groups("359 421 422"), "industry", tech=True, energy=0.08),
    Trade("生物科技", 2, _groups("149 266 276"), "industry", tech=True, energy=0.06),
    Trade("家具", 2, _groups("211 212 213"), "industry", energy=0.05, export=0.05),
    Trade("印务", 1, _groups("231 232"), "industry", energy=0.05),
    Trade("智能装备", 2, _groups("342 349 356 359"), "industry", tech=True, energy=0.05),
    Trade("光电科技", 1, _groups("387 397 398 404"), "industry", tech=True, energy=0.06),
    Trade("陶瓷", 1, _groups("307"), "industry", energy=0.40, export=0.10),
    Trade("打火机制造", 1, _groups("411"), "industry", energy=0.04, export=0.35),
    Trade("油脂", 1, _groups("133"), "industry", energy=0.05),
    Trade("粮油", 2, _groups("131 133"), "industry", energy=0.05),
    Trade("中药材", 1, _groups("273"), "industry", energy=0.04),
    Trade("再生资源", 1, _groups("421 422"), "industry", energy=0.15),
    Trade("农业开发", 5, _groups("011 014 015 017 051 053"), "agriculture", energy=0.02),
    Trade("商贸", 4, _groups("511 512 513 516 517 521"), "services", energy=0.01, export=0.05),
    Trade("物流", 3, _groups("543 582 592"), "services", energy=0.01),
    Trade("信息技术", 2, _groups("651 653 656"), "services", tech=True, energy=0.01),
    Trade("软件开发", 1, _groups("651 652"), "services", tech=True, energy=0.01),
    Trade("工程技术", 1, _groups("748 749"), "services", tech=True, energy=0.01),
    Trade("检测技术", 1, _groups("745 746"), "services", tech=True, energy=0.02),
    Trade("电子商务", 1, _groups("529"), "services", energy=0.01),
]
_TRADE_WEIGHTS = [t.weight for t in TRADES]

COMPANY_FORMS = [("有限公司", 80), ("股份有限公司", 8), ("有限责任公司", 12)]
ENTERPRISE_TITLES = ["总经理", "董事长", "财务总监", "办公室主任", "行政主管", "副总经理", "综合部经理"]
CONTACT_TITLES = ["办公室主任", "财务经理", "行政主管", "综合部经理", "副总经理", "统计员"]
ROAD_ROOTS = _words(
    "建设 人民 解放 新华 迎宾 工业 兴业 创业 科技 园区 滨江 资江 东风 金龙 腾飞 发展 振兴 长征 团结 和平 "
    "富民 新城 育才 环城 工农"
)
ROAD_KINDS = ["路", "路", "大道", "街"]
VILLAGE_ROOTS = _words(
    "石门 龙山 白水 新田 桐梓 长冲 杉木 洪塘 大田 荷塘 竹林 太平 高峰 塘湾 团结 红光 双龙 联合 金星 东升"
)

# Lead departments for linkages, by how often they lead one (the industry bureau most of all).
LEAD_DEPARTMENTS = {
    "GXJ": 6,
    "GXJ-ZXQY": 2,
    "FGJ": 2,
    "SWJ": 2,
    "KJJ": 2,
    "CZJ": 1,
    "RSJ": 1,
    "ZRJ": 1,
    "SJJ": 1,
    "SWU": 1,
    "GDGS": 1,
    "JRB": 1,
    "NYJ": 1,
}
FEATURED_LINKAGES = 6  # linkages of 新邵县 that the demo leader, industry bureau and cadre all share
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code
_BODY_CHARS = ALPHABET

# --- The economy of the demo -----------------------------------------------------------------------------

# Share of industrial enterprises above the line (≈ 15 % of all enterprises, services and farms included).
ABOVE_SCALE_SHARE = 0.19
NEAR_LINE_SHARE = 0.08  # of the other industrial ones: between 1,000 and 2,000 万元, growing
CROSSING_SHARE = 0.08  # of those near the line: growing past it this year (拟入库), about the 小升规 target
DRIFTING_SHARE = 0.07  # of the above-scale ones: sliding toward the line (易退库)
LOSS_SHARE_ABOVE = 0.125  # above-scale enterprises losing money this year
LOSS_SHARE_OTHER = 0.15
LOSS_LAST_YEAR_TOO = 0.4  # of this year's loss-makers: two years running
RECOVERED_SHARE = 0.06  # loss-making last year, profitable this year
POWER_DROP_SHARE = 0.04  # electricity use falling the last three months
SMALL_TO_SCALE_TARGET = 0.006  # this year's 小升规 target, per enterprise of the jurisdiction

# Monthly share of a year's revenue (sums to 12): the Spring Festival empties January and February,
# the year-end rush fills December.
SEASON = (0.0, 0.88, 0.62, 1.00, 1.00, 1.02, 1.08, 0.98, 0.96, 1.06, 1.04, 1.08, 1.28)

# Size classes (统计上大中小微型企业划分办法 2017), industry: employees and revenue (万元) both at least.
INDUSTRY_SIZES = [("large", 1000, 40000), ("medium", 300, 2000), ("small", 20, 300)]
OTHER_SIZES = [("large", 300, 20000), ("medium", 100, 1000), ("small", 10, 100)]
CAPITAL_BY_SIZE = {
    "micro": [10, 20, 30, 50, 50, 100, 100, 200],
    "small": [50, 100, 200, 300, 500, 500, 800, 1000, 1000, 2000],
    "medium": [500, 1000, 2000, 3000, 5000, 5000, 8000],
    "large": [5000, 10000, 20000, 30000, 50000],
}


@dataclass(slots=True, eq=False)
class Firm:
    """One demo enterprise: its plan (what it is and how it fares) and, once built, what its figures say."""

    county: Jurisdiction
    region: Region
    trade: Trade
    revenue: float  # last calendar year's main business revenue, as planned (万元)
    growth: float  # this year over last
    margin_last: float
    margin_this: float
    employees: int
    size: str
    above_scale: bool
    near_line: bool = False
    drifting: bool = False
    power_drop: bool = False
    is_key: bool = False
    tags: list[str] = field(default_factory=list)
    pk: int = 0
    legal_representative: str = ""
    contact_name: str = ""
    # What the generated figures say: last year (PY), this year to date (YTD) and the same months of PY.
    revenue_py: float = 0.0
    revenue_ytd: float = 0.0
    revenue_ytd_py: float = 0.0
    profit_py: float = 0.0
    profit_ytd: float = 0.0
    profit_ytd_py: float = 0.0
    electricity_ytd: float = 0.0
    electricity_ytd_py: float = 0.0
    rd_ytd: float = 0.0
    rd_ytd_py: float = 0.0
    employees_now: int = 0
    employees_start: int = 0
    # This year's months, kept only for the enterprises plans and visits talk about in numbers.
    monthly_revenue: array | None = None
    monthly_profit: array | None = None

    @property
    def industrial(self) -> bool:
        return self.trade.kind == "industry"

    @property
    def loss_this_year(self) -> bool:
        return self.profit_ytd < 0

    @property
    def loss_last_year(self) -> bool:
        return self.profit_py < 0

    @property
    def projection(self) -> float:
        """This year's revenue as last year's, scaled by the year-to-date growth."""
        if self.revenue_ytd_py <= 0:
            return self.revenue_py
        return self.revenue_py * self.revenue_ytd / self.revenue_ytd_py

    @property
    def growth_ytd(self) -> float:
        return (self.revenue_ytd / self.revenue_ytd_py - 1) * 100 if self.revenue_ytd_py > 0 else 0.0


@dataclass
class Calendar:
    """The months of the demo: the figure window ending last month, this (figure) year and the years of
    linkages and pools."""

    today: date
    periods: list[date]  # first-of-month dates, oldest first
    year: int  # the year of linkages, pools and plans (accounts.scope.current_year)

    @property
    def last_month(self) -> date:
        return self.periods[-1]

    @property
    def figure_year(self) -> int:
        return self.last_month.year


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before `day`'s."""
    return add_months(day.replace(day=1), -back)


def make_calendar(today: date, months: int) -> Calendar:
    last = month_start(today, 1)
    return Calendar(today, [month_start(last, back) for back in range(months - 1, -1, -1)], today.year)


# --- Registry --------------------------------------------------------------------------------------------


def organisation_code(rng: random.Random) -> str:
    """The 9-character body of a credit code: since 2015 most new Hunan registrations carry an MA4… body;
    older ones an 8-digit organisation code. Both end with their GB 11714 check character."""
    if rng.random() < 0.6:
        body = "MA4" + "".join(rng.choice(_BODY_CHARS) for _ in range(5))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(rng: random.Random, county_code: str) -> str:
    """91 (an enterprise registered as a company) + the county's division code + body + check character."""
    first17 = f"91{county_code}{organisation_code(rng)}"
    return first17 + credit_code_check_char(first17)


def enterprise_name(rng: random.Random, county: Jurisdiction, region, trade: Trade, attempt: int = 0) -> str:
    """湖南宏达机械制造有限公司. After a few names already taken, the county's own name and a two-character
    trade name of common characters, which a province of enterprises needs."""
    if attempt < 4:
        if rng.random() < 0.15 and region.name[-1] in "镇乡":
            place = region.name[:-1]  # 雀塘食品有限公司
        else:
            place = rng.choices(county.name_words, weights=[25, 10, 15, 25, 10][: len(county.name_words)])[0]
        trade_name = rng.choice(TRADE_NAMES)
    else:
        place = rng.choice(county.name_words[:2])
        trade_name = rng.choice(TRADE_FIRST) + rng.choice(TRADE_SECOND)
    form = rng.choices([f for f, _ in COMPANY_FORMS], weights=[w for _, w in COMPANY_FORMS])[0]
    return f"{place}{trade_name}{trade.word}{form}"


def _spread(rng: random.Random, total: int, counties: list[Jurisdiction], demo: Jurisdiction) -> list[int]:
    """Enterprises per county: uneven, as they are, but at least a few dozen in 新邵县 for the logins."""
    weights = [rng.uniform(0.6, 1.6) for _ in counties]
    counts = [int(total * w / sum(weights)) for w in weights]
    for index in rng.sample(range(len(counties)), total - sum(counts)):
        counts[index] += 1
    demo_index = counties.index(demo)
    floor = min(total, 40)
    while counts[demo_index] < floor:
        donor = max((i for i in range(len(counts)) if i != demo_index), key=counts.__getitem__)
        counts[donor] -= 1
        counts[demo_index] += 1
    return counts


def size_class(trade: Trade, employees: int, revenue: float) -> str:
    for size, min_employees, min_revenue in INDUSTRY_SIZES if trade.kind == "industry" else OTHER_SIZES:
        if employees >= min_employees and revenue >= min_revenue:
            return size
    return "micro"


def plan_firm(rng: random.Random, county: Jurisdiction, region: Region, trade: Trade) -> Firm:
    """What kind of enterprise this is and how it is doing: the numbers everything else follows from."""
    industrial = trade.kind == "industry"
    above = industrial and rng.random() < ABOVE_SCALE_SHARE
    near_line = drifting = False
    if above:
        drifting = rng.random() < DRIFTING_SHARE
        if drifting:
            revenue, growth = rng.uniform(2080, 2600), rng.uniform(-0.28, -0.08)
        else:
            revenue, growth = 2100 + rng.lognormvariate(8.0, 1.2), min(0.45, max(-0.25, rng.gauss(0.06, 0.10)))
    elif industrial and rng.random() < NEAR_LINE_SHARE:
        near_line = True
        if rng.random() < CROSSING_SHARE:
            revenue, growth = rng.uniform(1650, 1930), rng.uniform(0.22, 0.40)
        else:
            revenue = rng.uniform(1000, 1900)
            growth = min(rng.uniform(0.03, 0.25), 1900 / revenue - 1)  # closer, but not past the line
    else:
        cap = 1400 if industrial else 1900
        revenue = min(cap, max(20.0, rng.lognormvariate(math.log(350 if industrial else 250), 1.0)))
        growth = min(0.4, max(-0.3, rng.gauss(0.04, 0.12)))
    loss_this = rng.random() < (LOSS_SHARE_ABOVE if above else LOSS_SHARE_OTHER)
    loss_last = rng.random() < LOSS_LAST_YEAR_TOO if loss_this else rng.random() < RECOVERED_SHARE
    margin_this = -rng.uniform(0.02, 0.10) if loss_this else rng.uniform(0.02, 0.12)
    margin_last = -rng.uniform(0.02, 0.10) if loss_last else rng.uniform(0.02, 0.12)
    productivity = rng.lognormvariate(math.log({"industry": 55, "agriculture": 35}.get(trade.kind, 90)), 0.45)
    employees = max(3, round(revenue / productivity))
    return Firm(
        county=county,
        region=region,
        trade=trade,
        revenue=revenue,
        growth=growth,
        margin_last=margin_last,
        margin_this=margin_this,
        employees=employees,
        size=size_class(trade, employees, revenue),
        above_scale=above,
        near_line=near_line,
        drifting=drifting,
        power_drop=industrial and rng.random() < POWER_DROP_SHARE,
    )


def _tags(rng: random.Random, firm: Firm) -> list[str]:
    """Tags for a plausible minority, the 专精特新 ladder cumulative (a 小巨人 is also 专精特新 and
    创新型中小企业)."""
    trade, above = firm.trade, firm.above_scale
    tags: list[str] = []
    if firm.industrial or trade.tech:
        if rng.random() < (0.07 if trade.tech else 0.02) * (2 if above else 1):
            tags.append("innovative_sme")
            if rng.random() < (0.35 if above else 0.10):
                tags.append("srdi")
                if above and rng.random() < 0.15:
                    tags.append("little_giant")
        if rng.random() < (0.25 if trade.tech else 0.03) * (1.5 if above else 0.5):
            tags.append("high_tech")
        if firm.size != "large" and rng.random() < (0.20 if trade.tech else 0.02):
            tags.append("tech_sme")
    if above and firm.revenue >= 30000 and rng.random() < 0.5:
        tags.append("chain_leader")
    if above and firm.revenue >= 50000 and rng.random() < 0.3:
        tags.append("listed")
    if trade.kind != "agriculture" and rng.random() < trade.export * (2 if above else 1):
        tags.append("foreign_trade")
    return tags


def _ensure_rare_tags(firms: list[Firm]) -> None:
    """Even a county has its few listed companies, chain leaders and champions: give a rare tag that
    chance left unused to the biggest above-scale enterprises."""
    biggest = sorted((f for f in firms if f.above_scale), key=lambda f: -f.revenue)
    if not biggest:
        return
    wanted = max(1, len(firms) // 2500)
    for tag, ladder in (
        ("chain_leader", ()),
        ("listed", ()),
        ("little_giant", ("innovative_sme", "srdi")),
        ("single_champion", ("innovative_sme", "srdi", "little_giant")),
    ):
        have = sum(tag in f.tags for f in firms)
        candidates = [f for f in biggest if tag not in f.tags and (not ladder or f.industrial)]
        for firm in candidates[: max(0, wanted - have)]:
            firm.tags.extend(t for t in (*ladder, tag) if t not in firm.tags)


def _is_key(rng: random.Random, firm: Firm) -> bool:
    """Key enterprises (重点企业, about 8 %): the big, the tagged and a share of the rest above the line,
    and the small ones the county is growing past it."""
    if firm.above_scale:
        return (
            firm.size in ("large", "medium")
            or bool({"srdi", "little_giant", "chain_leader", "listed"} & set(firm.tags))
            or rng.random() < 0.35
        )
    return firm.near_line and (firm.revenue * (1 + firm.growth) >= LINE or rng.random() < 0.08)


def _address(rng: random.Random, county: Jurisdiction, region: Region) -> str:
    road = f"{rng.choice(ROAD_ROOTS)}{rng.choice(ROAD_KINDS)}{rng.randint(1, 388)}号"
    if region in county.parks:
        return f"{county.region.name}{region.name}{road}"
    if rng.random() < 0.3 and region.name[-1] in "镇乡":
        return f"{county.region.name}{region.name}{rng.choice(VILLAGE_ROOTS)}村{rng.randint(1, 12)}组"
    return f"{county.region.name}{region.name}{road}"


def _founded(rng: random.Random, firm: Firm, before: date) -> date:
    years = 1 + rng.expovariate(1 / 8) + (6 if firm.size in ("large", "medium") else 0)
    return before - timedelta(days=int(min(years, 32) * 365.25) + rng.randint(0, 200))


def _enterprises(rng: random.Random, scale: Scale, ctx: DemoContext, calendar: Calendar) -> list[Firm]:
    """Plan every enterprise and insert the registry, county by county."""
    org = ctx.org
    counties = org.counties
    people = People(rng)
    tag_ids = dict(Tag.objects.values_list("code", "pk"))
    names: set[str] = set()
    codes: set[str] = set()
    firms: list[Firm] = []
    founded_before = calendar.periods[0] - timedelta(days=31)
    for county, count in zip(counties, _spread(rng, scale.enterprises, counties, org.demo_county), strict=True):
        places = county.townships + county.parks
        # Parks hold the industry; the county seat (the first township) more than the others.
        weights = [2.0 if i == 0 else 1.0 for i in range(len(county.townships))] + [4.0] * len(county.parks)
        parks = {id(region) for region in county.parks}
        county_firms: list[Firm] = []
        rows: list[Enterprise] = []
        for region in rng.choices(places, weights=weights, k=count):
            trade = rng.choices(TRADES, weights=_TRADE_WEIGHTS)[0]
            firm = plan_firm(rng, county, region, trade)
            firm.tags = _tags(rng, firm)
            county_firms.append(firm)
        _ensure_rare_tags(county_firms)
        for firm in county_firms:
            region, trade = firm.region, firm.trade
            firm.is_key = _is_key(rng, firm)
            attempt = 0
            name = enterprise_name(rng, county, region, trade)
            while name in names:
                attempt += 1
                name = enterprise_name(rng, county, region, trade, attempt)
            code = credit_code(rng, county.region.code)
            while code in codes:
                code = credit_code(rng, county.region.code)
            names.add(name)
            codes.add(code)
            firm.legal_representative = people.name()
            firm.contact_name = people.name() if rng.random() < 0.7 else firm.legal_representative
            rows.append(
                Enterprise(
                    credit_code=code,
                    name=name,
                    legal_representative=firm.legal_representative,
                    region=region,
                    park_id=county.territory_unit(region).pk if id(region) in parks else None,
                    address=_address(rng, county, region),
                    founded_on=_founded(rng, firm, founded_before),
                    registered_capital=Decimal(rng.choice(CAPITAL_BY_SIZE[firm.size])),
                    industry_id=rng.choice(trade.groups),
                    size=firm.size,
                    above_scale=firm.above_scale,
                    is_key=firm.is_key,
                    contact_name=firm.contact_name,
                    contact_phone=people.phone(),
                )
            )
        Enterprise.objects.bulk_create(rows, batch_size=BATCH)
        through = Enterprise.tags.through
        through.objects.bulk_create(
            [
                through(enterprise_id=row.pk, tag_id=tag_ids[tag])
                for row, firm in zip(rows, county_firms, strict=True)
                for tag in firm.tags
                if tag in tag_ids
            ],
            batch_size=BATCH,
        )
        for row, firm in zip(rows, county_firms, strict=True):
            firm.pk = row.pk
        firms.extend(county_firms)
    return firms


# --- Operating figures -------------------------------------------------------------------------------------


# The columns of a figure row as _figure_rows yields it (the primary key is left to the database).
FIGURE_COLUMNS = (
    "enterprise_id",
    "period",
    "output_value",
    "revenue",
    "total_profit",
    "tax_paid",
    "electricity",
    "employees",
    "rd_spend",
    "source",
    "entered_by_id",
    "updated_at",
)


def _figure_rows(rng: random.Random, firm: Firm, calendar: Calendar, periods: list, stamp) -> list[tuple]:
    """24 months of one enterprise, as rows of FIGURE_COLUMNS: last year's revenue as planned, spread over
    the months by the season and a steady trend, with noise; output, profit, tax, electricity, staff and
    R&D follow from revenue. Keeps last year's and this year's totals on the firm. `periods` are the
    calendar's months as the database takes them, `stamp` the update time likewise."""
    months = calendar.periods
    fy = calendar.figure_year
    last_month = calendar.last_month.month
    # Anchor the trend mid-way through last year, so that last year's total is about the planned revenue.
    mid_last_year = date(fy - 1, 7, 1)
    anchor = months.index(mid_last_year) - 0.5 if mid_last_year in months else len(months) - 12
    base = firm.revenue / 12
    step = (1 + firm.growth) ** (1 / 12)
    output_ratio = rng.uniform(1.0, 1.1)
    tax_rate = rng.uniform(0.015, 0.06) if firm.industrial else rng.uniform(0.02, 0.07)
    intensity = firm.trade.energy * rng.uniform(0.7, 1.3)
    tagged_tech = bool({"high_tech", "tech_sme", "innovative_sme", "srdi"} & set(firm.tags))
    if firm.trade.tech or tagged_tech:
        rd_ratio = rng.uniform(0.03, 0.07)
    elif firm.above_scale and rng.random() < 0.5:
        rd_ratio = rng.uniform(0.003, 0.015)
    else:
        rd_ratio = 0.0
    staff = float(firm.employees)
    staff_step = 1 + firm.growth / 24
    keep_months = firm.above_scale or firm.near_line or firm.is_key
    monthly_revenue = array("d") if keep_months else None
    monthly_profit = array("d") if keep_months else None
    random_ = rng.random
    source = MonthlyFigure.Source.IMPORT.value
    values: list[list] = []
    revenue_py = profit_py = 0.0
    for index, period in enumerate(months):
        year, month = period.year, period.month
        revenue = base * step ** (index - anchor) * SEASON[month] * (0.95 + random_() * 0.1)
        output = revenue * output_ratio * (0.98 + random_() * 0.04)
        margin = firm.margin_this if year == fy else firm.margin_last
        profit = revenue * (margin + (random_() - 0.5) * 0.04)
        tax = revenue * tax_rate * (0.85 + random_() * 0.3)
        power = output * intensity * (0.97 + random_() * 0.06)
        staff *= staff_step
        employees = max(1, round(staff * (0.96 if month == 2 else 1.0) * (0.99 + random_() * 0.02)))
        rd = revenue * rd_ratio * (0.6 + random_() * 0.8) if rd_ratio else None
        values.append([output, revenue, profit, tax, power, employees, rd])
        if year == fy - 1:
            revenue_py += revenue
            profit_py += profit
            if month <= last_month:
                firm.revenue_ytd_py += revenue
                firm.profit_ytd_py += profit
                firm.electricity_ytd_py += power
                firm.rd_ytd_py += rd or 0.0
        elif year == fy:
            firm.revenue_ytd += revenue
            firm.profit_ytd += profit
            firm.electricity_ytd += power
            firm.rd_ytd += rd or 0.0
            if month == 1:
                firm.employees_start = employees
            if keep_months:
                monthly_revenue.append(revenue)
                monthly_profit.append(profit)
        firm.employees_now = employees
    if firm.power_drop and len(values) >= 4:
        # Three months running, each below the one before (orders lost, a line stopped).
        for back in (3, 2, 1):
            values[-back][4] = values[-back - 1][4] * rng.uniform(0.78, 0.94)
    firm.revenue_py, firm.profit_py = revenue_py, profit_py
    firm.monthly_revenue, firm.monthly_profit = monthly_revenue, monthly_profit
    pk = firm.pk
    return [
        (
            pk,
            period,
            round(output, 2),
            round(revenue, 2),
            round(profit, 2),
            round(tax, 2),
            round(power, 2),
            employees,
            None if rd is None else round(rd, 2),
            source,
            None,
            stamp,
        )
        for period, (output, revenue, profit, tax, power, employees, rd) in zip(periods, values, strict=True)
    ]


def _bulk(model, rows: Iterable, batch: int = 20 * BATCH) -> int:
    """bulk_create rows from an iterator in slices, so that millions never sit in memory at once."""
    total = 0
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            model.objects.bulk_create(chunk, batch_size=BATCH)
            total += len(chunk)
            chunk = []
    if chunk:
        model.objects.bulk_create(chunk, batch_size=BATCH)
        total += len(chunk)
    return total


def reports_figures(rng: random.Random, firm: Firm, share: float) -> bool:
    """Whether the enterprise has monthly figures: every above-scale, key, tagged or near-the-line one (the
    statistics office follows them monthly), and `share` of the ordinary small ones."""
    if share >= 1 or firm.above_scale or firm.is_key or firm.near_line or firm.tags:
        return True
    return rng.random() < share


def _figures(rng: random.Random, ctx: DemoContext, firms: list[Firm], calendar: Calendar, share: float) -> int:
    """Insert the figures from plain tuples, bypassing bulk_create: its per-field preparation costs about
    five times the whole generation, which at province scale (12 million rows) is the difference between
    minutes and most of an hour. PostgreSQL takes them with COPY, other databases with executemany. The
    values are what the ORM would send: dates and the timestamp adapted by the backend's own operations,
    money as floats rounded to the column's two places."""
    ops = connection.ops
    periods = [ops.adapt_datefield_value(period) for period in calendar.periods]
    stamp = ops.adapt_datetimefield_value(timezone.now())
    columns = ", ".join(ops.quote_name(column) for column in FIGURE_COLUMNS)
    table = ops.quote_name(MonthlyFigure._meta.db_table)
    insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(FIGURE_COLUMNS))})"

    def write(cursor, rows: list[tuple]) -> None:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
        else:
            cursor.executemany(insert, rows)

    total = 0
    chunk: list[tuple] = []
    with connection.cursor() as cursor:
        for number, firm in enumerate(firms, start=1):
            if reports_figures(rng, firm, share):
                chunk += _figure_rows(rng, firm, calendar, periods, stamp)
            if len(chunk) >= 20 * BATCH:
                write(cursor, chunk)
                total += len(chunk)
                chunk = []
            if number % 50_000 == 0:
                ctx.progress(f"  figures of {number:,} enterprises")
        if chunk:
            write(cursor, chunk)
            total += len(chunk)
    return total


# --- Warnings ----------------------------------------------------------------------------------------------

MANUAL_FLAGS = [
    (WarningLevel.RED, "环保督察反馈问题整改未完成，被列入县级重点督办名单"),
    (WarningLevel.ORANGE, "连续两个月拖欠职工社保费，人社部门已约谈"),
    (WarningLevel.ORANGE, "主要客户破产重整，应收账款回收风险大"),
    (WarningLevel.BLUE, "法定代表人变更，新任负责人尚未对接联企干部"),
    (WarningLevel.ORANGE, "银行贷款即将到期，续贷手续尚未落实"),
    (WarningLevel.BLUE, "厂房租约年底到期，企业有外迁意向"),
]


def _warnings(rng: random.Random, ctx: DemoContext, firms: list[Firm], calendar: Calendar) -> tuple[int, int]:
    """A few of the office's own flags in every county, then the computed warnings over all figures."""
    office = ctx.logins.get("office")
    flags: list[EnterpriseWarning] = []
    by_county: dict[int, list[Firm]] = {}
    for firm in firms:
        by_county.setdefault(id(firm.county), []).append(firm)
    for county in ctx.org.counties:
        candidates = [f for f in by_county.get(id(county), []) if f.above_scale or f.is_key]
        for firm in rng.sample(candidates, min(len(candidates), rng.randint(2, 4))):
            level, reason = rng.choice(MANUAL_FLAGS)
            flags.append(
                EnterpriseWarning(
                    enterprise_id=firm.pk,
                    rule=EnterpriseWarning.Rule.MANUAL,
                    level=level,
                    reason=reason,
                    period=calendar.last_month,
                    created_by=office,
                )
            )
    EnterpriseWarning.objects.bulk_create(flags, batch_size=BATCH)
    # The warnings engine is the figures area's; the demo only asks it to look at everything once.
    from enterprises.services.warnings import warnings_refresh

    changed = warnings_refresh()
    return len(flags), changed


# --- Cultivation pools ---------------------------------------------------------------------------------------

Kind = CultivationPool.Kind
LADDER_TAGS = {
    Kind.SRDI_INNOVATIVE: "innovative_sme",
    Kind.SRDI_PROVINCIAL: "srdi",
    Kind.LITTLE_GIANT: "little_giant",
    Kind.SINGLE_CHAMPION: "single_champion",
}


def _ladder_rung(firm: Firm) -> str | None:
    """The highest rung of the 专精特新 ladder the enterprise stands on."""
    rung = None
    for kind in CultivationPool.SRDI_LADDER:
        if LADDER_TAGS[kind] in firm.tags:
            rung = kind
    return rung


def _pool_day(rng: random.Random, year: int, last: date) -> date:
    """When an enterprise entered a pool: mostly when the year's lists are drawn up in the first quarter,
    some later in the year, never after `last`."""
    if rng.random() < 0.8:
        day = date(year, rng.randint(1, 3), rng.randint(1, 28))
    else:
        day = date(year, rng.randint(4, 12), rng.randint(1, 28))
    return min(day, last)


@dataclass
class Pools:
    """This year's pools, by kind, with their current members (for plans and tests)."""

    members: dict[str, list[Firm]] = field(default_factory=dict)
    target: int = 0
    memberships: int = 0


def _pools(rng: random.Random, firms: list[Firm], calendar: Calendar) -> Pools:
    year, today = calendar.year, calendar.today
    industrial_below = [f for f in firms if f.industrial and not f.above_scale]
    above = [f for f in firms if f.above_scale]

    # 小升规: the year's target, and a pool of at least 1.2 × the target of the enterprises nearest the line.
    candidates = sorted((f for f in industrial_below if f.projection >= 0.5 * LINE), key=lambda f: -f.projection)
    target = max(1, round(len(firms) * SMALL_TO_SCALE_TARGET))
    target = min(target, int(len(candidates) / float(CultivationPool.TARGET_FACTOR)))
    size = min(len(candidates), math.ceil(target * float(CultivationPool.TARGET_FACTOR) * rng.uniform(1.05, 1.3)))
    this_year = {
        Kind.SMALL_TO_SCALE: candidates[:size],
        Kind.NEAR_SCALE: [f for f in industrial_below if 0.8 * LINE <= f.projection < LINE],
        Kind.TO_REGISTER: [f for f in industrial_below if f.projection >= LINE],
        Kind.EXIT_RISK: [f for f in above if f.projection < 1.2 * LINE],
        Kind.LISTING_RESERVE: [
            f
            for f in above
            if "listed" not in f.tags and f.revenue_py >= 10000 and f.profit_py > 0 and rng.random() < 0.4
        ],
        Kind.HIGH_TECH: [
            f
            for f in firms
            if "high_tech" not in f.tags
            and ({"tech_sme", "innovative_sme"} & set(f.tags) or (f.above_scale and f.trade.tech))
            and rng.random() < 0.25
        ],
    }
    for kind in CultivationPool.SRDI_LADDER:
        this_year[kind] = [f for f in firms if _ladder_rung(f) == kind]

    notes = {
        Kind.SMALL_TO_SCALE: f"{year}年小升规目标任务{target}家，按目标的1.2倍建立培育库，实行动态管理。",
        Kind.EXIT_RISK: "上年主营业务收入达规但本年预计低于2000万元的规上工业企业，逐月跟踪。",
        Kind.TO_REGISTER: "本年主营业务收入预计达到2000万元，次年一季度申报入库。",
    }
    pools = [
        CultivationPool(
            kind=kind,
            year=year,
            target=target if kind == Kind.SMALL_TO_SCALE else None,
            note=notes.get(kind, ""),
        )
        for kind in this_year
    ]
    last_year, last_target = _last_years_pools(rng, firms, this_year, year - 1, target)
    pools += [
        CultivationPool(
            kind=kind,
            year=year - 1,
            target=last_target if kind == Kind.SMALL_TO_SCALE else None,
            note=f"{year - 1}年小升规目标任务{last_target}家。" if kind == Kind.SMALL_TO_SCALE else "",
        )
        for kind in last_year
    ]
    CultivationPool.objects.bulk_create(pools, batch_size=BATCH)
    pool_ids = {(p.kind, p.year): p.pk for p in pools}

    memberships: list[PoolMembership] = []
    current: dict[str, list[Firm]] = {}
    for kind, members in this_year.items():
        kept = []
        for firm in members:
            entered = _pool_day(rng, year, today)
            exited, reason = None, ""
            # A few leave during the year (beyond the 1.2 × floor of 小升规, which is kept full).
            if kind != Kind.SMALL_TO_SCALE and rng.random() < 0.03 and entered < today - timedelta(days=60):
                exited = entered + timedelta(days=rng.randint(30, (today - entered).days - 1))
                reason = "经营情况变化，经研究调出培育库"
            else:
                kept.append(firm)
            memberships.append(
                PoolMembership(
                    pool_id=pool_ids[(kind, year)],
                    enterprise_id=firm.pk,
                    entered_on=entered,
                    exited_on=exited,
                    exit_reason=reason,
                )
            )
        current[kind] = kept
    for kind, members in last_year.items():
        for firm, exit_reason, exit_day in members:
            memberships.append(
                PoolMembership(
                    pool_id=pool_ids[(kind, year - 1)],
                    enterprise_id=firm.pk,
                    entered_on=_pool_day(rng, year - 1, date(year - 1, 12, 31)),
                    exited_on=exit_day,
                    exit_reason=exit_reason,
                )
            )
    PoolMembership.objects.bulk_create(memberships, batch_size=BATCH)
    return Pools(current, target, len(memberships))


def _last_years_pools(
    rng: random.Random, firms: list[Firm], this_year: dict[str, list[Firm]], year: int, target: int
) -> tuple[dict[str, list[tuple[Firm, str, date | None]]], int]:
    """Last year's pools and last year's 小升规 target: most of this year's members were already there, and
    some left with a reason that the registry bears out (promoted above the line, certified high-tech, up a
    rung of the ladder)."""
    last_target = max(1, round(target * 0.9))
    early = date(year + 1, 3, 15)  # statistics registrations and certifications land in the first quarter

    def stayed(kind: str, share: float) -> list[tuple[Firm, str, date | None]]:
        return [(f, "", None) for f in this_year[kind] if rng.random() < share]

    def left(kind: str, members: list[Firm], reason: str, late: bool = True) -> list[tuple[Firm, str, date | None]]:
        rows = []
        for firm in members:
            day = (
                early - timedelta(days=rng.randint(0, 60))
                if late
                else date(year, rng.randint(6, 11), rng.randint(1, 28))
            )
            rows.append((firm, reason, day))
        return rows

    # Enterprises just above the line that grew past it last year: promoted out of last year's 小升规 pool.
    promoted = [f for f in firms if f.above_scale and f.revenue_py < 3000 and f.growth > 0.1]
    promoted = rng.sample(promoted, min(len(promoted), round(last_target * rng.uniform(0.8, 1.2))))
    certified = [f for f in firms if "high_tech" in f.tags and rng.random() < 0.08]
    went_up = [f for f in this_year[Kind.SRDI_PROVINCIAL] if rng.random() < 0.3]
    went_up_ids = {id(f) for f in went_up}
    # Last year's worries that came to nothing: close to the line then, comfortably above it now.
    recovered = [f for f in firms if f.above_scale and 2000 <= f.revenue_py < 2600 and f.projection >= 1.2 * LINE]
    recovered = rng.sample(recovered, min(len(recovered), max(1, len(this_year[Kind.EXIT_RISK]) // 3)))
    small_to_scale = stayed(Kind.SMALL_TO_SCALE, 0.5) + left(Kind.SMALL_TO_SCALE, promoted, "已升规纳统")
    last_target = min(last_target, int(len(small_to_scale) / float(CultivationPool.TARGET_FACTOR)))
    pools = {
        Kind.SMALL_TO_SCALE: small_to_scale,
        Kind.NEAR_SCALE: stayed(Kind.NEAR_SCALE, 0.5),
        Kind.EXIT_RISK: stayed(Kind.EXIT_RISK, 0.4)
        + left(
            Kind.EXIT_RISK,
            recovered,
            "营收回升，风险解除",
            late=False,
        ),
        Kind.SRDI_INNOVATIVE: stayed(Kind.SRDI_INNOVATIVE, 0.7)
        + left(Kind.SRDI_INNOVATIVE, went_up, "晋级省级专精特新"),
        Kind.SRDI_PROVINCIAL: [
            (f, "", None) for f in this_year[Kind.SRDI_PROVINCIAL] if id(f) not in went_up_ids and rng.random() < 0.8
        ]
        + left(Kind.SRDI_PROVINCIAL, this_year[Kind.LITTLE_GIANT], "晋级国家级专精特新“小巨人”"),
        Kind.LITTLE_GIANT: stayed(Kind.LITTLE_GIANT, 0.5),
        Kind.LISTING_RESERVE: stayed(Kind.LISTING_RESERVE, 0.6)
        + left(Kind.LISTING_RESERVE, [f for f in firms if "listed" in f.tags], "已上市"),
        Kind.HIGH_TECH: stayed(Kind.HIGH_TECH, 0.5) + left(Kind.HIGH_TECH, certified, "已通过高新技术企业认定"),
    }
    return pools, last_target


# --- Linkage (包联) ----------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Link:
    """This year's linkage of one enterprise, as built (the plans and visits step reads it)."""

    firm: Firm
    leader: User | None
    lead_unit: object | None
    cadres: list[User]


def _featured(firms: list[Firm]) -> list[Firm]:
    """The enterprises the demo leader, the industry bureau and the cadre share, chosen to tell the story:
    a thriving tagged one (the `enterprise` login's own), a loss-maker, one near the line, then others."""
    key = [f for f in firms if f.is_key] or list(firms)
    chosen: list[Firm] = []

    def pick(*tests) -> None:
        for test in tests:
            for firm in key:
                if test(firm) and all(firm is not c for c in chosen):
                    chosen.append(firm)
                    return

    pick(
        lambda f: f.above_scale and f.tags and not f.loss_this_year and f.projection >= 1.2 * LINE,
        lambda f: f.above_scale,
        lambda f: True,
    )
    pick(lambda f: f.above_scale and f.loss_this_year)
    pick(lambda f: f.above_scale and f.projection < 1.2 * LINE)
    pick(lambda f: not f.above_scale)
    for firm in key:
        if len(chosen) >= FEATURED_LINKAGES:
            break
        if all(firm is not c for c in chosen):
            chosen.append(firm)
    return chosen


KEY_UNLINKED_SHARE = 0.03  # key enterprises with no linkage this year: the coverage view's first gaps
KEY_PARTIAL_SHARE = 0.05  # key enterprises lacking one of leader, lead unit or cadres


def _linkages(
    rng: random.Random, scale: Scale, ctx: DemoContext, firms: list[Firm], calendar: Calendar
) -> tuple[list[Link], list[Firm], int]:
    """This year's linkages: nearly every key enterprise fully linked (a county leader, a lead unit and one
    or two cadres), the rest of the linked share among the others; a few deliberate gaps among the key ones
    for the coverage view. Last year's linkages mostly the same people. Returns this year's links, the
    featured enterprises and how many linkage rows were written."""
    year = calendar.year
    logins = ctx.logins
    demo = ctx.org.demo_county
    by_county: dict[int, list[Firm]] = {}
    for firm in firms:
        by_county.setdefault(id(firm.county), []).append(firm)
    links: list[Link] = []
    last_years: list[Link] = []
    featured: list[Firm] = []
    for county in ctx.org.counties:
        county_firms = by_county.get(id(county), [])
        if not county_firms:
            continue
        departments = [county.departments[code] for code in LEAD_DEPARTMENTS]
        department_weights = list(LEAD_DEPARTMENTS.values())
        shown: list[Firm] = []
        if county is demo and {"leader", "cadre"} <= logins.keys():
            shown = featured = _featured(county_firms)
        shown_ids = {id(f) for f in shown}
        key = [f for f in county_firms if f.is_key and id(f) not in shown_ids]
        rng.shuffle(key)
        unlinked = round(len(key) * KEY_UNLINKED_SHARE)
        partial = round(len(key) * KEY_PARTIAL_SHARE)
        gaps = {id(f): n % 3 for n, f in enumerate(key[unlinked : unlinked + partial])}
        linked = shown + key[unlinked:]
        others = [f for f in county_firms if not f.is_key and id(f) not in shown_ids]
        wanted = round(len(county_firms) * scale.linked_share) - len(linked)
        linked += rng.sample(others, max(0, min(len(others), wanted)))
        for firm in linked:
            if rng.random() < 0.5:
                lead_unit = county.territory_unit(firm.region)
            else:
                lead_unit = rng.choices(departments, weights=department_weights)[0]
            leader = rng.choice(county.leaders)
            # Mostly the lead unit's own cadres; townships and departments also pair cadres from elsewhere.
            own = county.cadres_by_unit.get(id(lead_unit))
            pool = own if own and rng.random() < 0.7 else county.cadres
            cadres = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))
            if id(firm) in shown_ids:
                # The demo's story: the leader, the industry bureau and the cadre logins share these.
                lead_unit = county.departments["GXJ"]
                leader = logins["leader"]
                cadres = [logins["cadre"], *[c for c in cadres if c is not logins["cadre"]][:1]]
            gap = gaps.get(id(firm))
            link = Link(
                firm,
                None if gap == 0 else leader,
                None if gap == 1 else lead_unit,
                [] if gap == 2 else cadres,
            )
            links.append(link)
            if rng.random() < 0.85:
                # Last year: the same people, now and then another leader.
                last_years.append(
                    Link(firm, leader if rng.random() < 0.85 else rng.choice(county.leaders), lead_unit, cadres)
                )
        for firm in key[:unlinked]:
            # Linked last year; this year's cadre moved on and nobody has been named yet.
            last_years.append(Link(firm, rng.choice(county.leaders), county.territory_unit(firm.region), []))

    rows = 0
    through = Linkage.cadres.through
    for link_year, year_links in ((year, links), (year - 1, last_years)):
        linkages = [
            Linkage(enterprise_id=link.firm.pk, year=link_year, leader=link.leader, lead_unit=link.lead_unit)
            for link in year_links
        ]
        Linkage.objects.bulk_create(linkages, batch_size=BATCH)
        _bulk(
            through,
            (
                through(linkage_id=linkage.pk, user_id=cadre.pk)
                for linkage, link in zip(linkages, year_links, strict=True)
                for cadre in link.cadres
            ),
        )
        rows += len(linkages)
    return links, featured, rows


# --- Assistance plans (一企一策) -------------------------------------------------------------------------------

MEASURES = {
    AssistancePlan.Category.TURNAROUND: [
        "协调合作银行办理无还本续贷，缓解流动资金压力",
        "帮助企业对接下游客户，拓展订单，提高产能利用率",
        "落实阶段性减税降费和稳岗返还政策",
        "组织专家诊断成本结构，压减原材料和能耗成本",
        "协调供电部门落实电价优惠和错峰生产安排",
    ],
    AssistancePlan.Category.STABILISE: [
        "每月跟踪订单、产值和用电情况，发现下滑及时会商",
        "协调解决用工缺口，组织专场招聘",
        "帮助企业争取技改专项资金",
        "协调物流企业降低运输成本",
    ],
    AssistancePlan.Category.SCALE_UP: [
        "列入小升规培育库，实行一对一辅导",
        "指导企业规范财务核算和统计报表报送",
        "协调解决新增产能用地和用电报装",
        "兑现小升规奖励政策",
    ],
    AssistancePlan.Category.SRDI: [
        "指导企业梳理主导产品和核心技术，准备专精特新申报材料",
        "对接高校院所开展产学研合作",
        "协助申报知识产权和研发费用加计扣除",
        "推荐参加专精特新企业培训",
    ],
    AssistancePlan.Category.UPGRADE: [
        "推动智能化改造和数字化转型，申报上云用数赋智项目",
        "支持创建绿色工厂，实施节能降耗改造",
        "引导企业对接资本市场，开展股改规范",
        "协调技改项目审批和要素保障",
    ],
}
PROGRESS_ACTIONS = {
    AssistancePlan.Category.TURNAROUND: [
        "续贷{n}00万元已办结",
        "新签订单{n}份，亏损额收窄",
        "减免电费和社保费用{n}万元已到位",
        "组织银企对接会，意向融资{n}00万元",
    ],
    AssistancePlan.Category.STABILISE: [
        "协调招工{n}人已到岗",
        "技改资金申报材料已报送",
        "物流运价协调到位，运费下降约{n}%",
        "订单较上月有所回升",
    ],
    AssistancePlan.Category.SCALE_UP: [
        "统计报表按时报送，财务核算规范",
        "新增订单{n}00万元",
        "新厂房用电报装已接入",
        "入统辅导已完成{n}次",
    ],
    AssistancePlan.Category.SRDI: [
        "申报材料已完成初稿",
        "新申请发明专利{n}件",
        "与高校签订技术合作协议",
        "参加专精特新培训{n}人次",
    ],
    AssistancePlan.Category.UPGRADE: [
        "智能化改造设备已安装调试",
        "数字化车间方案已评审",
        "节能改造完成，月用电单耗下降约{n}%",
        "股改中介机构已进场",
    ],
}


def _category(firm: Firm, small_to_scale: set[int], rng: random.Random) -> str:
    Category = AssistancePlan.Category
    if firm.above_scale and (firm.loss_this_year or firm.loss_last_year):
        return Category.TURNAROUND
    if firm.above_scale and firm.projection < 1.2 * LINE:
        return Category.STABILISE
    if not firm.above_scale or id(firm) in small_to_scale:
        return Category.SCALE_UP
    if {"innovative_sme", "srdi"} & set(firm.tags) and "little_giant" not in firm.tags:
        return Category.SRDI
    return Category.UPGRADE if rng.random() < 0.5 else Category.STABILISE


Goal = tuple[str, str, float | None, float, float | None, bool | None]  # name, unit, baseline, target, actual, achieved


def _met(actual: float | None, target: float) -> bool | None:
    """Achieved once the figure is reached; until the year is over, not reached is not yet a failure."""
    return True if actual is not None and actual >= target else None


def _goals(rng: random.Random, firm: Firm, category: str) -> list[Goal]:
    Category = AssistancePlan.Category
    revenue_target = firm.revenue_py * (1 + rng.choice((0.05, 0.08, 0.10, 0.12)))
    growth_target = float(rng.choice((5, 8, 10)))
    jobs = float(rng.choice((5, 10, 15, 20, 30)))
    jobs_actual = float(max(0, firm.employees_now - firm.employees_start))
    invest = float(rng.choice((300, 500, 800, 1000, 2000)))
    invest_actual = round(invest * rng.uniform(0.2, 1.3), -1)

    def count(name: str, unit: str, target: int, chance: float) -> Goal:
        actual = float(target if rng.random() < chance else rng.randint(0, target - 1) if target > 1 else 0)
        return (name, unit, None, float(target), actual, _met(actual, target))

    revenue = (
        "全年营业收入",
        "万元",
        firm.revenue_py,
        revenue_target,
        firm.revenue_ytd,
        _met(firm.revenue_ytd, revenue_target),
    )
    growth = ("营业收入同比增长", "%", None, growth_target, firm.growth_ytd, _met(firm.growth_ytd, growth_target))
    jobs_goal = ("新增就业岗位", "人", None, jobs, jobs_actual, _met(jobs_actual, jobs))
    investment = ("技改投资", "万元", None, invest, invest_actual, _met(invest_actual, invest))
    if category == Category.TURNAROUND:
        goals = [("利润总额扭亏为盈", "万元", firm.profit_py, 0.0, firm.profit_ytd, _met(firm.profit_ytd, 0.01))]
        if firm.profit_ytd_py < 0:
            target = firm.profit_ytd_py * 0.7
            goals.append(
                (
                    "同期亏损额减少30%",
                    "万元",
                    firm.profit_ytd_py,
                    target,
                    firm.profit_ytd,
                    _met(firm.profit_ytd, target),
                )
            )
        optional = [
            revenue,
            jobs_goal,
            ("融资对接到位", "万元", None, invest * 2, invest_actual * 2, _met(invest_actual, invest)),
        ]
    elif category == Category.STABILISE:
        power = (
            "用电量不低于上年同期",
            "万千瓦时",
            firm.electricity_ytd_py,
            firm.electricity_ytd_py,
            firm.electricity_ytd,
            _met(firm.electricity_ytd, firm.electricity_ytd_py),
        )
        goals = [revenue]
        optional = [growth, power, jobs_goal]
    elif category == Category.SCALE_UP:
        goals = [
            (
                "主营业务收入达到2000万元（入统）",
                "万元",
                firm.revenue_py,
                LINE,
                firm.revenue_ytd,
                _met(firm.revenue_ytd, LINE),
            )
        ]
        optional = [growth, jobs_goal, investment]
    elif category == Category.SRDI:
        goals = [count("申报省级专精特新企业", "家", 1, 0.35 if "srdi" not in firm.tags else 1.0)]
        rd_target = firm.rd_ytd_py * 1.15
        optional = [
            ("研发投入同比增长15%", "万元", firm.rd_ytd_py, rd_target, firm.rd_ytd, _met(firm.rd_ytd, rd_target)),
            count("新增发明专利", "件", rng.randint(2, 5), 0.4),
            growth,
        ]
    else:
        goals = [count("智能化改造生产线", "条", rng.randint(1, 2), 0.5)]
        optional = [count("上云用数赋智项目", "个", 1, 0.6), count("绿色工厂创建", "项", 1, 0.3), investment, revenue]
    goals += rng.sample(optional, min(len(optional), rng.randint(2, 4) - len(goals)))
    return goals


def _plans(
    rng: random.Random, ctx: DemoContext, firms: list[Firm], links: list[Link], pools: Pools, calendar: Calendar
) -> tuple[int, int, int]:
    """This year's plan for every key and loss-making above-scale enterprise and every 小升规 candidate:
    a category that fits its situation, two to four measurable goals measured against its figures, the
    measures, and a progress note for each month since the plan was made."""
    year = calendar.year
    link_of = {id(link.firm): link for link in links}
    small_to_scale = {id(f) for f in pools.members.get(Kind.SMALL_TO_SCALE, [])}
    office = ctx.logins.get("office")
    chosen = [
        f
        for f in firms
        if f.is_key or (f.above_scale and (f.loss_this_year or f.loss_last_year)) or id(f) in small_to_scale
    ]
    plans: list[AssistancePlan] = []
    plan_goals: list[list[Goal]] = []
    authors: list[User | None] = []
    for firm in chosen:
        link = link_of.get(id(firm))
        category = _category(firm, small_to_scale, rng)
        goals = _goals(rng, firm, category)
        lead = link.lead_unit.name if link and link.lead_unit else "县工信局"
        measures = rng.sample(MEASURES[category], 3)
        text = "\n".join(f"{n}. {m}" for n, m in enumerate([f"{lead}牵头，{measures[0]}", *measures[1:]], start=1))
        done = all(g[5] for g in goals)
        status = (
            AssistancePlan.Status.DRAFT
            if rng.random() < 0.03
            else AssistancePlan.Status.COMPLETED
            if done and rng.random() < 0.5
            else AssistancePlan.Status.ACTIVE
        )
        creator = (link.leader if link else None) or office
        plans.append(
            AssistancePlan(
                enterprise_id=firm.pk,
                year=year,
                category=category,
                status=status,
                measures=text,
                outcome="各项目标均已完成。" if status == AssistancePlan.Status.COMPLETED else "",
                created_by=creator,
            )
        )
        plan_goals.append(goals)
        authors.append((link.cadres[0] if link and link.cadres else None) or creator)
    AssistancePlan.objects.bulk_create(plans, batch_size=BATCH)

    def goal_rows():
        for plan, goals in zip(plans, plan_goals, strict=True):
            for order, (name, unit, baseline, target, actual, achieved) in enumerate(goals):
                yield PlanGoal(
                    plan_id=plan.pk,
                    name=name,
                    unit_of_measure=unit,
                    baseline=_money(baseline),
                    target=_money(target),
                    actual=_money(actual),
                    achieved=achieved,
                    sort_order=order,
                )

    def progress_rows():
        if calendar.figure_year != year:
            return  # January: no month of this year has figures yet
        for plan, firm, author in zip(plans, chosen, authors, strict=True):
            if plan.status == AssistancePlan.Status.DRAFT:
                continue
            actions = PROGRESS_ACTIONS[plan.category]
            revenue = profit = 0.0
            months = firm.monthly_revenue or ()
            start = rng.randint(1, 3)
            for month in range(1, calendar.last_month.month + 1):
                if month <= len(months):
                    revenue += months[month - 1]
                    profit += firm.monthly_profit[month - 1]
                if month < start:
                    continue
                action = rng.choice(actions).format(n=rng.randint(2, 9))
                yield PlanProgress(
                    plan_id=plan.pk,
                    period=date(year, month, 1),
                    note=f"1—{month}月累计实现营业收入{revenue:,.0f}万元，利润总额{profit:,.0f}万元。{action}。",
                    author=author,
                )

    goals_written = _bulk(PlanGoal, goal_rows())
    notes_written = _bulk(PlanProgress, progress_rows())
    return len(plans), goals_written, notes_written


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.2f}")


# --- Visits (走访) ------------------------------------------------------------------------------------------

VISIT_ACTIVITIES = [
    "宣讲了最新惠企政策",
    "督促企业按时报送统计报表",
    "了解企业用工和融资需求",
    "现场查看了新生产线建设进度",
    "协助企业梳理专精特新申报材料",
    "提醒企业做好安全生产和消防检查",
    "对接了本地上下游配套企业",
    "听取了企业对营商环境的意见建议",
]
PROBLEMS = [
    "企业流动资金紧张，申请{n}00万元技改贷款，银行授信审批进度慢，希望协调金融机构加快放贷。",
    "生产旺季用工缺口约{n}0人，主要缺熟练操作工和电焊工，希望人社部门组织专场招聘。",
    "新建厂房用电报装（{n}00千伏安）等待供电公司接入，影响新生产线投产。",
    "扩建项目用地{n}0亩的土地手续（规划许可、不动产登记）办理进度慢。",
    "原材料和产品运输物流成本同比上涨约{n}%，希望协调物流企业运价优惠。",
    "申报高新技术企业认定的材料准备不熟悉，希望科技部门上门指导。",
    "厂区门口道路破损，雨天大货车进出困难，希望协调修缮。",
    "技改项目环评批复时间较长，项目迟迟无法开工。",
    "增值税留抵退税申请已提交{n}0天尚未到账。",
    "天然气价格上涨，窑炉生产成本每月增加约{n}0万元。",
    "产品出口遇到订单下滑，希望商务部门提供出口信用保险和展会支持。",
    "外地引进技术人员子女入学难，希望协调就近入学。",
    "企业污水需接入园区管网，管网尚未铺设到位。",
    "希望协调对接本地上下游企业，拓宽产品销路。",
    "消防验收整改要求不清楚，希望相关部门现场指导。",
    "应收账款{n}00万元被下游企业拖欠，希望协调清欠。",
]
VISIT_MODES = [Visit.Mode.ONSITE, Visit.Mode.PHONE, Visit.Mode.MEETING, Visit.Mode.ONLINE]
VISIT_MODE_WEIGHTS = [55, 20, 12, 13]
PROBLEM_SHARE = 0.16  # visits that find a problem (a few find two)


def _visit_status(firm: Firm) -> str:
    if firm.loss_this_year:
        return "企业今年以来仍处于亏损，主要受原材料价格上涨和订单不足影响"
    if firm.above_scale and firm.projection < 1.2 * LINE:
        return "订单减少，产值同比下滑，存在退库风险"
    if firm.near_line and not firm.above_scale:
        return "订单增长较快，有望年内达规入统"
    if firm.power_drop:
        return "近几个月用电量下降，部分生产线停产检修"
    if firm.growth_ytd > 10:
        return "订单饱满，生产经营态势良好"
    return "生产经营总体平稳"


def _visit_day(rng: random.Random, month: date, today: date) -> date:
    """A working day of the month (weekends moved to the Friday before or the Monday after), never
    after today."""
    last = (month_start(month, -1) - timedelta(days=1)).day
    if month.year == today.year and month.month == today.month:
        last = today.day
    day = month.replace(day=rng.randint(1, last))
    if day.weekday() == 5:
        day -= timedelta(days=1)
    elif day.weekday() == 6:
        day += timedelta(days=1)
    if day.month != month.month or day > today:
        day = month.replace(day=min(last, max(1, day.day - 2)))
    return day


def _visits(rng: random.Random, links: list[Link], calendar: Calendar) -> tuple[int, int]:
    """The last twelve months and this month so far: each linked cadre visits each of their enterprises in
    most months (each cadre with their own diligence, fewer at the Spring Festival), leaders call on their
    key enterprises some quarters; some visits find problems."""
    today = calendar.today
    months = [month_start(today, back) for back in range(12, -1, -1)]
    days_in_month = (month_start(today, -1) - timedelta(days=1)).day
    diligence: dict[int, float] = {}
    visits: list[Visit] = []
    problems: list[list[str]] = []
    written = [0, 0]

    def flush():
        Visit.objects.bulk_create(visits, batch_size=BATCH)
        VisitProblem.objects.bulk_create(
            [
                VisitProblem(visit_id=visit.pk, description=text)
                for visit, texts in zip(visits, problems, strict=True)
                for text in texts
            ],
            batch_size=BATCH,
        )
        written[0] += len(visits)
        written[1] += sum(len(texts) for texts in problems)
        visits.clear()
        problems.clear()

    def visit(link: Link, visitor: User, month: date, modes=VISIT_MODES, weights=VISIT_MODE_WEIGHTS) -> None:
        firm = link.firm
        day = _visit_day(rng, month, today)
        found: list[str] = []
        if rng.random() < PROBLEM_SHARE:
            found = [p.format(n=rng.randint(2, 9)) for p in rng.sample(PROBLEMS, 2 if rng.random() < 0.2 else 1)]
        met = (
            f"{firm.legal_representative}（法定代表人）"
            if rng.random() < 0.5 or firm.contact_name == firm.legal_representative
            else f"{firm.contact_name}（{rng.choice(CONTACT_TITLES)}）"
        )
        notes = f"了解企业{day.month}月生产经营情况：{_visit_status(firm)}。{rng.choice(VISIT_ACTIVITIES)}。"
        if found:
            notes += "企业反映的问题已记录，按程序交办。"
        visits.append(
            Visit(
                enterprise_id=firm.pk,
                visitor=visitor,
                unit_id=visitor.unit_id,
                visited_on=day,
                mode=rng.choices(modes, weights=weights)[0],
                met_with=met,
                notes=notes,
            )
        )
        problems.append(found)
        if len(visits) >= 20 * BATCH:
            flush()

    for link in links:
        for cadre in link.cadres:
            if cadre.pk not in diligence:
                diligence[cadre.pk] = rng.uniform(0.6, 0.99)
        for month in months:
            # Each linked cadre answers for the visit (the coverage page counts a cadre's own visits).
            for cadre in link.cadres:
                chance = diligence[cadre.pk] * (0.85 if month.month == 2 else 1.0)
                if month == months[-1]:
                    chance *= today.day / days_in_month
                if rng.random() < chance:
                    visit(link, cadre, month)
                    if rng.random() < 0.05:  # a follow-up call about what the visit found
                        visit(link, cadre, month, [Visit.Mode.PHONE], [1])
            if link.leader and link.firm.is_key and month.month % 3 == 0 and rng.random() < 0.35:
                visit(link, link.leader, month, [Visit.Mode.ONSITE, Visit.Mode.MEETING], [70, 30])
    flush()
    return written[0], written[1]


# --- Enterprise users ----------------------------------------------------------------------------------------


def _enterprise_users(rng: random.Random, scale: Scale, ctx: DemoContext, firms: list[Firm], featured) -> int:
    """One account for some enterprises; the first featured one's is the `enterprise` demo login."""
    people = People(rng)
    first = featured[0] if featured else None
    others = [f for f in firms if f is not first]
    wanted = max(0, scale.enterprise_users - (first is not None))
    chosen = ([first] if first is not None else []) + rng.sample(others, min(len(others), wanted))
    staff: list[tuple[User, str]] = []
    for firm in chosen:
        user = User(
            full_name=people.name(),
            title=rng.choice(ENTERPRISE_TITLES),
            phone=people.phone(),
            enterprise_id=firm.pk,
            password=ctx.password_hash,
        )
        staff.append((user, Role.ENTERPRISE))
    if first is not None and staff:
        ctx.make_login("enterprise", staff[0][0])
    insert_users(staff, ctx)
    return len(staff)


# --- The step ------------------------------------------------------------------------------------------------

PHASES = ("registry", "figures", "warnings", "pools", "linkages", "plans", "visits", "users")


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    # One stream per phase, so that a change in one phase leaves what the others draw alone.
    streams = {phase: random.Random(rng.getrandbits(64)) for phase in PHASES}
    calendar = make_calendar(timezone.localdate(), scale.figure_months)
    firms = _enterprises(streams["registry"], scale, ctx, calendar)
    ctx.progress(
        f"enterprises: {len(firms):,} ({sum(f.above_scale for f in firms):,} above-scale, "
        f"{sum(f.is_key for f in firms):,} key)"
    )
    figures = _figures(streams["figures"], ctx, firms, calendar, scale.figure_share)
    reporting = figures // len(calendar.periods)
    ctx.progress(
        f"monthly figures: {figures:,} of {reporting:,} enterprises "
        f"({calendar.periods[0]:%Y-%m} to {calendar.last_month:%Y-%m})"
    )
    flags, changed = _warnings(streams["warnings"], ctx, firms, calendar)
    ctx.progress(f"warnings: {flags:,} office flags; levels changed on {changed:,} enterprises")
    pools = _pools(streams["pools"], firms, calendar)
    ctx.progress(f"pools: {pools.memberships:,} memberships (小升规 target {pools.target:,})")
    links, featured, linkages = _linkages(streams["linkages"], scale, ctx, firms, calendar)
    ctx.progress(f"linkages: {linkages:,} ({len(links):,} this year)")
    plans, goals, notes = _plans(streams["plans"], ctx, firms, links, pools, calendar)
    ctx.progress(f"plans: {plans:,} with {goals:,} goals and {notes:,} progress notes")
    visits, problems = _visits(streams["visits"], links, calendar)
    ctx.progress(f"visits: {visits:,} with {problems:,} problems found")
    users = _enterprise_users(streams["users"], scale, ctx, firms, featured)
    ctx.progress(f"enterprise users: {users:,}")


# Dependants first. Deleted with plain SQL: the ORM's delete() would load every row (the audit log listens
# for deletions), which for a province's 12 million figures takes hours.
RESET_ORDER = [
    VisitProblem,
    Visit,
    PlanProgress,
    PlanGoal,
    AssistancePlan,
    Linkage.cadres.through,
    Linkage,
    PoolMembership,
    CultivationPool,
    EnterpriseWarning,
    MonthlyFigure,
    Enterprise.tags.through,
]


def _delete_all(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset(ctx: DemoContext) -> None:
    deleted = {model._meta.model_name: _delete_all(model) for model in RESET_ORDER}
    User.objects.filter(is_superuser=True).exclude(enterprise=None).update(enterprise=None)
    users, _ = User.objects.filter(is_superuser=False).exclude(enterprise=None).delete()
    deleted["enterprise"] = _delete_all(Enterprise)
    summary = ", ".join(f"{count:,} {name}" for name, count in deleted.items() if count)
    ctx.progress(f"reset enterprises: deleted {summary or 'nothing'}; {users:,} enterprise-user rows")
