"""Fixtures and helpers the test_monthly_* files share (loaded with pytest_plugins; no tests here): the
county with 工信局 leading ent_a in 2026, frozen in mid-November 2026 before the November report is due."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from accounts.models import Unit
from conftest import make_credit_code
from enterprises.models import Enterprise, Linkage
from reports.models import MonthlyReport
from reports.services import monthly as services

CHINA = ZoneInfo("Asia/Shanghai")
NOV = dt.date(2026, 11, 1)
TEXTS = {
    "enterprises_situation": "湘中机械生产正常。",
    "problems_progress": "新增诉求1件，已解决1件。",
    "plans_progress": "帮扶目标完成2项。",
    "next_steps": "继续走访。",
}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    """18 November 2026, 10:00 China time: before the November report is due."""
    with time_machine.travel(at(2026, 11, 18, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def monthly(frozen, county):
    """The county, with 工信局 leading ent_a in 2026 (its 中小企业股 leads ent_c, from the county fixture);
    `monthly.frozen` moves the clock."""
    Linkage.objects.create(enterprise=county.ent_a, year=2026, leader=county.leader, lead_unit=county.gxj)
    county.frozen = frozen
    return county


def save(actor, unit, month=NOV, **texts):
    return services.monthly_report_save(actor=actor, unit_id=unit.pk, month=month, **(texts or TEXTS))


def submitted_report(county, unit=None, actor=None):
    unit, actor = unit or county.gxj, actor or county.gxj_handler
    report = save(actor, unit)
    return services.monthly_report_submit(actor=actor, report_id=report.pk)


def grow_units(county, n: int) -> None:
    """n more departments, each leading one enterprise in 2026 and with a submitted November report."""
    start = Unit.objects.count()
    for index in range(start, start + n):
        unit = Unit.objects.create(
            code=f"430522-D{index}",
            name=f"县部门{index}",
            kind=Unit.Kind.DEPARTMENT,
            parent=county.gov,
            region=county.region,
        )
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(100 + index), name=f"企业{index}", region=county.town_a
        )
        Linkage.objects.create(enterprise=enterprise, year=2026, lead_unit=unit)
        MonthlyReport.objects.create(
            unit=unit,
            month=NOV,
            due_on=dt.date(2026, 11, 20),
            status=MonthlyReport.Status.SUBMITTED,
            submitted_at=at(2026, 11, 10, 9),
            submitted_by=county.gxj_handler,
        )
