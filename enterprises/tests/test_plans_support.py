"""Fixtures the assistance-plan tests share (imported by the other test_plans_* modules; no tests here).

On top of the root `county`: a 2026 plan of 邵水新材料 (ent_c, linked this year to 李县长, 联企干部 and
工信局中小企业股), a plan of 湘中机械 (ent_a, no linkage: only the office writes it), and an unlinked cadre."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import Role
from accounts.scope import current_year
from conftest import PASSWORD
from enterprises.models import AssistancePlan, PlanGoal, PlanProgress


def make_plan(enterprise, *, year=None, category=AssistancePlan.Category.TURNAROUND, status="active", goals=None):
    plan = AssistancePlan.objects.create(
        enterprise=enterprise, year=year or current_year(), category=category, status=status, measures="帮助拓展市场"
    )
    for order, (name, target, achieved) in enumerate(goals or [("利润总额", "100", None)]):
        PlanGoal.objects.create(
            plan=plan, name=name, target=Decimal(target), achieved=achieved, sort_order=order, unit_of_measure="万元"
        )
    return plan


@pytest.fixture
def plan_c(county):
    """ent_c's plan for this year: two goals, one achieved, one progress note."""
    plan = make_plan(county.ent_c, goals=[("主营业务收入", "2000", True), ("利润总额", "50", None)])
    PlanProgress.objects.create(plan=plan, period=date(current_year(), 3, 1), note="对接银行授信", author=county.cadre)
    return plan


@pytest.fixture
def plan_a(county):
    return make_plan(county.ent_a, category=AssistancePlan.Category.SCALE_UP)


@pytest.fixture
def stranger(make_user, county):
    """A cadre of 发改局 linked to nothing."""
    return make_user("cadre2", Role.CADRE, unit=county.fgj, full_name="未包联干部")


@pytest.fixture
def login(client):
    """Sign a user in, in English: the tests read the messages' English source text, Django's own included."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login
