"""How long the case list pages and the ledger export take on a demo-sized database.

Run by hand (never in the test suite), from the project root:

    .venv/bin/python bench/cases_lists.py                         # builds the county demo first (SQLite)
    .venv/bin/python bench/cases_lists.py --database sqlite:////tmp/zq_bench_…/….sqlite3   # a kept demo

It signs in as the demo logins through Django's test client and requests, each --repeat times: the
office's case list (its first tab, then every case), the unit queues of the industry bureau's handler and
head (to accept, in progress, overdue) and the ledger export (台账, Excel) of every case as the office
and of the bureau's cases as its handler. It prints, per request, the rows it covers, the fastest and the
median seconds, the SQL queries and the response size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = [
    # (login, label, path)
    ("office", "office: case list, first tab", "/cases/"),
    ("office", "office: case list, all cases", "/cases/?queue=all"),
    ("office", "office: all cases, page 50", "/cases/?queue=all&page=50"),
    ("office", "office: all cases, search 贷款", "/cases/?queue=all&q=%E8%B4%B7%E6%AC%BE"),
    ("handler", "unit queue: to accept", "/cases/?queue=to_accept"),
    ("handler", "unit queue: in progress", "/cases/?queue=in_progress"),
    ("handler", "unit queue: overdue", "/cases/?queue=overdue"),
    ("handler", "unit: all its cases", "/cases/?queue=all"),
    ("unit_head", "head: to approve", "/cases/?queue=to_approve"),
    ("enterprise", "enterprise: its cases", "/cases/"),
    ("office", "ledger export: every case", "/cases/export/?queue=all"),
    ("handler", "ledger export: the unit's cases", "/cases/export/?queue=all"),
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

    from accounts.models import User
    from cases.models import Case

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
        users = {u.username: u for u in User.objects.filter(username__in={r[0] for r in REQUESTS})}
        print(f"\n{Case.objects.count():,} cases on {connection.vendor}; {args.repeat} runs each\n")
        print(f"{'request':<34} {'rows':>7} {'fastest':>8} {'median':>8} {'queries':>8} {'size':>9}")
        for login, label, path in REQUESTS:
            user = users.get(login)
            if user is None:
                print(f"{label:<34} (no `{login}` login in this database)")
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
            rows = _rows(user, path)
            note = "" if status == 200 else f"  HTTP {status}"
            print(
                f"{label:<34} {rows:>7,} {min(seconds):>7.2f}s {statistics.median(seconds):>7.2f}s "
                f"{queries:>8} {size / 1024:>7,.0f}KB{note}"
            )
    finally:
        connections.close_all()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _rows(user, path: str) -> int:
    """How many cases the request's tab holds for the user (what the page counts or the export writes)."""
    from urllib.parse import parse_qs, urlsplit

    from cases.deadlines import Thresholds
    from cases.selectors import lists

    query = parse_qs(urlsplit(path).query)
    queue = lists.pick_queue(lists.queues_for(user), (query.get("queue") or [None])[0])
    if queue is None:
        return 0
    search = (query.get("q") or [""])[0]
    return lists.case_list(user=user, queue=queue.key, thresholds=Thresholds.at(), search=search).count()


if __name__ == "__main__":
    main()
