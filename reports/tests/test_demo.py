"""The reports demo (reports/demo.py) on a small county built once for the module: monthly reports of the
units due, lateness that matches the submission time, a bulletin with good practices per finished quarter,
evidence whose degree scores point at problems the unit led and did not solve; reset empties it."""

import dataclasses
import random
from datetime import date

import pytest
import time_machine
from auditlog.context import disable_auditlog
from django.db import transaction
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.demo import DemoContext
from cases import demo as cases_demo
from cases.models import Case
from core.management.commands.demo import STEPS
from enterprises.models import Linkage
from reports import demo as reports_demo
from reports.models import AssessmentEvidence, Bulletin, GoodPractice, MonthlyReport

SCALE = dataclasses.replace(accounts_demo.SCALES["county"], enterprises=300, enterprise_users=10)
SEED = 11
TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setitem(cases_demo.CASES_PER_ENTERPRISE, "county", 1.0)
        atomic = transaction.atomic()
        atomic.__enter__()
        traveller = time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 2, 10)), tick=False)
        traveller.start()
        try:
            ctx = DemoContext(seed=SEED, password="demo-pass-2026", log=lambda message: None)
            with disable_auditlog():
                for step in STEPS:
                    step.build(random.Random(f"{SEED}:{step.name}"), SCALE, ctx)
            yield ctx
        finally:
            traveller.stop()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def built(demo, db):
    """The module's county, in a test transaction of its own."""
    return demo


def test_monthly_reports_come_from_the_units_due_and_lateness_follows_the_20th(built):
    reports = list(MonthlyReport.objects.all())
    assert reports
    months = {r.month for r in reports}
    # 24 months whose 20th has passed by 2 December 2026: December 2024 to November 2026.
    assert min(months) >= date(2024, 12, 1) and max(months) == date(2026, 11, 1)
    for report in reports:
        assert report.due_on == report.month.replace(day=20)
        lead_units = Linkage.objects.filter(year=report.month.year).values_list("lead_unit_id", flat=True)
        assert report.unit_id in set(lead_units)
        assert report.is_late == (timezone.localdate(report.submitted_at) > report.due_on)
    late = sum(r.is_late for r in reports)
    assert 0 < late < len(reports) / 3


def test_a_bulletin_with_good_practices_for_each_finished_quarter(built):
    quarters = list(Bulletin.objects.order_by("year", "quarter").values_list("year", "quarter"))
    assert quarters[0] == (2024, 4) and quarters[-1] == (2026, 3) and len(quarters) == 8
    assert GoodPractice.objects.count() == 2 * len(quarters)
    third = Bulletin.objects.get(year=2026, quarter=3)
    assert third.title == "关于2026年第三季度助企服务工作情况的通报" and third.issued_on.month == 10


def test_degree_scores_point_at_problems_the_unit_led_and_did_not_solve(built):
    scores = AssessmentEvidence.objects.filter(kind=AssessmentEvidence.Kind.DEGREE_SCORE).select_related("case")
    for entry in scores:
        assert entry.case.lead_unit_id == entry.unit_id and entry.case.outcome == Case.Outcome.NOT_SOLVED
        assert 0 < entry.points <= 15
    assert AssessmentEvidence.objects.exclude(kind=AssessmentEvidence.Kind.DEGREE_SCORE).exists()


def test_reset_deletes_what_the_step_built(built):
    with transaction.atomic():
        reports_demo.reset(built)
        assert not MonthlyReport.objects.exists() and not Bulletin.objects.exists()
        assert not AssessmentEvidence.objects.exists() and not GoodPractice.objects.exists()
        transaction.set_rollback(True)
