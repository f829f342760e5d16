"""Demo data of the policies app (issue 6 item 7): a library of support policies (惠企政策) modelled on the
measures of the seeds — 小升规 and 专精特新 rewards, R&D and technology-transformation subsidies, loan
interest subsidies, 稳岗返还, 两上三化, tax relief, talent housing, market, land and energy support — from the
national, provincial, city and county levels, each with its clauses, benefit, how it is obtained, its policy
interpreter and an eligibility rule that selects a plausible share of the demo enterprises.

Then what enterprises did with them: the category subscriptions of some enterprises (the `enterprise`
login's own among them) and applications (申报) for the policies obtained by applying, some decided.
Matching, 免申即享 lists and payments are left to the policies services (matching, grants).

Runs after enterprises.demo.build; rows are written directly (bulk), as the other demo steps do. A county
policy's rule is confined to 新邵县 (`within_region`), a city's to 邵阳市 and a province's to 湖南省, so that
at city or province scale each applies where it was issued.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from accounts.demo import BATCH, DEMO_COUNTY_CODE, DemoContext, Scale
from accounts.models import Region, Role, Unit, User
from core.models import Notification
from enterprises.models import Enterprise
from policies import rules
from policies.models import (
    Application,
    Disbursement,
    GrantBatch,
    GrantLine,
    Policy,
    PolicyCategory,
    PolicyClause,
    PolicyMatch,
    PolicySubscription,
)

CITY_CODE = "430500"  # 邵阳市
PROVINCE_CODE = "430000"  # 湖南省
# At most this many candidates of a policy are looked at when choosing who applied (a province has many).
CANDIDATES = 2000
APPLICATIONS_PER_POLICY = (2, 12)
DECIDED_SHARE = 0.75  # of the applications whose decision time has come; the rest wait
APPROVED_SHARE = 0.6  # the decided ones below it are approved, the others rejected
OWN_APPLICATIONS = 4  # at most, by the `enterprise` login's enterprise
SUBSCRIBING_SHARE = 0.4  # of the enterprises with an account
LOGIN_SUBSCRIPTIONS = ("funding", "innovation", "financing")

Kind = Policy.BenefitKind
Obtain = Policy.Obtain
Level = Policy.Level
Status = Policy.Status


@dataclass
class Places:
    """The regions and parks the rules name (None when the demo has no such region)."""

    county: int | None
    city: int | None
    province: int | None
    parks: list[int] = field(default_factory=list)

    @classmethod
    def load(cls) -> Places:
        ids = dict(
            Region.objects.filter(code__in=[DEMO_COUNTY_CODE, CITY_CODE, PROVINCE_CODE]).values_list("code", "pk")
        )
        county = ids.get(DEMO_COUNTY_CODE)
        parks = list(
            Unit.objects.filter(kind=Unit.Kind.PARK, region__parent_id=county)
            .order_by("pk")
            .values_list("pk", flat=True)
            if county
            else []
        )
        return cls(ids.get(DEMO_COUNTY_CODE), ids.get(CITY_CODE), ids.get(PROVINCE_CODE), parks)


def _within(region_id: int | None) -> list[dict]:
    return [{"fact": "region", "op": "within_region", "value": region_id}] if region_id else []


def _all(*conditions) -> dict:
    parts = [c for c in conditions if c]
    return {"all": parts} if len(parts) > 1 else parts[0]


def _fact(name: str, op: str, value) -> dict:
    return {"fact": name, "op": op, "value": value}


def _tag(code: str) -> dict:
    return _fact("tags", "has_tag", code)


def _manual(text: str) -> dict:
    return {"manual": text}


MANUFACTURING = _fact("industry", "eq", "C")
ABOVE_SCALE = _fact("above_scale", "eq", True)
NOT_ABOVE_SCALE = {"not": ABOVE_SCALE}
SAFE = _manual("近三年未发生重大安全生产、生态环境事故，未被列入严重失信主体名单")


@dataclass
class Spec:
    """One demo policy as written, before it becomes rows."""

    key: str
    title: str
    number: str
    issuer: str
    level: str
    published: date | None
    effective: date | None
    expires: date | None
    categories: tuple[str, ...]
    summary: str
    clauses: list[tuple[str, str]]
    kind: str
    formula: dict
    cap: int | None
    benefit_text: str
    obtain: str
    rule: dict
    interpreter: tuple[str, str]
    materials: str = ""
    deadline: date | None = None
    status: str = Status.PUBLISHED
    period: str = ""  # the period applications are for


def _month_end(day: date) -> date:
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def specs(today: date, places: Places) -> list[Spec]:
    """The demo library, dated around `today` (this year's and last year's documents)."""
    y, last = today.year, today.year - 1
    county, city, province = _within(places.county), _within(places.city), _within(places.province)
    soon = _month_end(today + timedelta(days=40))
    later = _month_end(today + timedelta(days=100))
    this_year, last_year = str(y), str(last)
    return [
        Spec(
            key="small_to_scale",
            title="新邵县支持工业企业“小升规”奖励办法",
            number=f"新政办发〔{last}〕12号",
            issuer="新邵县人民政府办公室",
            level=Level.COUNTY,
            published=date(last, 3, 18),
            effective=date(last, 4, 1),
            expires=date(y + 1, 12, 31),
            categories=("funding",),
            summary="对当年首次纳入规模以上工业企业统计的企业给予一次性奖励10万元，由县科工局会同县统计局"
            "按入统名单直接兑现，企业无需申报。",
            clauses=[
                (
                    "第一条 目的依据",
                    "为深入实施新增规模工业企业行动，壮大规模以上工业企业总量，推动小微企业“升规纳统”，"
                    "结合我县实际，制定本办法。",
                ),
                (
                    "第二条 奖励对象",
                    "在新邵县依法登记注册、具有独立法人资格的工业企业，上年度主营业务收入1500万元以上、"
                    "当年主营业务收入达到2000万元，经统计部门核定首次纳入规模以上工业企业统计（以联网直报名录为准）。",
                ),
                (
                    "第三条 奖励标准",
                    "对首次入规的工业企业给予一次性奖励10万元；入规后连续两年在库的，次年再给予5万元稳规奖励。",
                ),
                (
                    "第四条 兑现方式",
                    "实行“免申即享”。县科技和工业信息化局会同县统计局根据入统名单核定奖励对象，"
                    "经公示无异议后由县财政局直接拨付至企业基本账户。",
                ),
                (
                    "第五条 其他",
                    "通过虚报、瞒报统计数据纳入统计的，取消奖励并追回已拨付资金。本办法由县科技和工业信息化局负责解释。",
                ),
            ],
            kind=Kind.GRANT,
            formula={"fixed": 10},
            cap=10,
            benefit_text="首次入规一次性奖励10万元",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(
                *county,
                MANUFACTURING,
                NOT_ABOVE_SCALE,
                _fact("last_year_revenue", "between", [1500, 2000]),
                _manual("当年主营业务收入达到2000万元，经统计部门核定首次纳入规模以上工业企业统计"),
            ),
            interpreter=("曾志强", "0739-3622158"),
        ),
        Spec(
            key="srdi_reward",
            title="新邵县专精特新企业梯度培育奖励措施",
            number=f"新政办发〔{last}〕21号",
            issuer="新邵县人民政府办公室",
            level=Level.COUNTY,
            published=date(last, 5, 9),
            effective=date(last, 5, 9),
            expires=date(y + 2, 5, 8),
            categories=("funding", "innovation"),
            summary="对上年度新认定的省级专精特新中小企业给予一次性奖励20万元，按认定名单免申即享；"
            "国家级专精特新“小巨人”企业另按上级奖补资金配套。",
            clauses=[
                (
                    "第一条 总体要求",
                    "实施企业梯次培育“添翼计划”，完善创新型中小企业、省级专精特新中小企业、国家级专精特新"
                    "“小巨人”企业、制造业单项冠军企业梯度培育体系，引导中小企业走专业化、精细化、特色化、新颖化发展之路。",
                ),
                (
                    "第二条 奖励标准",
                    "对上年度新认定的省级专精特新中小企业给予一次性奖励20万元；对新认定的国家级专精特新“小巨人”"
                    "企业，在省级奖励基础上由县财政按上级奖补资金1:0.5配套。",
                ),
                (
                    "第三条 兑现方式",
                    "县科技和工业信息化局依据省工信厅、工信部公布的认定名单核定奖励对象，实行“免申即享”，"
                    "企业无需提交申请材料。",
                ),
                (
                    "第四条 培育服务",
                    "对纳入培育库的企业实行县级领导分包，开展产学研、用工、产销、产融“四项对接”，"
                    "优先推荐申报各级技术改造、科技创新项目。",
                ),
            ],
            kind=Kind.GRANT,
            formula={"fixed": 20},
            cap=20,
            benefit_text="新认定省级专精特新中小企业一次性奖励20万元",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(
                *county,
                _tag("srdi"),
                _manual("上年度新认定为省级专精特新中小企业或国家级专精特新“小巨人”企业"),
            ),
            interpreter=("曾志强", "0739-3622158"),
        ),
        Spec(
            key="rd_subsidy",
            title="新邵县企业研发投入奖补实施细则",
            number=f"新科工发〔{y}〕5号",
            issuer="新邵县科技和工业信息化局 新邵县财政局",
            level=Level.COUNTY,
            published=date(y, 4, 10),
            effective=date(y, 4, 10),
            expires=date(y + 2, 12, 31),
            categories=("innovation", "funding"),
            summary="上年度研发投入占主营业务收入3%以上的规模以上企业，经审核给予10万元研发投入奖补，"
            "推动规模以上工业企业研发活动全覆盖。",
            clauses=[
                (
                    "第一条 目的",
                    "落实企业研发费用加计扣除政策，鼓励企业持续加大研发投入，加快实现有研发机构、有研发人员、"
                    "有研发经费、有产学研合作“四有”目标。",
                ),
                (
                    "第二条 支持对象",
                    "在县内注册的规模以上企业，上年度研发投入占主营业务收入的比例不低于3%，"
                    "已建立研发费用辅助账并按规定报送研发活动统计报表。",
                ),
                ("第三条 支持标准", "经审核符合条件的，每家企业给予研发投入奖补10万元，同一企业每年度只享受一次。"),
                (
                    "第四条 申报程序",
                    "企业在申报期内通过平台提交申报材料，乡镇（街道）、园区初审后报县科工局，"
                    "县科工局会同县财政局、县税务局联合审核并公示。",
                ),
                ("第五条 监督管理", "奖补资金专项用于企业研发活动。弄虚作假骗取资金的，追回资金并取消三年申报资格。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fixed": 10},
            cap=10,
            benefit_text="研发投入奖补10万元",
            obtain=Obtain.APPLICATION,
            materials="1. 研发投入奖补申报表；\n2. 上年度研发费用专项审计报告或研发费用加计扣除优惠明细表；\n"
            "3. 研发项目立项文件及研发费用辅助账；\n4. 研发活动情况统计报表（107-1表）。",
            deadline=soon,
            rule=_all(
                *county,
                ABOVE_SCALE,
                _fact("last_year_rd_ratio", "gte", 3),
                _manual("已建立研发费用辅助账，并按规定报送研发活动统计报表"),
            ),
            interpreter=("李卫东", "0739-3622736"),
            period=last_year,
        ),
        Spec(
            key="tech_transformation",
            title="新邵县工业企业技术改造专项资金管理办法",
            number=f"新政办发〔{y}〕7号",
            issuer="新邵县人民政府办公室",
            level=Level.COUNTY,
            published=date(y, 3, 2),
            effective=date(y, 3, 2),
            expires=date(y + 2, 12, 31),
            categories=("funding",),
            summary="对上年度完成设备投资300万元以上技术改造项目的规模以上工业企业，按设备投资额的8%给予补助，"
            "单个项目最高50万元。",
            clauses=[
                (
                    "第一条 支持方向",
                    "推进传统产业高端化、智能化、绿色化改造，支持企业实施设备更新、工艺改进、智能制造、"
                    "节能降耗等技术改造项目。",
                ),
                (
                    "第二条 申报条件",
                    "规模以上工业企业，上年度完成技术改造项目且已竣工投产，设备投资额不低于300万元；"
                    "近三年未发生重大安全生产、生态环境事故。",
                ),
                ("第三条 补助标准", "按项目设备投资额的8%给予补助，单个项目最高50万元。"),
                (
                    "第四条 申报与审核",
                    "企业按年度申报，县科工局会同县发改局、县财政局组织专家评审和现场核查，"
                    "结果公示5个工作日后拨付资金。",
                ),
                ("第五条 资金监管", "获得补助的项目纳入“三化”改造项目库跟踪管理，县审计局对资金使用情况进行抽查。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fixed": 50},
            cap=50,
            benefit_text="按设备投资额8%补助，最高50万元",
            obtain=Obtain.APPLICATION,
            materials="1. 技术改造项目补助申请表；\n2. 项目备案文件；\n3. 设备购置合同、发票及付款凭证；\n"
            "4. 项目竣工验收报告；\n5. 安全生产和环保合规承诺书。",
            deadline=later,
            rule=_all(
                *county,
                MANUFACTURING,
                ABOVE_SCALE,
                _manual("上年度完成技术改造项目，设备投资额不低于300万元且已竣工投产"),
                SAFE,
            ),
            interpreter=("李卫东", "0739-3622736"),
            period=last_year,
        ),
        Spec(
            key="srdi_loan_interest",
            title="邵阳市专精特新中小企业贷款贴息实施办法",
            number=f"邵政办发〔{last}〕15号",
            issuer="邵阳市人民政府办公室",
            level=Level.CITY,
            published=date(last, 6, 20),
            effective=date(last, 7, 1),
            expires=date(y + 1, 6, 30),
            categories=("financing",),
            summary="对专精特新中小企业和创新型中小企业上年度新增的流动资金贷款，按实际支付利息的50%给予贴息，"
            "单户每年最高30万元。",
            clauses=[
                (
                    "第一条 支持对象",
                    "在邵阳市内注册的省级专精特新中小企业、国家级专精特新“小巨人”企业和创新型中小企业。",
                ),
                (
                    "第二条 贴息范围",
                    "企业上年度在市内银行业金融机构新增的一年期以内流动资金贷款（含“专精特新贷”“科技贷”），"
                    "已按期付息且无逾期记录。",
                ),
                ("第三条 贴息标准", "按企业实际支付利息的50%给予贴息，单户企业每年最高30万元。"),
                ("第四条 申报程序", "企业向所在县市区工信部门申报，经市工信局、市财政局审核后拨付。"),
            ],
            kind=Kind.INTEREST_SUBSIDY,
            formula={"fixed": 30},
            cap=30,
            benefit_text="按实际付息50%贴息，每年最高30万元",
            obtain=Obtain.APPLICATION,
            materials="1. 贷款贴息申请表；\n2. 借款合同及借据；\n3. 银行出具的利息支付凭证；\n4. 专精特新或创新型中小企业认定文件。",
            deadline=soon,
            rule=_all(
                *city,
                {"any": [_tag("srdi"), _tag("innovative_sme")]},
                _manual("上年度在市内银行业金融机构新增流动资金贷款并按期付息"),
            ),
            interpreter=("周敏", "0739-5321860"),
            period=last_year,
        ),
        Spec(
            key="job_stabilisation",
            title="湖南省失业保险稳岗返还实施办法",
            number=f"湘人社规〔{last}〕3号",
            issuer="湖南省人力资源和社会保障厅 湖南省财政厅",
            level=Level.PROVINCIAL,
            published=date(last, 2, 26),
            effective=date(last, 1, 1),
            expires=date(y, 12, 31),
            categories=("talent",),
            summary="参保职工50人以上、上年度不裁员或少裁员的企业，按参保职工人数每人600元返还失业保险费，"
            "单户最高50万元，“免申即享”直接返还。",
            clauses=[
                (
                    "第一条 适用范围",
                    "本办法适用于在湖南省内依法参加失业保险、参保职工50人以上的企业；50人以下企业按一次性扩岗补助政策执行。",
                ),
                (
                    "第二条 返还条件",
                    "企业依法参加失业保险并足额缴费满12个月，上年度未裁员或裁员率不高于全国城镇调查失业率控制目标。",
                ),
                ("第三条 返还标准", "按企业参保职工人数每人600元返还，单户企业最高50万元。"),
                (
                    "第四条 经办方式",
                    "人社部门通过大数据比对筛选符合条件的企业，实行“免申即享”，返还资金直接拨付至企业社保缴费账户。",
                ),
                ("第五条 资金用途", "返还资金用于职工生活补助、缴纳社会保险费、转岗培训和技能提升培训等稳定就业支出。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fact": "employees", "rate": 0.06},
            cap=50,
            benefit_text="按参保职工每人600元返还，最高50万元",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(
                *province,
                _fact("employees", "gte", 50),
                _manual("依法参加失业保险并足额缴费满12个月"),
                _manual("上年度未裁员或裁员率不高于全国城镇调查失业率控制目标"),
            ),
            interpreter=("谭红梅", "0731-84900612"),
        ),
        Spec(
            key="high_tech_reward",
            title="新邵县高新技术企业培育奖励办法",
            number=f"新政办发〔{last}〕22号",
            issuer="新邵县人民政府办公室",
            level=Level.COUNTY,
            published=date(last, 5, 9),
            effective=date(last, 5, 9),
            expires=date(y + 2, 5, 8),
            categories=("innovation", "funding"),
            summary="对上年度首次通过或重新通过高新技术企业认定的企业给予一次性奖励10万元，免申即享。",
            clauses=[
                (
                    "第一条 目的",
                    "深入实施高新技术企业倍增计划和科技型中小企业“春笋”计划，壮大高新技术企业培育库。",
                ),
                ("第二条 奖励对象", "在县内注册、上年度首次通过或重新通过高新技术企业认定的企业。"),
                ("第三条 奖励标准", "首次认定的给予一次性奖励10万元，重新认定的给予5万元。"),
                ("第四条 兑现方式", "县科工局依据全国高新技术企业认定管理工作网公布的名单核定，实行“免申即享”。"),
            ],
            kind=Kind.GRANT,
            formula={"fixed": 10},
            cap=10,
            benefit_text="首次认定一次性奖励10万元",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(*county, _tag("high_tech"), _manual("上年度首次通过或重新通过高新技术企业认定")),
            interpreter=("李卫东", "0739-3622736"),
        ),
        Spec(
            key="two_up_three",
            title="新邵县推进工业企业“两上三化”转型升级若干措施",
            number=f"新政发〔{y}〕3号",
            issuer="新邵县人民政府",
            level=Level.COUNTY,
            published=date(y, 2, 28),
            effective=date(y, 3, 1),
            expires=date(y + 2, 12, 31),
            categories=("innovation", "funding"),
            summary="支持工业企业上云上平台和高端化、智能化、绿色化改造，上云上平台按服务费用的50%补助，"
            "每家企业最高5万元。",
            clauses=[
                (
                    "第一条 总体目标",
                    "推动传统劳动密集型行业骨干企业加快数字化、智能化、网络化转型，实现“两上三化”。",
                ),
                (
                    "第二条 上云上平台",
                    "对当年购买云服务、接入工业互联网平台的工业企业，按实际发生服务费用的50%给予补助，"
                    "每家企业最高5万元。",
                ),
                (
                    "第三条 “三化”改造",
                    "对高端化、智能化、绿色化改造项目优先纳入技术改造专项资金支持，并推荐申报省级智能制造示范。",
                ),
                ("第四条 申报条件", "在县内注册、从业人员30人以上的工业企业，项目当年完成并通过县科工局验收。"),
                ("第五条 服务保障", "组织数字化服务商为企业免费开展诊断评估，提供系统解决方案。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fixed": 5},
            cap=5,
            benefit_text="上云上平台服务费用补助50%，最高5万元",
            obtain=Obtain.APPLICATION,
            materials="1. 补助申请表；\n2. 云服务或平台服务合同及发票；\n3. 县科工局验收意见；\n4. 企业从业人员社保缴纳证明。",
            deadline=later,
            rule=_all(
                *county,
                MANUFACTURING,
                _fact("employees", "gte", 30),
                _manual("当年完成“上云上平台”或智能化、绿色化改造项目并通过县科工局验收"),
            ),
            interpreter=("曾志强", "0739-3622158"),
            period=this_year,
        ),
        Spec(
            key="tax_contribution",
            title="新邵县小微企业纳税贡献奖励办法",
            number=f"新政办发〔{last}〕30号",
            issuer="新邵县人民政府办公室",
            level=Level.COUNTY,
            published=date(last, 8, 12),
            effective=date(last, 9, 1),
            expires=date(y + 1, 8, 31),
            categories=("tax", "funding"),
            summary="上年度纳税50万元以上、盈利的小型微型企业，按上年度纳税额的5%给予奖励，最高20万元，"
            "由县税务局提供数据、县财政局直接兑现。",
            clauses=[
                ("第一条 目的", "落实小微企业税收减免政策，激励小微企业稳健经营、依法纳税，做大做强。"),
                ("第二条 奖励对象", "在县内注册的小型、微型企业，上年度纳税总额50万元以上且利润总额不为负。"),
                ("第三条 奖励标准", "按上年度纳税总额的5%给予奖励，单户企业最高20万元。"),
                (
                    "第四条 兑现方式",
                    "县税务局每年3月底前提供上年度纳税数据，县财政局会同县科工局核定名单，实行“免申即享”。",
                ),
            ],
            kind=Kind.GRANT,
            formula={"fact": "last_year_tax", "rate": 0.05},
            cap=20,
            benefit_text="按上年度纳税额5%奖励，最高20万元",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(
                *county,
                _fact("size", "in", ["small", "micro"]),
                _fact("last_year_tax", "gte", 50),
                _fact("last_year_profit", "gte", 0),
            ),
            interpreter=("刘芳", "0739-3621055"),
        ),
        Spec(
            key="advanced_manufacturing_vat",
            title="关于先进制造业企业增值税加计抵减政策的公告",
            number="财政部 税务总局公告2023年第43号",
            issuer="财政部 税务总局",
            level=Level.NATIONAL,
            published=date(2023, 9, 3),
            effective=date(2023, 1, 1),
            expires=date(2027, 12, 31),
            categories=("tax",),
            summary="先进制造业企业（制造业高新技术企业）按照当期可抵扣进项税额加计5%抵减应纳增值税税额，"
            "由税务部门依据工信部门名单直接推送适用。",
            clauses=[
                (
                    "一、政策内容",
                    "自2023年1月1日至2027年12月31日，允许先进制造业企业按照当期可抵扣进项税额加计5%抵减应纳增值税税额。",
                ),
                (
                    "二、适用范围",
                    "本公告所称先进制造业企业是指高新技术企业（含所属的非法人分支机构）中的制造业一般纳税人。",
                ),
                (
                    "三、名单管理",
                    "工业和信息化部门会同同级财政、税务部门确定享受政策的先进制造业企业名单，并推送至税务部门。",
                ),
                ("四、其他", "先进制造业企业可计提但未计提的加计抵减额，可在确定适用加计抵减政策当期一并计提。"),
            ],
            kind=Kind.TAX_RELIEF,
            formula={"fact": "last_year_tax", "rate": 0.05},
            cap=None,
            benefit_text="可抵扣进项税额加计5%抵减应纳增值税",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(MANUFACTURING, _tag("high_tech")),
            interpreter=("刘芳", "0739-3621055"),
        ),
        Spec(
            key="talent_housing",
            title="新邵县引进人才住房补贴实施细则",
            number=f"新人才发〔{y}〕2号",
            issuer="中共新邵县委人才工作领导小组",
            level=Level.COUNTY,
            published=date(y, 3, 20),
            effective=date(y, 4, 1),
            expires=date(y + 2, 12, 31),
            categories=("talent",),
            summary="规模以上企业、高新技术企业和科技型中小企业新引进的全日制本科及以上学历人才，在县内无自有住房的，"
            "给予每人每年1.2万元住房补贴，每家企业每年最高12万元。",
            clauses=[
                ("第一条 支持对象", "县内规模以上企业、高新技术企业和科技型中小企业。"),
                (
                    "第二条 人才条件",
                    "当年新引进的全日制本科及以上学历或中级以上职称人才，签订3年以上劳动合同，在县内无自有住房。",
                ),
                (
                    "第三条 补贴标准",
                    "本科每人每年1.2万元，硕士及以上每人每年2.4万元，连续补贴3年，每家企业每年最高12万元。",
                ),
                ("第四条 申报程序", "企业每年集中申报一次，县人社局会同县住建局审核、公示后发放。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fixed": 12},
            cap=12,
            benefit_text="每人每年1.2万元，每家企业最高12万元",
            obtain=Obtain.APPLICATION,
            materials="1. 人才住房补贴申请表；\n2. 学历学位证书或职称证书；\n3. 劳动合同及社保缴纳证明；\n4. 县内无自有住房承诺书。",
            deadline=soon,
            rule=_all(
                *county,
                {"any": [ABOVE_SCALE, _tag("high_tech"), _tag("tech_sme")]},
                _manual("当年新引进全日制本科及以上学历或中级以上职称人才，并签订3年以上劳动合同"),
            ),
            interpreter=("王建国", "0739-3623310"),
            period=this_year,
        ),
        Spec(
            key="foreign_trade_fairs",
            title="湖南省支持外贸企业开拓国际市场若干措施",
            number=f"湘商外贸〔{last}〕18号",
            issuer="湖南省商务厅 湖南省财政厅",
            level=Level.PROVINCIAL,
            published=date(last, 4, 15),
            effective=date(last, 4, 15),
            expires=date(y + 1, 4, 14),
            categories=("market",),
            summary="支持外贸企业参加境外重点展会、开展跨境电商，展位费按70%补助，每家企业每年最高10万元。",
            clauses=[
                ("第一条 支持对象", "在湖南省内注册、有进出口实绩的外贸企业。"),
                ("第二条 展会补助", "参加经省商务厅认定的境外重点展会，展位费按70%给予补助。"),
                ("第三条 跨境电商", "开展跨境电商业务的，对平台入驻费、推广费按50%给予补助。"),
                ("第四条 补助上限", "每家企业每年各项补助合计最高10万元。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fixed": 10},
            cap=10,
            benefit_text="展位费补助70%，每年最高10万元",
            obtain=Obtain.APPLICATION,
            materials="1. 补助申请表；\n2. 参展合同及展位费发票；\n3. 参展照片或跨境电商平台交易记录；\n4. 海关进出口数据证明。",
            deadline=later,
            rule=_all(
                *province,
                _tag("foreign_trade"),
                _manual("上年度参加经认定的境外重点展会或开展跨境电商业务"),
            ),
            interpreter=("陈晓燕", "0731-82295140"),
            period=last_year,
        ),
        Spec(
            key="park_rent",
            title="新邵县产业园区标准厂房租金减免办法",
            number=f"新政办发〔{last}〕9号",
            issuer="新邵县人民政府办公室",
            level=Level.COUNTY,
            published=date(last, 3, 1),
            effective=date(last, 3, 1),
            expires=date(y + 2, 2, 28),
            categories=("land",),
            summary="新邵经济开发区和雀塘循环经济产业园内成立不满五年的工业企业租用标准厂房，"
            "前三年租金全免、第四五年减半，每年最高减免8万元。",
            clauses=[
                ("第一条 适用范围", "新邵经济开发区、雀塘循环经济产业园内租用政府投资建设标准厂房的工业企业。"),
                ("第二条 减免条件", "企业成立不满五年，入园项目符合园区产业定位，按合同约定按时投产。"),
                ("第三条 减免标准", "前三年租金全免，第四、五年减半收取，每家企业每年最高减免8万元。"),
                ("第四条 兑现方式", "园区管委会依据厂房租赁合同直接减免，企业无需另行申请。"),
                ("第五条 退出机制", "企业擅自转租、改变用途或停产半年以上的，停止减免并追缴已减免租金。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fixed": 8},
            cap=8,
            benefit_text="租金三免两减半，每年最高8万元",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(
                _fact("park", "in", places.parks) if places.parks else None,
                MANUFACTURING,
                _fact("years_since_founding", "lte", 5),
                _manual("租用园区政府投资建设的标准厂房"),
            ),
            interpreter=("罗国平", "0739-3628802"),
        ),
        Spec(
            key="power_cost",
            title="新邵县工业企业用电降本增效若干措施",
            number=f"新发改发〔{y}〕11号",
            issuer="新邵县发展和改革局 国网新邵县供电公司",
            level=Level.COUNTY,
            published=date(y, 5, 16),
            effective=date(y, 6, 1),
            expires=date(y + 1, 12, 31),
            categories=("energy",),
            summary="规模以上工业企业实施用电增容工程的，按投资的30%给予补助，最高5万元；"
            "推行“三零三省”供电服务，支持企业参与电力市场化交易。",
            clauses=[
                ("第一条 增容补助", "规模以上工业企业当年实施用电增容工程的，按工程投资的30%给予补助，最高5万元。"),
                ("第二条 “三零三省”服务", "对工业用户推行零上门、零审批、零投资和省力、省时、省钱的供电服务。"),
                ("第三条 市场化交易", "支持用电报装容量315千伏安及以上的工业企业直接参与电力市场化交易。"),
                ("第四条 申报程序", "企业向县发改局提出申请，县发改局会同供电公司核实工程量后拨付。"),
            ],
            kind=Kind.SUBSIDY,
            formula={"fixed": 5},
            cap=5,
            benefit_text="增容工程投资补助30%，最高5万元",
            obtain=Obtain.APPLICATION,
            materials="1. 用电增容补助申请表；\n2. 供电公司出具的增容工程竣工资料；\n3. 工程合同及发票。",
            deadline=later,
            rule=_all(
                *county,
                MANUFACTURING,
                ABOVE_SCALE,
                _manual("用电报装容量315千伏安及以上，当年实施用电增容工程"),
            ),
            interpreter=("邓志刚", "0739-3625217"),
            period=this_year,
        ),
        Spec(
            key="hundred_million_draft",
            title="新邵县工业企业产值首次突破亿元奖励办法（征求意见稿）",
            number="",
            issuer="新邵县科技和工业信息化局",
            level=Level.COUNTY,
            published=None,
            effective=None,
            expires=None,
            categories=("funding",),
            summary="对上年度主营业务收入首次突破1亿元的工业企业给予一次性奖励20万元（征求意见稿）。",
            clauses=[
                ("第一条 奖励对象", "在县内注册的规模以上工业企业，上年度主营业务收入首次突破1亿元。"),
                ("第二条 奖励标准", "给予一次性奖励20万元；首次突破5亿元的，再给予奖励50万元。"),
                ("第三条 兑现方式", "县统计局提供名单，县科工局核定后“免申即享”。"),
            ],
            kind=Kind.GRANT,
            formula={"fixed": 20},
            cap=20,
            benefit_text="首次突破1亿元一次性奖励20万元",
            obtain=Obtain.AUTO_GRANT,
            rule=_all(
                *county,
                MANUFACTURING,
                ABOVE_SCALE,
                _fact("last_year_revenue", "between", [10000, 30000]),
                _manual("上年度主营业务收入首次突破1亿元"),
            ),
            interpreter=("曾志强", "0739-3622158"),
            status=Status.DRAFT,
        ),
        Spec(
            key="small_to_scale_2023",
            title="新邵县工业企业“小升规”奖励办法（2023年版）",
            number="新政办发〔2023〕8号",
            issuer="新邵县人民政府办公室",
            level=Level.COUNTY,
            published=date(2023, 2, 20),
            effective=date(2023, 3, 1),
            expires=date(last, 3, 31),
            categories=("funding",),
            summary="对首次纳入规模以上工业企业统计的企业给予一次性奖励5万元，企业申报后兑现。"
            f"已由新政办发〔{last}〕12号废止。",
            clauses=[
                ("第一条 奖励对象", "上年度首次纳入规模以上工业企业统计的县内工业企业。"),
                ("第二条 奖励标准", "给予一次性奖励5万元。"),
                ("第三条 申报程序", "企业向县科工局提交申报材料，经县统计局核实后拨付。"),
            ],
            kind=Kind.GRANT,
            formula={"fixed": 5},
            cap=5,
            benefit_text="首次入规一次性奖励5万元",
            obtain=Obtain.APPLICATION,
            materials="1. 奖励申报表；\n2. 统计部门入库证明；\n3. 营业执照复印件。",
            deadline=date(last, 3, 31),
            rule=_all(
                *county,
                MANUFACTURING,
                NOT_ABOVE_SCALE,
                _fact("last_year_revenue", "between", [1500, 2000]),
                _manual("上年度首次纳入规模以上工业企业统计"),
            ),
            interpreter=("曾志强", "0739-3622158"),
            status=Status.WITHDRAWN,
        ),
    ]


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


def _office_user(ctx: DemoContext) -> User | None:
    return ctx.logins.get("office") or User.objects.filter(role_grants__role=Role.OFFICE).order_by("pk").first()


def _policies(today: date, places: Places, office: User, rng: random.Random) -> list[tuple[Spec, Policy]]:
    categories = dict(PolicyCategory.objects.values_list("code", "pk"))
    built = []
    for spec in specs(today, places):
        rules.check(spec.rule)
        published = spec.status != Status.DRAFT
        built.append(
            (
                spec,
                Policy(
                    title=spec.title,
                    document_number=spec.number,
                    issuer=spec.issuer,
                    level=spec.level,
                    published_on=spec.published,
                    effective_from=spec.effective,
                    expires_on=spec.expires,
                    summary=spec.summary,
                    full_text="\n\n".join([spec.title, *(f"{heading}\n{text}" for heading, text in spec.clauses)]),
                    benefit_kind=spec.kind,
                    benefit_formula=spec.formula,
                    benefit_cap=None if spec.cap is None else Decimal(spec.cap),
                    benefit_text=spec.benefit_text,
                    obtain=spec.obtain,
                    application_materials=spec.materials,
                    application_deadline=spec.deadline,
                    interpreter_name=spec.interpreter[0],
                    interpreter_phone=spec.interpreter[1],
                    eligibility=spec.rule,
                    status=spec.status,
                    published_at=_at(max(spec.published, date(2023, 1, 1)), rng) if published else None,
                    created_by=office,
                ),
            )
        )
    Policy.objects.bulk_create([policy for _, policy in built])
    if any(policy.pk is None for _, policy in built):  # a backend that returns no keys from bulk_create
        by_title = dict(Policy.objects.values_list("title", "pk"))
        for _, policy in built:
            policy.pk = by_title[policy.title]
    Policy.categories.through.objects.bulk_create(
        [
            Policy.categories.through(policy_id=policy.pk, policycategory_id=categories[code])
            for spec, policy in built
            for code in spec.categories
        ]
    )
    PolicyClause.objects.bulk_create(
        [
            PolicyClause(policy_id=policy.pk, position=position, heading=heading, text=text)
            for spec, policy in built
            for position, (heading, text) in enumerate(spec.clauses, start=1)
        ]
    )
    return built


def _accounts() -> dict[int, int]:
    """Enterprise id → the id of its first account."""
    accounts: dict[int, int] = {}
    for enterprise_id, user_id in (
        User.objects.filter(enterprise__isnull=False, is_active=True).order_by("pk").values_list("enterprise_id", "pk")
    ):
        accounts.setdefault(enterprise_id, user_id)
    return accounts


def _subscriptions(rng: random.Random, ctx: DemoContext, accounts: dict[int, int]) -> int:
    categories = dict(PolicyCategory.objects.values_list("code", "pk"))
    wanted: dict[int, set[int]] = {}
    login = ctx.logins.get("enterprise")
    if login is not None and login.enterprise_id:
        wanted[login.enterprise_id] = {categories[code] for code in LOGIN_SUBSCRIPTIONS if code in categories}
    others = sorted(set(accounts) - set(wanted))
    codes = sorted(categories)
    for enterprise_id in rng.sample(others, round(len(others) * SUBSCRIBING_SHARE)):
        wanted[enterprise_id] = {categories[code] for code in rng.sample(codes, rng.randint(1, 3))}
    rows = [
        PolicySubscription(enterprise_id=enterprise_id, category_id=category_id)
        for enterprise_id, chosen in wanted.items()
        for category_id in sorted(chosen)
    ]
    PolicySubscription.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _requested(spec: Spec, rng: random.Random) -> Decimal:
    cap = spec.cap or spec.formula.get("fixed") or 10
    return Decimal(rng.randint(max(1, cap * 4 // 10), cap * 10) / 10).quantize(Decimal("0.01"))


def _applications(
    rng: random.Random,
    ctx: DemoContext,
    built: list[tuple[Spec, Policy]],
    accounts: dict[int, int],
    office: User,
    today: date,
) -> tuple[int, int]:
    now = timezone.now()
    login = ctx.logins.get("enterprise")
    own = login.enterprise_id if login is not None else None
    rows: list[Application] = []
    own_applications = 0
    for spec, policy in built:
        if spec.obtain != Obtain.APPLICATION or spec.status == Status.DRAFT:
            continue
        withdrawn = spec.status == Status.WITHDRAWN
        candidates = list(
            rules.eligible(Enterprise.objects.all(), spec.rule, today)
            .order_by("pk")
            .values_list("pk", flat=True)[:CANDIDATES]
        )
        chosen = rng.sample(candidates, min(len(candidates), rng.randint(*APPLICATIONS_PER_POLICY)))
        if own in candidates and own not in chosen and not withdrawn and own_applications < OWN_APPLICATIONS:
            chosen.append(own)
        own_applications += own in chosen
        if withdrawn:
            # Made while the old policy was in force, each for the year before it was made.
            opened, last_day = spec.effective, min(spec.deadline, today)
        else:
            opened, last_day = max(spec.effective, today - timedelta(days=330)), today
        for enterprise_id in chosen:
            submitted_day = opened + timedelta(days=rng.randint(0, max(0, (last_day - opened).days)))
            submitted = _at(submitted_day, rng)
            if submitted > now:
                submitted = now - timedelta(hours=rng.randint(1, 48))
            decided = submitted + timedelta(days=rng.randint(5, 40), hours=rng.randint(0, 6))
            draw = rng.random()
            if decided > now or (draw >= DECIDED_SHARE and not withdrawn):
                status, decided = Application.Status.SUBMITTED, None
            elif enterprise_id == own or draw < APPROVED_SHARE:
                status = Application.Status.APPROVED
            else:
                status = Application.Status.REJECTED
            user_id = accounts.get(enterprise_id)
            approved = status == Application.Status.APPROVED
            rows.append(
                Application(
                    policy_id=policy.pk,
                    enterprise_id=enterprise_id,
                    period=str(submitted_day.year - 1) if withdrawn else spec.period or str(today.year),
                    status=status,
                    requested_amount=_requested(spec, rng),
                    note="" if user_id else "由包联干部协助、县助企办帮办代办申报。",
                    submitted_at=submitted,
                    submitted_by_id=user_id or office.pk,
                    decided_at=decided,
                    decided_by=office if decided else None,
                    decision_note=(
                        ""
                        if decided is None
                        else "经审核符合条件，同意支持。"
                        if approved
                        else "申报材料不全，经补正仍不符合支持条件。"
                    ),
                )
            )
    Application.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows), sum(row.status == Application.Status.APPROVED for row in rows)


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    office = _office_user(ctx)
    if office is None:
        ctx.progress("policies: no office user, nothing built")
        return
    today = timezone.localdate()
    built = _policies(today, Places.load(), office, random.Random(rng.getrandbits(64)))
    accounts = _accounts()
    subscriptions = _subscriptions(random.Random(rng.getrandbits(64)), ctx, accounts)
    applications, approved = _applications(random.Random(rng.getrandbits(64)), ctx, built, accounts, office, today)
    ctx.progress(
        f"policies: {len(built)} policies with {PolicyClause.objects.count()} clauses, "
        f"{subscriptions:,} subscriptions, {applications:,} applications ({approved:,} approved)"
    )


# Dependants first; plain SQL, as the other steps do (the audit log would load every deleted row).
RESET_ORDER = [
    Disbursement,
    GrantLine,
    GrantBatch,
    Application,
    PolicyMatch,
    PolicySubscription,
    PolicyClause,
    Policy.categories.through,
    Policy,
]


def _delete_all(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset(ctx: DemoContext) -> None:
    # What the policies services told people (matches, new policies, decisions, payments: "policy:<id>:…").
    notifications, _ = Notification.objects.filter(topic__startswith="policy:").delete()
    deleted = {model._meta.model_name: _delete_all(model) for model in RESET_ORDER}
    summary = ", ".join(f"{count:,} {name}" for name, count in deleted.items() if count)
    ctx.progress(f"reset policies: deleted {summary or 'nothing'}; {notifications:,} notifications")
