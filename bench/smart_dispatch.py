"""How fast smart dispatch is on a demo-sized database: training, a dispatcher's triage panel (cold and
warm), the intake check and the candidate common issues, and how big the model is.

Run by hand (never in the test suite), from the project root:

    .venv/bin/python bench/smart_dispatch.py                         # builds the county demo first (SQLite)
    .venv/bin/python bench/smart_dispatch.py --database sqlite:////tmp/…/….sqlite3   # a kept demo

It prints the accepted cases learned from, the seconds to read and segment them and to fit, the model's
size; then, as the demo's office login through Django's test client, the triage panel of cases awaiting
dispatch — the first request of the process (segmenter and model loaded: what the first dispatcher after a
restart waits) and the median and slowest of the next ones — the intake check and the clusters page, with
their SQL queries; and the process's peak memory. Nothing is written but the suggestions the panel records
(as it does in use) and one model version.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", metavar="URL", help="an existing demo database (default: build the county)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--cases", type=int, default=30, help="triage panels to time (default 30)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    workdir = None
    if args.database:
        url = args.database
    else:
        workdir = tempfile.mkdtemp(prefix="zq_bench_")
        url = f"sqlite:///{workdir}/smart.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.settings")

    import logging

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

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
        run(args, Client, CaptureQueriesContext, connection)
    finally:
        connections.close_all()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def run(args, Client, CaptureQueriesContext, connection) -> None:
    from accounts.models import User
    from cases.models import Case, SuggestionModel
    from cases.services import smart_dispatch
    from cases.smart import learning

    print(f"\n{Case.objects.count():,} cases on {connection.vendor}")
    items, read = timed(learning.examples)
    fitted, fit = timed(lambda: learning.fit(items))
    print(f"training: {len(items):,} accepted cases read and segmented in {read:.1f} s, fitted in {fit:.1f} s")
    model, whole = timed(lambda: smart_dispatch.suggestion_model_train(trained_by="bench", items=items))
    size = len(SuggestionModel.objects.filter(pk=model.pk).values_list("artefact", flat=True).first())
    print(
        f"train command with the held-out check: {whole:.1f} s; v{model.version}, "
        f"{model.vocabulary_size:,} words, {size / 1024:,.0f} KB"
    )
    learning._cache.clear()  # what a fresh process finds

    office = User.objects.get(username="office")
    waiting = list(
        Case.objects.filter(state__in=smart_dispatch.SUGGESTIBLE).order_by("-submitted_at")[: args.cases + 1]
    )
    if not waiting:
        print("no case awaits dispatch: nothing to time")
        return
    client = Client()
    client.force_login(office)
    timings, queries = [], []
    for case in waiting:
        with CaptureQueriesContext(connection) as captured:
            response, seconds = timed(
                lambda case=case: client.get(f"/cases/{case.pk}/suggestions/", HTTP_HX_REQUEST="true")
            )
        assert response.status_code == 200, response.status_code
        timings.append(seconds)
        queries.append(len(captured))
    warm = timings[1:] or timings
    print(
        f"triage panel: first {timings[0]:.2f} s (loads the segmenter and the model); next {len(warm)}: "
        f"median {statistics.median(warm):.3f} s, slowest {max(warm):.3f} s; {max(queries)} queries at most"
    )
    case = waiting[0]
    data = {"title": case.title, "description": case.description, "enterprise_ids": [case.enterprise_id]}
    with CaptureQueriesContext(connection) as captured:
        response, seconds = timed(lambda: client.post("/cases/new/similar/", data))
    print(f"intake check: {seconds:.3f} s, {len(captured)} queries")
    with CaptureQueriesContext(connection) as captured:
        response, seconds = timed(lambda: client.get("/cases/dispatch/clusters/"))
    mergeable = Case.objects.filter(state__in=smart_dispatch.SUGGESTIBLE, common_issue__isnull=True).count()
    shown = response.content.decode().count('data-testid="cluster"')
    print(
        f"clusters page: {seconds:.3f} s over {mergeable:,} cases awaiting dispatch, {shown} clusters, {len(captured)} queries"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
