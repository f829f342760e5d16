"""How long the reports take on a demo-sized database: the dashboard, the monthly dispatch report and its
workbook, the unit monthly reports' overview, the quarterly bulletin (.docx) and the annual assessment
(page and workbook) of both schemes.

Run by hand (never in the test suite), from the project root:

    .venv/bin/python bench/reports_pages.py                       # builds the county demo first (SQLite)
    .venv/bin/python bench/reports_pages.py --database sqlite:////tmp/zq_bench_…/….sqlite3   # a kept demo
    .venv/bin/python bench/reports_pages.py --database postgres://postgres@127.0.0.1:5432/zq_city

It signs in as the demo logins through Django's test client and requests each page --repeat times,
printing the data size (enterprises, cases, events, units), then per request the fastest and median
seconds, the SQL queries and the response size. The budget we hold the pages to is in docs/reports/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def requests(today) -> list[tuple[str, str, str]]:
    """(login, label, path) of every report, for the last complete month, quarter and year."""
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    quarter_end = today.replace(day=1, month=((today.month - 1) // 3) * 3 + 1) - timedelta(days=1)
    year, quarter = quarter_end.year, (quarter_end.month - 1) // 3 + 1
    last_year = today.year - 1
    return [
        ("office", "dashboard: office, this year", "/reports/dashboard/"),
        ("leader", "dashboard: leader's slice", "/reports/dashboard/"),
        ("handler", "dashboard: a unit's slice", "/reports/dashboard/"),
        ("office", "dashboard API", "/api/v1/reports/dashboard"),
        ("office", f"dispatch report {month:%Y-%m}", f"/reports/dispatch/?month={month:%Y-%m}"),
        ("office", "dispatch workbook (.xlsx)", f"/reports/dispatch/{month:%Y-%m}.xlsx"),
        ("office", "monthly reports overview", f"/reports/monthly/?month={month:%Y-%m}"),
        ("office", f"bulletin {year} Q{quarter} (.docx)", f"/reports/bulletins/{year}/{quarter}.docx"),
        ("office", f"assessment {last_year}: departments", f"/reports/assessment/?year={last_year}&target=department"),
        ("office", f"assessment {last_year}: territorial", f"/reports/assessment/?year={last_year}&target=territorial"),
        (
            "office",
            "assessment workbook (.xlsx)",
            f"/reports/assessment/export.xlsx?year={last_year}&target=department",
        ),
        ("office", "assessment API", f"/api/v1/reports/assessment/{last_year}/department"),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", metavar="URL", help="an existing demo database (default: build the county)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    workdir = None
    if args.database:
        url = args.database
    else:
        workdir = tempfile.mkdtemp(prefix="zq_bench_")
        url = f"sqlite:///{workdir}/lists.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.settings")

    import logging

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Unit, User
    from cases.models import Case, CaseEvent
    from enterprises.models import Enterprise

    # The pages are rendered without collectstatic's manifest, and the test client's host is allowed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    try:
        if not args.database:
            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            call_command("demo", scale="county", seed=args.seed)
            print(f"built the county demo in {time.perf_counter() - started:.1f} s")
        planned = requests(timezone.localdate())
        users = {u.username: u for u in User.objects.filter(username__in={r[0] for r in planned})}
        print(
            f"\n{Enterprise.objects.count():,} enterprises, {Case.objects.count():,} cases, "
            f"{CaseEvent.objects.count():,} events, {Unit.objects.count():,} units on {connection.vendor}; "
            f"{args.repeat} runs each\n"
        )
        print(f"{'request':<40} {'fastest':>8} {'median':>8} {'queries':>8} {'size':>9}")
        for login, label, path in planned:
            user = users.get(login)
            if user is None:
                print(f"{label:<40} (no `{login}` login in this database)")
                continue
            client = Client()
            client.force_login(user)
            seconds, queries, size, status = [], 0, 0, None
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(path)
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    seconds.append(time.perf_counter() - started)
                queries, size, status = len(captured), len(body), response.status_code
            note = "" if status == 200 else f"  HTTP {status}"
            print(
                f"{label:<40} {min(seconds):>7.2f}s {statistics.median(seconds):>7.2f}s "
                f"{queries:>8} {size / 1024:>7,.0f}KB{note}"
            )
    finally:
        connections.close_all()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
