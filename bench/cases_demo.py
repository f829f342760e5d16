"""How long the demo's cases step takes and how much memory it needs, and how big its data is.

Run by hand (never in the test suite), from the project root:

    .venv/bin/python bench/cases_demo.py                      # county, SQLite in a temporary folder
    .venv/bin/python bench/cases_demo.py --scale city --postgres postgres://postgres@127.0.0.1:5432/

It builds the steps before the cases (organisation, enterprises) as `manage.py demo` does, then the cases
step on its own clock: wall and CPU seconds, the peak memory the process reached during it (and, with
--tracemalloc, the peak of Python allocations inside the step, which slows it down about twofold). Then the
rows of every table of the cases app, events per case, the size of the cases tables and of the database,
and the time of the whole demo (what `make demo` runs). --keep leaves the database behind and prints its
DATABASE_URL, e.g. for bench/cases_lists.py.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from demo_build import create_postgres, database_size, drop_postgres  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "city", "province"), default="county")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (the role needs CREATEDB)")
    parser.add_argument("--keep", action="store_true", help="leave the database behind and print where it is")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations of the step")
    return parser.parse_args()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def table_sizes() -> dict[str, int | None]:
    """Bytes per table of the cases app (tables and their indexes), where the database tells."""
    from django.apps import apps
    from django.db import connection

    tables = [m._meta.db_table for m in apps.get_app_config("cases").get_models()]
    sizes: dict[str, int | None] = {}
    with connection.cursor() as cursor:
        for table in tables:
            try:
                if connection.vendor == "postgresql":
                    cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                    sizes[table] = cursor.fetchone()[0]
                else:
                    # dbstat is compiled into most SQLite builds; the indexes of a table are named after it.
                    cursor.execute(
                        "SELECT SUM(pgsize) FROM dbstat WHERE name = %s OR name IN "
                        "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s)",
                        [table, table],
                    )
                    sizes[table] = cursor.fetchone()[0]
            except Exception:  # a build without dbstat: sizes unknown, the rest still counts
                sizes[table] = None
    return sizes


def main() -> None:
    args = parse_args()
    workdir = None
    db_name = f"zq_bench_cases_{args.scale}_{os.getpid()}"
    if args.postgres:
        url = create_postgres(args.postgres, db_name)
    else:
        workdir = tempfile.mkdtemp(prefix="zq_bench_")
        url = f"sqlite:///{workdir}/{db_name}.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.settings")

    import django

    django.setup()
    from auditlog.context import disable_auditlog
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from accounts.demo import DEFAULT_PASSWORD, SCALES, DemoContext
    from cases import demo as cases_demo
    from cases.models import Case
    from core.management.commands.demo import STEPS

    try:
        call_command("migrate", verbosity=0)
        config = SCALES[args.scale]
        ctx = DemoContext(seed=args.seed, password=DEFAULT_PASSWORD, log=print)
        timings = {}
        with disable_auditlog(), transaction.atomic():
            for step in STEPS:
                stream = random.Random(f"{args.seed}:{step.name}")
                before_peak = peak_mb()
                wall, cpu = time.perf_counter(), time.process_time()
                if step.name == "cases" and args.tracemalloc:
                    tracemalloc.start()
                step.build(stream, config, ctx)
                traced = None
                if step.name == "cases" and args.tracemalloc:
                    traced = tracemalloc.get_traced_memory()[1] / 2**20
                    tracemalloc.stop()
                timings[step.name] = (time.perf_counter() - wall, time.process_time() - cpu, before_peak, traced)
        cases = Case.objects.count()
        counts = [(m._meta.db_table, m._default_manager.count()) for m in apps.get_app_config("cases").get_models()]
        sizes = table_sizes()
        size = database_size(url)

        print(f"\n{args.scale} demo, seed {args.seed}, on {connection.vendor}")
        width = max(len(t) for t, _ in counts)
        for table, count in counts:
            known = sizes.get(table)
            shown = f"{known / 2**20:9.1f} MB" if known is not None else "        ?"
            print(f"  {table:<{width}}  {count:>12,}  {shown}")
        events = dict(counts).get("cases_caseevent", 0)
        print(f"  events per case {events / max(1, cases):.1f}")
        for name, (wall, cpu, _before, _traced) in timings.items():
            print(f"step {name:<12} {wall:7.1f} s wall, {cpu:7.1f} s CPU")
        wall, cpu, before, traced = timings["cases"]
        print(
            f"cases step: {cases:,} cases in {wall:.1f} s wall / {cpu:.1f} s CPU "
            f"({cases / max(wall, 1e-9):,.0f} cases a second); "
            f"{cases_demo.LAST_BUILD['services']:,} through the services, "
            f"{cases_demo.LAST_BUILD['redrawn']} scripts redrawn"
        )
        print(f"peak memory of the process: {before:,.0f} MB before the cases step, {peak_mb():,.0f} MB after")
        if traced is not None:
            print(f"peak Python allocations inside the cases step (tracemalloc): {traced:,.0f} MB")
        known = [s for s in sizes.values() if s is not None]
        cases_mb = f"{sum(known) / 2**20:,.0f} MB" if len(known) == len(sizes) else "unknown (no dbstat)"
        print(f"database {size / 2**20:,.0f} MB, of which the cases tables {cases_mb}")
        total_wall = sum(t[0] for t in timings.values())
        total_cpu = sum(t[1] for t in timings.values())
        print(f"whole demo (what `make demo` builds): {total_wall:.1f} s wall, {total_cpu:.1f} s CPU")
    finally:
        connections.close_all()
        if args.keep:
            print(f"kept: DATABASE_URL={url}")
        elif args.postgres:
            drop_postgres(args.postgres, db_name)
        elif workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
