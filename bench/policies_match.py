"""How long matching every enterprise against every published policy takes (issue 6, DESIGN.md §8).

Run by hand (never in the test suite), from the project root:

    .venv/bin/python bench/policies_match.py                                   # 5,000 enterprises, SQLite
    .venv/bin/python bench/policies_match.py --enterprises 50000 --postgres postgres://postgres@127.0.0.1:5432/
    .venv/bin/python bench/policies_match.py --database sqlite:////tmp/zq_bench_…/….sqlite3   # a kept demo

It builds N enterprises (industries, townships, sizes, tags, founding dates) with 24 months of figures (the
two years before the reference date 2026-12-02) and one enterprise user for every fifth enterprise, straight
with bulk_create (no signals), and M published policies with realistic rules (小升规, 专精特新, R&D, technology
transformation, stable employment …; --policies up to 10). With --database it uses the enterprises and
figures of an existing database (e.g. a kept demo) and adds the M policies there (removed at the end).

Then it times, on one clock each: match_all the first time (every row created, every newly eligible
enterprise notified), match_all again with nothing changed (the steady nightly run), match_policy of the
heaviest policy, and match_enterprise (the per-enterprise rerun after a change) over a sample. It prints the
data size and the seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ON = date(2026, 12, 2)
BENCH_PREFIX = "[bench] "

POLICIES = [
    (
        "小升规奖励",
        {
            "all": [
                {"fact": "industry", "op": "in", "value": ["B", "C", "D"]},
                {"not": {"fact": "above_scale", "op": "eq", "value": True}},
                {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]},
            ]
        },
    ),
    (
        "专精特新企业研发补助",
        {
            "all": [
                {"fact": "tags", "op": "has_tag", "value": "srdi"},
                {"fact": "last_year_rd_ratio", "op": "gte", "value": 3},
                {"manual": "近三年未发生重大安全、环保事故"},
            ]
        },
    ),
    (
        "研发费用补助",
        {
            "all": [
                {"fact": "last_year_rd_ratio", "op": "gte", "value": 3},
                {"fact": "last_year_revenue", "op": "gte", "value": 500},
            ]
        },
    ),
    (
        "技术改造补助",
        {
            "all": [
                {"fact": "industry", "op": "eq", "value": "C"},
                {"fact": "above_scale", "op": "eq", "value": True},
                {"fact": "last_year_revenue", "op": "gte", "value": 5000},
                {"manual": "技改项目已备案且设备投资不低于500万元"},
            ]
        },
    ),
    (
        "专精特新贷款贴息",
        {
            "all": [
                {
                    "any": [
                        {"fact": "tags", "op": "has_tag", "value": "srdi"},
                        {"fact": "tags", "op": "has_tag", "value": "little_giant"},
                    ]
                },
                {"fact": "employees", "op": "gte", "value": 20},
            ]
        },
    ),
    (
        "稳岗补贴",
        {
            "all": [
                {"fact": "employees", "op": "gte", "value": 50},
                {"fact": "revenue_growth", "op": "gte", "value": 0},
                {"fact": "last_year_profit", "op": "gte", "value": 0},
            ]
        },
    ),
    (
        "高新技术企业认定奖励",
        {
            "all": [
                {"fact": "tags", "op": "has_tag", "value": "high_tech"},
                {"fact": "years_since_founding", "op": "gte", "value": 3},
            ]
        },
    ),
    (
        "纳税大户奖励",
        {
            "all": [
                {"fact": "last_year_tax", "op": "gte", "value": 200},
                {"fact": "above_scale", "op": "eq", "value": True},
            ]
        },
    ),
    (
        "初创小微企业扶持",
        {
            "all": [
                {"fact": "years_since_founding", "op": "lte", "value": 3},
                {"fact": "size", "op": "in", "value": ["small", "micro"]},
                {"fact": "employees", "op": "lte", "value": 50},
            ]
        },
    ),
    (
        "规上企业增长奖励",
        {
            "any": [
                {
                    "all": [
                        {"fact": "above_scale", "op": "eq", "value": True},
                        {"fact": "revenue_growth", "op": "gte", "value": 15},
                    ]
                },
                {"fact": "tags", "op": "has_tag", "value": "little_giant"},
            ]
        },
    ),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=5000)
    parser.add_argument("--policies", type=int, default=10, choices=range(1, len(POLICIES) + 1), metavar="M")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sample", type=int, default=200, help="enterprises timed one by one (match_enterprise)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (the role needs CREATEDB)")
    parser.add_argument("--database", metavar="URL", help="an existing database with enterprises (e.g. a demo)")
    parser.add_argument("--keep", action="store_true", help="leave the built database behind")
    return parser.parse_args()


def build(n: int, seed: int) -> None:
    """N enterprises with 24 months of figures, tags and a user for every fifth; bulk, without signals."""
    from accounts.models import Region, User
    from enterprises.models import Enterprise, Industry, MonthlyFigure, Tag

    rng = random.Random(seed)
    county = Region.objects.create(code="431100", name="基准县", level=Region.Level.COUNTY)
    towns = [
        Region.objects.create(code=f"431100{i:03d}", name=f"基准镇{i}", level=Region.Level.TOWNSHIP, parent=county)
        for i in range(1, 13)
    ]
    industries = list(Industry.objects.filter(level=Industry.Level.GROUP).values_list("code", flat=True))
    manufacturing = [code for code in industries if "13" <= code[:2] <= "43"]
    tags = {tag.code: tag for tag in Tag.objects.filter(code__in=["srdi", "high_tech", "little_giant"])}
    sizes = ["micro"] * 5 + ["small"] * 3 + ["medium", "large"]
    rows = []
    for i in range(n):
        above = rng.random() < 0.18
        rows.append(
            Enterprise(
                credit_code=f"91431100{i:09d}X",
                name=f"基准企业{i:06d}",
                region=rng.choice(towns),
                industry_id=rng.choice(manufacturing if rng.random() < 0.6 else industries),
                size=rng.choice(sizes),
                above_scale=above,
                founded_on=date(rng.randint(1995, 2026), rng.randint(1, 12), rng.randint(1, 28)),
            )
        )
    Enterprise.objects.bulk_create(rows, batch_size=2000)
    enterprises = list(Enterprise.objects.filter(credit_code__startswith="91431100").values_list("pk", "above_scale"))
    through = Enterprise.tags.through
    links, figures, users = [], [], []
    for pk, above in enterprises:
        for code, share in (("srdi", 0.06), ("high_tech", 0.08), ("little_giant", 0.01)):
            if rng.random() < share:
                links.append(through(enterprise_id=pk, tag_id=tags[code].pk))
        # Yearly revenue: lognormal around 600 万元 (above scale: 2,000 and more).
        base = rng.lognormvariate(8.6, 0.7) if above else rng.lognormvariate(6.2, 1.0)
        growth = rng.uniform(-0.2, 0.35)
        employees = max(1, int(base / rng.uniform(15, 60)))
        rd_share = rng.choice([0, 0, 0.005, 0.01, 0.02, 0.035, 0.05])
        for year, scale in ((2024, 1.0), (2025, 1.0 + growth)):
            for month in range(1, 13):
                revenue = Decimal(round(base * scale / 12 * rng.uniform(0.8, 1.2), 2))
                figures.append(
                    MonthlyFigure(
                        enterprise_id=pk,
                        period=date(year, month, 1),
                        revenue=revenue,
                        total_profit=Decimal(round(float(revenue) * rng.uniform(-0.05, 0.12), 2)),
                        tax_paid=Decimal(round(float(revenue) * 0.04, 2)),
                        rd_spend=Decimal(round(float(revenue) * rd_share, 2)),
                        employees=employees,
                    )
                )
        if pk % 5 == 0:
            users.append(User(username=f"bench{pk}", full_name=f"联系人{pk}", enterprise_id=pk, password="!"))
        if len(figures) >= 50_000:
            MonthlyFigure.objects.bulk_create(figures, batch_size=5000)
            figures = []
    MonthlyFigure.objects.bulk_create(figures, batch_size=5000)
    through.objects.bulk_create(links, batch_size=5000)
    User.objects.bulk_create(users, batch_size=2000)


def add_policies(m: int) -> list:
    from django.utils import timezone

    from accounts.models import User
    from policies.models import Policy

    author = User.objects.filter(is_superuser=True).first() or User.objects.order_by("pk").first()
    if author is None:
        author = User.objects.create(username="bench_author", full_name="基准", password="!")
    now = timezone.now()
    rows = [
        Policy(
            title=BENCH_PREFIX + title,
            issuer="基准县人民政府",
            level=Policy.Level.COUNTY,
            benefit_kind=Policy.BenefitKind.GRANT,
            obtain=Policy.Obtain.APPLICATION,
            eligibility=rule,
            status=Policy.Status.PUBLISHED,
            published_on=ON,
            published_at=now,
            created_by=author,
        )
        for title, rule in POLICIES[:m]
    ]
    Policy.objects.bulk_create(rows)  # no post_save: nothing is matched until the clock starts
    return list(Policy.objects.filter(title__startswith=BENCH_PREFIX).order_by("pk"))


def main() -> None:
    args = parse_args()
    workdir = db_name = None
    if args.database:
        url = args.database
    elif args.postgres:
        from demo_build import create_postgres

        db_name = f"zq_bench_match_{os.getpid()}"
        url = create_postgres(args.postgres, db_name)
    else:
        workdir = tempfile.mkdtemp(prefix="zq_bench_")
        url = f"sqlite:///{workdir}/match.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.settings")

    import logging

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, connections

    from core.models import Notification
    from enterprises.models import Enterprise, MonthlyFigure
    from policies.models import Policy, PolicyMatch
    from policies.services import matching

    policies = []
    try:
        if not args.database:
            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            build(args.enterprises, args.seed)
            print(f"built {args.enterprises:,} enterprises in {time.perf_counter() - started:.1f} s")
        Policy.objects.filter(title__startswith=BENCH_PREFIX).delete()
        policies = add_policies(args.policies)
        others = Policy.objects.filter(status=Policy.Status.PUBLISHED).exclude(pk__in=[p.pk for p in policies])
        n_enterprises, n_figures = Enterprise.objects.count(), MonthlyFigure.objects.count()
        print(
            f"\n{connection.vendor}: {n_enterprises:,} enterprises, {n_figures:,} monthly figures, "
            f"{len(policies)} bench policies (+{others.count()} other published)"
        )

        notifications_before = Notification.objects.count()
        started = time.perf_counter()
        first = matching.match_all(ON)
        first_seconds = time.perf_counter() - started
        print(f"\n{'policy':<24} {'eligible':>9} {'to conf.':>9} {'nearly':>9} {'notified':>9} {'seconds':>8}")
        for policy in policies:
            counts = first.per_policy.get(policy.pk)
            if counts:
                title = policy.title.removeprefix(BENCH_PREFIX)
                print(
                    f"{title:<24} {counts.eligible:>9,} {counts.to_confirm:>9,} {counts.nearly:>9,} "
                    f"{counts.notified:>9,} {counts.seconds:>8.2f}"
                )
        rows = PolicyMatch.objects.count()
        print(
            f"\nmatch_all, first run: {first_seconds:.2f} s — {rows:,} match rows written, "
            f"{Notification.objects.count() - notifications_before:,} notifications"
        )
        started = time.perf_counter()
        again = matching.match_all(ON)
        print(
            f"match_all, nothing changed: {time.perf_counter() - started:.2f} s "
            f"(created {again.created}, updated {again.updated}, deleted {again.deleted})"
        )
        heaviest = max(policies, key=lambda p: first.per_policy[p.pk].seconds if p.pk in first.per_policy else 0)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            matching.match_policy(heaviest, ON)
            timings.append(time.perf_counter() - started)
        print(f"match_policy «{heaviest.title.removeprefix(BENCH_PREFIX)}»: {min(timings):.2f} s (fastest of 3)")
        sample = list(Enterprise.objects.order_by("?").values_list("pk", flat=True)[: args.sample])
        per = []
        for pk in sample:
            started = time.perf_counter()
            matching.match_enterprise(pk, ON)
            per.append(time.perf_counter() - started)
        if per:
            print(
                f"match_enterprise over {len(per)} enterprises: median {statistics.median(per) * 1000:.1f} ms, "
                f"max {max(per) * 1000:.1f} ms"
            )
        total_policies = len(first.per_policy)
        per_cell = first_seconds / max(1, n_enterprises * total_policies) * 1e6
        print(f"\n{per_cell:.2f} µs per (enterprise, policy) in the first match_all")
    finally:
        if args.database and policies:
            PolicyMatch.objects.filter(policy__in=policies).delete()
            Notification.objects.filter(topic__in=[matching.topic_eligible(p.pk) for p in policies]).delete()
            Policy.objects.filter(pk__in=[p.pk for p in policies]).delete()
        connections.close_all()
        if args.keep and not args.database:
            print(f"kept: DATABASE_URL={url}")
        elif db_name:
            from demo_build import drop_postgres

            drop_postgres(args.postgres, db_name)
        elif workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
