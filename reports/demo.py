"""Demo data of the reports app (issue 5): what the units and the office write, over the demo's 24 months.

- Monthly reports: every unit that leads a linkage files each month's report, most by the 20th, some a few
  days late, a few not at all; the current month's only once its 20th has passed.
- Good practices and a bulletin for each finished quarter (the office's text; the figures are computed).
- Assessment evidence for last year and this year: commendations and media reports of some departments,
  and the office's degree scores for some problems a unit led but did not fully solve.

Runs after cases.demo.build; rows are written directly (bulk), as the other demo steps do.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.demo import BATCH, DemoContext, Scale
from accounts.models import Role, Unit, User
from cases.models import Case
from core.periods import add_months, month_start
from enterprises.models import Linkage
from reports.models import AssessmentEvidence, Bulletin, GoodPractice, MonthlyReport
from reports.selectors.monthly import is_late

MONTHS = 24
DUE_DAY = 20
ON_TIME_SHARE = 0.82
LATE_SHARE = 0.12  # the rest is never filed

SITUATIONS = [
    "包联企业生产经营总体平稳，{n}家企业订单同比增长，个别企业受原材料价格上涨影响利润下滑。",
    "本月走访包联企业{n}家，企业开工率保持在九成以上，用工需求集中在熟练技工。",
    "包联企业中{n}家反映资金周转压力较大，已对接县内银行开展融资需求摸排。",
    "受季节性因素影响，部分企业产量环比下降，{n}家企业正在推进技改项目。",
]
PROGRESS = [
    "本月牵头办理诉求{n}件，已办结的均已答复企业，未办结的正按时限推进。",
    "协调解决企业用电增容、道路配套等问题{n}个，剩余问题已列入下月重点。",
    "对逾期未办结的诉求逐件分析原因，{n}件已提请助企办协调。",
]
PLANS = [
    "一企一策帮扶方案按计划推进，{n}项目标已完成阶段任务。",
    "帮扶方案中规模培育目标进展顺利，{n}家企业产值接近入规标准。",
]
NEXT = [
    "下月继续开展“一月一走访”，重点跟踪未办结诉求和扭亏增盈目标。",
    "下月将组织银企对接和用工对接各一次，推动帮扶方案目标落实。",
]
PRACTICES = [
    (
        "“企业吹哨、部门报到”快速响应机制",
        "建立企业诉求“吹哨”通道，牵头部门接单后24小时内到企业现场办公，问题当场能解决的当场解决。",
    ),
    (
        "“一月一走访、一季一会商”工作法",
        "包联干部每月至少走访包联企业一次，每季度召集相关部门会商解决共性问题，推动问题动态清零。",
    ),
    ("银企对接“白名单”", "梳理有融资需求的企业形成白名单，组织县内银行逐户对接，当季新增授信明显增加。"),
    ("用工“直通车”", "联合人社部门和职业学校开设用工直通车，为企业定向输送技术工人。"),
    ("审批“帮办代办”", "对企业技改、扩建项目实行帮办代办，审批时限压缩一半以上。"),
    ("园区“共享仓储”", "整合园区闲置厂房建设共享仓储，降低中小企业物流仓储成本。"),
]
MEDIA = ["邵阳日报", "新邵县融媒体中心", "湖南日报", "红网"]
CHINESE_QUARTERS = "一二三四"


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


def _months(today: date) -> list[date]:
    """The months whose report is due by today (the current month only once its 20th has passed)."""
    last = month_start(today) if today.day > DUE_DAY else add_months(month_start(today), -1)
    return [add_months(last, -offset) for offset in range(MONTHS - 1, -1, -1)]


def _office_user(ctx: DemoContext) -> User | None:
    return ctx.logins.get("office") or User.objects.filter(role_grants__role=Role.OFFICE).order_by("pk").first()


def _monthly_reports(rng: random.Random, today: date, office: User) -> int:
    units_by_year: dict[int, list[int]] = {}
    rows = []
    for month in _months(today):
        if month.year not in units_by_year:
            units_by_year[month.year] = sorted(
                set(Linkage.objects.filter(year=month.year).values_list("lead_unit_id", flat=True)) - {None}
            )
        for unit_id in units_by_year[month.year]:
            draw = rng.random()
            if draw >= ON_TIME_SHARE + LATE_SHARE:
                continue
            late = draw >= ON_TIME_SHARE
            day = month.replace(day=rng.randint(21, 26)) if late else month.replace(day=rng.randint(8, DUE_DAY))
            submitted = _at(day, rng)
            n = rng.randint(1, 6)
            rows.append(
                MonthlyReport(
                    unit_id=unit_id,
                    month=month,
                    due_on=month.replace(day=DUE_DAY),
                    status=MonthlyReport.Status.SUBMITTED,
                    enterprises_situation=rng.choice(SITUATIONS).format(n=n),
                    problems_progress=rng.choice(PROGRESS).format(n=rng.randint(1, 8)),
                    plans_progress=rng.choice(PLANS).format(n=rng.randint(1, 4)),
                    next_steps=rng.choice(NEXT),
                    snapshot={},
                    submitted_at=submitted,
                    submitted_by=None,
                    is_late=is_late(submitted, month.replace(day=DUE_DAY)),
                )
            )
    MonthlyReport.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _quarters(today: date) -> list[tuple[int, int]]:
    """The finished quarters of the demo's 24 months, oldest first."""
    quarter = (today.month - 1) // 3 + 1
    year = today.year
    finished = []
    for _ in range(MONTHS // 3):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        finished.append((year, quarter))
    return sorted(finished)


def _bulletins(rng: random.Random, today: date, office: User) -> tuple[int, int]:
    office_unit = office.unit
    issuer = office_unit.name if office_unit else "助企办"
    practices, bulletins = [], []
    departments = list(Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.TOWNSHIP, Unit.Kind.PARK]))
    serial: dict[int, int] = {}
    for year, quarter in _quarters(today):
        for position, (title, body) in enumerate(rng.sample(PRACTICES, 2)):
            practices.append(
                GoodPractice(
                    year=year,
                    quarter=quarter,
                    unit=rng.choice(departments) if departments else None,
                    title=title,
                    body=body,
                    sort_order=position,
                    created_by=office,
                )
            )
        issue_year, issue_month = (year, quarter * 3 + 1) if quarter < 4 else (year + 1, 1)
        serial[issue_year] = serial.get(issue_year, 0) + 1
        bulletins.append(
            Bulletin(
                year=year,
                quarter=quarter,
                issuer=issuer,
                document_number=f"助企办通〔{issue_year}〕{serial[issue_year]}号",
                title=f"关于{year}年第{CHINESE_QUARTERS[quarter - 1]}季度助企服务工作情况的通报",
                opening="为推动助企服务各项工作落实落地，现将本季度全县助企服务工作情况通报如下。",
                closing="请各单位对照通报问题认真整改，于下季度首月10日前将整改情况报助企办。",
                issued_on=date(issue_year, issue_month, rng.randint(5, 12)),
                updated_by=office,
            )
        )
    GoodPractice.objects.bulk_create(practices)
    Bulletin.objects.bulk_create(bulletins)
    return len(practices), len(bulletins)


def _evidence(rng: random.Random, today: date, office: User) -> int:
    rows = []
    departments = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).order_by("pk"))
    for year in (today.year - 1, today.year):
        last_day = date(year, 12, 31) if year < today.year else today
        for unit in departments:
            for _ in range(rng.choice([0, 0, 1, 2, 3, 6])):
                kind = rng.choice([AssessmentEvidence.Kind.COMMENDATION, AssessmentEvidence.Kind.MEDIA_REPORT])
                day = date(year, 1, 1) + timedelta(days=rng.randint(0, (last_day - date(year, 1, 1)).days))
                commended = kind == AssessmentEvidence.Kind.COMMENDATION
                rows.append(
                    AssessmentEvidence(
                        unit=unit,
                        year=year,
                        kind=kind,
                        occurred_on=day,
                        description=("帮扶企业工作获县领导批示肯定" if commended else "助企服务经验做法被报道"),
                        source="县委主要领导批示" if commended else rng.choice(MEDIA),
                        created_by=office,
                    )
                )
        unsolved = (
            Case.objects.filter(outcome=Case.Outcome.NOT_SOLVED, resolved_at__year=year, lead_unit__isnull=False)
            .order_by("pk")
            .values_list("pk", "lead_unit_id", "resolved_at")
        )
        for case_id, unit_id, resolved_at in unsolved:
            if rng.random() < 0.5:
                continue
            rows.append(
                AssessmentEvidence(
                    unit_id=unit_id,
                    year=year,
                    kind=AssessmentEvidence.Kind.DEGREE_SCORE,
                    occurred_on=timezone.localdate(resolved_at),
                    description="问题已部分解决，企业基本认可",
                    case_id=case_id,
                    points=Decimal(rng.randint(2, 8)),
                    created_by=office,
                )
            )
    AssessmentEvidence.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    office = _office_user(ctx)
    if office is None:
        ctx.progress("reports: no office user, nothing built")
        return
    today = timezone.localdate()
    reports = _monthly_reports(random.Random(rng.getrandbits(64)), today, office)
    practices, bulletins = _bulletins(random.Random(rng.getrandbits(64)), today, office)
    evidence = _evidence(random.Random(rng.getrandbits(64)), today, office)
    ctx.progress(
        f"reports: {reports:,} monthly reports, {bulletins} bulletins with {practices} good practices, "
        f"{evidence:,} assessment evidence entries"
    )


def reset(ctx: DemoContext) -> None:
    counts = [model.objects.all().delete()[0] for model in (AssessmentEvidence, MonthlyReport, GoodPractice, Bulletin)]
    ctx.progress(f"reset reports: deleted {sum(counts):,} rows")
