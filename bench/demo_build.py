"""Build one demo scale into a throwaway database and report rows per table, seconds and peak memory.

Run by hand (never in the test suite), from the project root:

    .venv/bin/python bench/demo_build.py --scale county
    .venv/bin/python bench/demo_build.py --scale province --postgres postgres://postgres@127.0.0.1:5432/

With --postgres the script creates a database of its own on that server (it needs CREATEDB), builds into it
and drops it at the end (--keep leaves it for a look). Without, it builds into a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "enterprises")  # whose tables the report counts


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "city", "province"), default="county")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--postgres", metavar="URL", help="a PostgreSQL server URL, e.g. postgres://postgres@127.0.0.1:5432/"
    )
    parser.add_argument("--keep", action="store_true", help="leave the database behind and print where it is")
    return parser.parse_args()


def create_postgres(server_url: str, name: str) -> str:
    import psycopg

    base = server_url.rstrip("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def drop_postgres(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def table_counts() -> list[tuple[str, int]]:
    from django.apps import apps

    models = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            models.append(model)
            models += [f.remote_field.through for f in model._meta.local_many_to_many if f.remote_field.through]
    seen: set[str] = set()
    counts = []
    for model in models:
        table = model._meta.db_table
        if table not in seen:
            seen.add(table)
            counts.append((table, model._default_manager.count()))
    return counts


def database_size(url: str) -> int:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    path = Path(url.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    args = parse_args()
    workdir = None
    db_name = f"zq_bench_{args.scale}_{os.getpid()}"
    if args.postgres:
        url = create_postgres(args.postgres, db_name)
    else:
        workdir = tempfile.mkdtemp(prefix="zq_bench_")
        url = f"sqlite:///{workdir}/{db_name}.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    try:
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        migrated = time.monotonic()
        call_command("demo", scale=args.scale, seed=args.seed)
        built = time.monotonic()
        counts = table_counts()
        size = database_size(url)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        print(f"\n{args.scale} demo, seed {args.seed}, on {connection.vendor}")
        width = max(len(table) for table, _ in counts)
        for table, count in counts:
            print(f"  {table:<{width}}  {count:>12,}")
        print(f"  {'total rows':<{width}}  {sum(c for _, c in counts):>12,}")
        print(f"migrate {migrated - started:.1f} s, demo {built - migrated:.1f} s (wall)")
        print(f"CPU of this process: {cpu.ru_utime:.1f} s user, {cpu.ru_stime:.1f} s system")
        print(f"peak memory {peak_mb:,.0f} MB, database {size / 2**20:,.0f} MB")
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
