"""Demo enterprises (DESIGN.md §8) and this year's linkages (包联), so that every demo login sees data.

For now an enterprise is a name, a credit code and a township or park; the registry will add industries,
sizes and operating figures here. Runs after accounts.demo.build, whose counties, leaders and cadres it
takes from the DemoContext.
"""

from __future__ import annotations

import random

from django.utils import timezone

from accounts.demo import BATCH, DemoContext, Jurisdiction, People, Scale, insert_users
from accounts.models import Role, User
from enterprises.models import Enterprise, Linkage
from enterprises.validators import ALPHABET, credit_code_check_char


def _words(text: str) -> list[str]:
    return text.split()


# Trade names (字号) and industries, in the shape real registrations take: 湖南宏达机械制造有限公司.
TRADE_NAMES = _words(
    "宏达 金鑫 华兴 恒盛 鑫源 瑞丰 永兴 天成 宝利 隆昌 富民 兴旺 众合 盛达 远航 锦程 德润 祥瑞 鼎盛 凯旋 "
    "新峰 华鑫 金源 长青 福源 和顺 泰和 顺发 佳美 精诚 力拓 博远 蓝天 绿源 金桥 联创 诚信 万通 三湘 湘佳 "
    "宝山 龙腾 飞虹 振华 兴业 明珠 恒通 天宇 星辰 致远 荣盛 国泰 金石 银河 东方 正大 昌盛 旺达 和美 鸿运 "
    "信达 安泰 晟通 骏达 宏图 百盛 华源 金穗 丰泽 惠民 邦达 润泽 弘毅 方圆 亿达 中南 湘银 宏泰 嘉瑞 诚达 "
    "久盛 天马 鑫盛 汇通 瑞达 永盛 恒远 康源 裕丰 金湘 鼎立 合力 卓越 聚源 乾元 泰昌 华瑞 蓝海 达源 中顺"
)
INDUSTRIES: list[tuple[str, float]] = [
    ("机械制造", 6),
    ("食品", 5),
    ("新材料", 5),
    ("电子科技", 5),
    ("纺织", 3),
    ("建材", 4),
    ("医药", 2),
    ("农业开发", 5),
    ("五金制品", 3),
    ("包装材料", 2),
    ("塑料制品", 2),
    ("服饰", 2),
    ("矿业", 1),
    ("化工", 2),
    ("竹木制品", 2),
    ("茶业", 2),
    ("电气设备", 2),
    ("汽车零部件", 2),
    ("环保科技", 2),
    ("生物科技", 2),
    ("家具", 2),
    ("印务", 1),
    ("智能装备", 2),
    ("光电科技", 1),
    ("陶瓷", 1),
    ("打火机制造", 1),
    ("油脂", 1),
    ("粮油", 2),
    ("中药材", 1),
    ("再生资源", 1),
]
COMPANY_FORMS = [("有限公司", 80), ("股份有限公司", 8), ("有限责任公司", 12)]
ENTERPRISE_TITLES = ["总经理", "董事长", "财务总监", "办公室主任", "行政主管", "副总经理", "综合部经理"]
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
_INDUSTRY_NAMES = [name for name, _ in INDUSTRIES]
_INDUSTRY_WEIGHTS = [w for _, w in INDUSTRIES]


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


def enterprise_name(rng: random.Random, county: Jurisdiction, region) -> str:
    if rng.random() < 0.15 and region.name[-1] in "镇乡":
        place = region.name[:-1]  # 雀塘食品有限公司
    else:
        place = rng.choices(county.name_words, weights=[25, 10, 15, 25, 10][: len(county.name_words)])[0]
    industry = rng.choices(_INDUSTRY_NAMES, weights=_INDUSTRY_WEIGHTS)[0]
    form = rng.choices([f for f, _ in COMPANY_FORMS], weights=[w for _, w in COMPANY_FORMS])[0]
    return f"{place}{rng.choice(TRADE_NAMES)}{industry}{form}"


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


Located = list[tuple[Enterprise, Jurisdiction]]  # each enterprise with the county it lies in


def _enterprises(rng: random.Random, scale: Scale, ctx: DemoContext) -> Located:
    org = ctx.org
    counties = org.counties
    names: set[str] = set()
    codes: set[str] = set()
    rows: Located = []
    for county, count in zip(counties, _spread(rng, scale.enterprises, counties, org.demo_county), strict=True):
        places = county.townships + county.parks
        # Parks hold the industry; the county seat (the first township) more than the others.
        weights = [2.0 if i == 0 else 1.0 for i in range(len(county.townships))] + [4.0] * len(county.parks)
        for _ in range(count):
            region = rng.choices(places, weights=weights)[0]
            name = enterprise_name(rng, county, region)
            while name in names:
                name = enterprise_name(rng, county, region)
            code = credit_code(rng, county.region.code)
            while code in codes:
                code = credit_code(rng, county.region.code)
            names.add(name)
            codes.add(code)
            rows.append((Enterprise(credit_code=code, name=name, region=region), county))
    Enterprise.objects.bulk_create([e for e, _ in rows], batch_size=BATCH)
    return rows


def _linkages(
    rng: random.Random, scale: Scale, ctx: DemoContext, rows: Located
) -> tuple[list[Linkage], Enterprise | None]:
    """This year's linkage for a share of each county's enterprises: a county leader, a lead unit (a
    department, or the township or park the enterprise lies in) and one or two cadres, from the lead unit
    where it has any. Returns the linkages and the enterprise the demo logins share."""
    year = timezone.localdate().year
    by_county: dict[int, list[Enterprise]] = {}
    for enterprise, county in rows:
        by_county.setdefault(id(county), []).append(enterprise)
    demo = ctx.org.demo_county
    logins = ctx.logins
    linkages: list[Linkage] = []
    cadre_rows: list[tuple[Linkage, list[User]]] = []
    featured: Enterprise | None = None
    for county in ctx.org.counties:
        enterprises = by_county.get(id(county), [])
        departments = [(county.departments[code], w) for code, w in LEAD_DEPARTMENTS.items()]
        for n, enterprise in enumerate(rng.sample(enterprises, round(len(enterprises) * scale.linked_share))):
            if rng.random() < 0.5:
                lead_unit = county.territory_unit(enterprise.region)
            else:
                lead_unit = rng.choices([u for u, _ in departments], weights=[w for _, w in departments])[0]
            leader = rng.choice(county.leaders)
            # Mostly the lead unit's own cadres; townships and departments also pair cadres from elsewhere.
            own = county.cadres_by_unit.get(id(lead_unit))
            pool = own if own and rng.random() < 0.7 else county.cadres
            cadres = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))
            if county is demo and n < FEATURED_LINKAGES and {"leader", "cadre"} <= logins.keys():
                # The demo's story: the leader, the industry bureau and the cadre logins share these.
                lead_unit = county.departments["GXJ"]
                leader = logins["leader"]
                cadres = [logins["cadre"], *[c for c in cadres if c is not logins["cadre"]][:1]]
                featured = featured or enterprise
            linkage = Linkage(enterprise=enterprise, year=year, leader=leader, lead_unit=lead_unit)
            linkages.append(linkage)
            cadre_rows.append((linkage, cadres))
    Linkage.objects.bulk_create(linkages, batch_size=BATCH)
    through = Linkage.cadres.through
    through.objects.bulk_create(
        [through(linkage_id=linkage.pk, user_id=cadre.pk) for linkage, cadres in cadre_rows for cadre in cadres],
        batch_size=BATCH,
    )
    return linkages, featured


def _enterprise_users(rng: random.Random, scale: Scale, ctx: DemoContext, rows: Located, featured) -> int:
    """One account for some enterprises; the featured one's is the `enterprise` demo login."""
    people = People(rng)
    enterprises = [e for e, _ in rows]
    others = [e for e in enterprises if e is not featured]
    wanted = max(0, scale.enterprise_users - (featured is not None))
    chosen = ([featured] if featured is not None else []) + rng.sample(others, min(len(others), wanted))
    staff: list[tuple[User, str]] = []
    for enterprise in chosen:
        user = User(
            full_name=people.name(),
            title=rng.choice(ENTERPRISE_TITLES),
            phone=people.phone(),
            enterprise=enterprise,
            password=ctx.password_hash,
        )
        staff.append((user, Role.ENTERPRISE))
    if featured is not None and staff:
        ctx.make_login("enterprise", staff[0][0])
    insert_users(staff, ctx)
    return len(staff)


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    rows = _enterprises(rng, scale, ctx)
    ctx.progress(f"enterprises: {len(rows):,}")
    linkages, featured = _linkages(rng, scale, ctx, rows)
    ctx.progress(f"linkages {timezone.localdate().year}: {len(linkages):,}")
    count = _enterprise_users(rng, scale, ctx, rows, featured)
    ctx.progress(f"enterprise users: {count:,}")


def reset(ctx: DemoContext) -> None:
    linkages, _ = Linkage.objects.all().delete()
    User.objects.filter(is_superuser=True).exclude(enterprise=None).update(enterprise=None)
    users, _ = User.objects.filter(is_superuser=False).exclude(enterprise=None).delete()
    enterprises, _ = Enterprise.objects.all().delete()
    ctx.progress(
        f"reset enterprises: deleted {enterprises:,} enterprise, {linkages:,} linkage, {users:,} enterprise-user rows"
    )
