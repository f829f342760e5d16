"""Build a realistic demo jurisdiction: `manage.py demo --scale county|city|province [--seed N]`.

Each app contributes one Step: a build function `(rng, scale, ctx)` and a reset function `(ctx)`. Steps
build in order and reset in reverse order, so a later app (cases, policies, chains) appends its step to
STEPS and deletes its own rows before the rows it depends on go. Each step draws from its own random
stream, seeded from the seed and the step's name, so adding a step never changes what the others build.
"""

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from auditlog.context import disable_auditlog
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import demo as accounts_demo
from accounts.demo import DEFAULT_PASSWORD, PASSWORD_ENV, SCALES, DemoContext, Scale
from accounts.models import Region, Unit, User
from cases import demo as cases_demo
from cases import demo_dispatch
from chains import demo as chains_demo
from enterprises import demo as enterprises_demo
from enterprises.models import Enterprise, Linkage
from policies import demo as policies_demo
from reports import demo as reports_demo


@dataclass(frozen=True)
class Step:
    name: str
    build: Callable[[random.Random, Scale, DemoContext], None]
    reset: Callable[[DemoContext], None]


STEPS: list[Step] = [
    Step("accounts", accounts_demo.build, accounts_demo.reset),
    Step("enterprises", enterprises_demo.build, enterprises_demo.reset),
    Step("cases", cases_demo.build, cases_demo.reset),
    Step("reports", reports_demo.build, reports_demo.reset),
    Step("policies", policies_demo.build, policies_demo.reset),
    Step("chains", chains_demo.build, chains_demo.reset),
    Step("dispatch", demo_dispatch.build, demo_dispatch.reset),
]


def has_data() -> bool:
    """Whether the database holds an organisation already (a superuser alone does not count)."""
    return (
        Unit.objects.exists()
        or Region.objects.exists()
        or Enterprise.objects.exists()
        or User.objects.filter(is_superuser=False).exists()
    )


class Command(BaseCommand):
    help = "Build a demo jurisdiction (county, city or province) with realistic units, people and enterprises."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="county", help="default: county")
        parser.add_argument("--seed", type=int, default=2026, help="the same seed builds the same data (default 2026)")
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database already holds an organisation"
        )
        existing.add_argument(
            "--reset",
            action="store_true",
            help="delete the existing organisation first: every user but the superusers, linkages, enterprises, "
            "units and regions",
        )
        parser.add_argument(
            "--password",
            help=f"password of every demo account (default: ${PASSWORD_ENV}, else {DEFAULT_PASSWORD})",
        )

    def handle(self, *args, scale, seed, if_empty, reset, password, **options):
        if has_data():
            if if_empty:
                self.stdout.write(
                    "演示数据未生成：数据库中已有组织数据 / The database already holds data: demo skipped."
                )
                return
            if not reset:
                raise CommandError(
                    "The database already holds regions, units, users or enterprises. Run with --reset to delete "
                    "them (every user but the superusers) and build the demo again, or with --if-empty to skip."
                )
        password = password or os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD
        config = SCALES[scale]
        started = time.monotonic()
        ctx = DemoContext(seed=seed, password=password, log=self.stdout.write, started=started)
        self.stdout.write(
            f"Building the {scale} demo (seed {seed}): {config.users:,} users, {config.enterprises:,} enterprises"
        )
        # The audit log records people's changes; a generated dataset is not one, and logging each
        # deleted row would make a province-scale reset crawl.
        with disable_auditlog(), transaction.atomic():
            if reset:
                for step in reversed(STEPS):
                    step.reset(ctx)
            for step in STEPS:
                step.build(random.Random(f"{seed}:{step.name}"), config, ctx)
        counts = ", ".join(
            f"{label} {model.objects.count():,}"
            for label, model in (
                ("regions", Region),
                ("units", Unit),
                ("users", User),
                ("enterprises", Enterprise),
                ("linkages", Linkage),
            )
        )
        self.stdout.write(self.style.SUCCESS(f"Demo built in {time.monotonic() - started:.1f}s: {counts}"))
        self.stdout.write("Logins: manage.py demo_logins")
