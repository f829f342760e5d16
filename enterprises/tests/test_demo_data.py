"""The enterprise demo data (issue 3 item 10): one county with 1,200 enterprises, built once for the module
(a read-only look at it; the tests that change it roll back). The full scales are timed by bench/demo_build.py.
"""

import dataclasses
import io
import math
import re
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.demo import XINSHAO_PARKS
from accounts.models import Role, User
from accounts.scope import scoped
from cases import demo as cases_demo
from enterprises.demo import TRADES, month_start
from enterprises.models import (
    ABOVE_SCALE_REVENUE,
    AssistancePlan,
    CultivationPool,
    Enterprise,
    EnterpriseWarning,
    Industry,
    Linkage,
    MonthlyFigure,
    PlanGoal,
    PlanProgress,
    PoolMembership,
    Tag,
    Visit,
    VisitProblem,
    WarningLevel,
)

SCALE = dataclasses.replace(accounts_demo.SCALES["county"], enterprises=1_200, enterprise_users=30)
# The cases (and the steps that read them) are tested in cases/tests/test_demo_build.py: a few here.
CASES_PER_ENTERPRISE = 0.25
SEED = "11"
Kind = CultivationPool.Kind


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    """Build once, inside a transaction that the module's end rolls back."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setitem(accounts_demo.SCALES, "county", SCALE)
        patch.setitem(cases_demo.CASES_PER_ENTERPRISE, "county", CASES_PER_ENTERPRISE)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("demo", "--scale", "county", "--seed", SEED, stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def built(demo_county, db):
    """The module's county, in a test transaction of its own."""


def last_month() -> date:
    return month_start(timezone.localdate(), 1)


def figure_year() -> int:
    return last_month().year


def yearly(field: str, year: int, **filters) -> dict[int, float]:
    rows = (
        MonthlyFigure.objects.filter(period__year=year, **filters)
        .values("enterprise_id")
        .annotate(total=Sum(field))
        .values_list("enterprise_id", "total")
    )
    return {pk: float(total) for pk, total in rows}


# --- Registry ------------------------------------------------------------------------------------------


def test_the_registry_has_every_field_filled(built):
    first_period = month_start(last_month(), 23)
    enterprises = list(Enterprise.objects.select_related("region", "park", "industry"))
    assert len(enterprises) == SCALE.enterprises
    for e in enterprises:
        assert 2 <= len(e.legal_representative) <= 4, e
        assert e.address.startswith("新邵县" + e.region.name) and re.search(r"(\d+号|\d+组)$", e.address), e.address
        assert e.founded_on < first_period
        assert e.registered_capital > 0
        assert e.industry.level == Industry.Level.GROUP
        assert e.size in Enterprise.Size.values
        assert e.contact_name and re.fullmatch(r"1[3-9]\d{9}", e.contact_phone)
        if e.region.name in XINSHAO_PARKS:
            assert e.park.kind == "park" and e.park.region_id == e.region_id
        else:
            assert e.park is None


def test_the_industry_agrees_with_the_trade_word_of_the_name(built):
    # Longest word first: 电子商务 must not be read as 电子.
    trades = sorted(TRADES, key=lambda t: -len(t.word))
    sections = Counter()
    for name, code, section in Enterprise.objects.values_list("name", "industry_id", "industry__section"):
        trade = next(t for t in trades if t.word in name)
        assert code in trade.groups, (name, code)
        sections[section] += 1
    assert sections["C"] > SCALE.enterprises * 0.6  # mostly manufacturing
    assert {"A", "F", "G", "I", "M"} <= sections.keys()  # and some farms, trade and services


def test_sizes_scale_keys_and_tags_come_in_plausible_shares(built):
    n = SCALE.enterprises
    sizes = Counter(Enterprise.objects.values_list("size", flat=True))
    assert sizes["micro"] + sizes["small"] >= 0.9 * n
    assert 0 < sizes["large"] < sizes["medium"] < sizes["small"]
    assert 0.10 * n <= Enterprise.objects.filter(above_scale=True).count() <= 0.20 * n
    assert not Enterprise.objects.filter(above_scale=True).exclude(industry__section__in=("B", "C", "D")).exists()
    assert 0.05 * n <= Enterprise.objects.filter(is_key=True).count() <= 0.12 * n
    tagged = Enterprise.objects.exclude(tags=None).count()
    assert 0 < tagged < 0.4 * n
    used = dict(Tag.objects.annotate(n=Count("enterprises")).values_list("code", "n"))
    assert all(used.values()), used
    # The 专精特新 ladder is cumulative: every 小巨人 is 专精特新, every 专精特新 an innovative SME.
    for higher, lower in (("little_giant", "srdi"), ("srdi", "innovative_sme")):
        assert not Enterprise.objects.filter(tags__code=higher).exclude(tags__code=lower).exists()


# --- Figures -------------------------------------------------------------------------------------------


def test_every_enterprise_has_24_months_ending_last_month(built):
    spans = set(
        MonthlyFigure.objects.values("enterprise_id")
        .annotate(months=Count("pk"), first=Min("period"), last=Max("period"))
        .values_list("months", "first", "last")
    )
    assert spans == {(24, month_start(last_month(), 23), last_month())}
    assert MonthlyFigure.objects.values("enterprise_id").distinct().count() == SCALE.enterprises
    assert set(MonthlyFigure.objects.values_list("source", flat=True).distinct()) == {MonthlyFigure.Source.IMPORT}
    assert not MonthlyFigure.objects.filter(
        Q(revenue__isnull=True) | Q(output_value__isnull=True) | Q(employees__isnull=True) | Q(electricity__lt=0)
    ).exists()


def test_above_scale_enterprises_cleared_the_line_last_year_and_the_others_did_not(built):
    revenue = yearly("revenue", figure_year() - 1)
    above = set(Enterprise.objects.filter(above_scale=True).values_list("pk", flat=True))
    line = float(ABOVE_SCALE_REVENUE)
    assert sum(revenue[pk] >= line for pk in above) >= 0.95 * len(above)
    assert all(total < line for pk, total in revenue.items() if pk not in above)


def test_a_share_of_above_scale_enterprises_loses_money_some_two_years_running(built):
    year = figure_year()
    months = last_month().month
    above = set(Enterprise.objects.filter(above_scale=True).values_list("pk", flat=True))
    profit = yearly("total_profit", year)
    profit_before = yearly("total_profit", year - 1, period__month__lte=months)
    losing = [pk for pk in above if profit[pk] < 0]
    assert 0.08 <= len(losing) / len(above) <= 0.18
    assert any(profit_before[pk] < 0 for pk in losing)


def test_output_follows_revenue_and_the_spring_festival_empties_february(built):
    totals = dict(MonthlyFigure.objects.values("period").annotate(r=Sum("revenue")).values_list("period", "r"))
    for period, revenue in totals.items():
        if period.month == 2 and period.replace(month=3) in totals:
            assert revenue < Decimal("0.8") * totals[period.replace(month=3)]
    ratios = MonthlyFigure.objects.filter(revenue__gt=0).values_list("output_value", "revenue")
    assert all(0.97 <= float(o) / float(r) <= 1.13 for o, r in ratios)
    # R&D is reported by the technology enterprises, not by every micro shop.
    assert 0 < MonthlyFigure.objects.exclude(rd_spend=None).count() < MonthlyFigure.objects.count() / 2


def test_the_warnings_engine_has_looked_at_the_figures(built):
    rules = Counter(EnterpriseWarning.objects.filter(resolved_at=None).values_list("rule", flat=True))
    for rule in (
        EnterpriseWarning.Rule.LOSS_MAKING,
        EnterpriseWarning.Rule.EXIT_RISK,
        EnterpriseWarning.Rule.ELECTRICITY_FALLING,
    ):
        assert rules[rule] > 0, rule
    flags = EnterpriseWarning.objects.filter(rule=EnterpriseWarning.Rule.MANUAL)
    assert flags.exists() and not flags.filter(created_by=None).exists()
    assert flags.first().created_by.role_grants.filter(role=Role.OFFICE).exists()
    # The level on the enterprise is the highest open warning.
    for enterprise in Enterprise.objects.annotate(top=Max("warnings__level", filter=Q(warnings__resolved_at=None))):
        assert enterprise.warning_level == (enterprise.top or WarningLevel.GREEN)
    assert Enterprise.objects.filter(warning_level=WarningLevel.GREEN).count() > SCALE.enterprises / 2


# --- Pools ---------------------------------------------------------------------------------------------


def current_members(kind, year):
    return Enterprise.objects.filter(
        pool_memberships__pool__kind=kind, pool_memberships__pool__year=year, pool_memberships__exited_on=None
    )


def test_this_years_pools_are_filled_and_the_small_to_scale_pool_keeps_the_1_2_rule(built):
    year = timezone.localdate().year
    pools = {p.kind: p for p in CultivationPool.objects.filter(year=year)}
    assert set(Kind.values) - set(pools) <= {Kind.SINGLE_CHAMPION}
    small = pools[Kind.SMALL_TO_SCALE]
    assert small.target > 0
    members = current_members(Kind.SMALL_TO_SCALE, year)
    assert members.count() >= math.ceil(small.target * CultivationPool.TARGET_FACTOR)
    assert not members.filter(above_scale=True).exists()
    assert not current_members(Kind.TO_REGISTER, year).filter(above_scale=True).exists()
    assert not current_members(Kind.NEAR_SCALE, year).filter(above_scale=True).exists()
    assert not current_members(Kind.EXIT_RISK, year).filter(above_scale=False).exists()
    for kind, tag in (
        (Kind.SRDI_INNOVATIVE, "innovative_sme"),
        (Kind.SRDI_PROVINCIAL, "srdi"),
        (Kind.LITTLE_GIANT, "little_giant"),
        (Kind.SINGLE_CHAMPION, "single_champion"),
    ):
        assert not current_members(kind, year).exclude(tags__code=tag).exists(), kind
    for kind in (Kind.SRDI_INNOVATIVE, Kind.EXIT_RISK, Kind.TO_REGISTER, Kind.HIGH_TECH):
        assert current_members(kind, year).exists(), kind
    # An enterprise above the line that earns less than 1.2 × the line this year is on the 易退库 list.
    assert (
        current_members(Kind.EXIT_RISK, year).count()
        >= EnterpriseWarning.objects.filter(
            rule=EnterpriseWarning.Rule.EXIT_RISK, level=WarningLevel.RED, resolved_at=None
        ).count()
    )


def test_last_years_pools_show_who_left_and_why(built):
    year = timezone.localdate().year - 1
    small = CultivationPool.objects.get(kind=Kind.SMALL_TO_SCALE, year=year)
    assert small.members.count() >= math.ceil(small.target * CultivationPool.TARGET_FACTOR)
    promoted = PoolMembership.objects.filter(pool=small, exit_reason="已升规纳统")
    assert promoted.exists()
    assert not promoted.filter(enterprise__above_scale=False).exists()
    exits = PoolMembership.objects.filter(pool__year=year).exclude(exited_on=None)
    assert exits.exists() and not exits.filter(exit_reason="").exists()
    assert not exits.filter(exited_on__lt=date(year, 1, 1)).exists()


# --- Linkage, plans, visits ----------------------------------------------------------------------------


def test_key_enterprises_are_linked_with_a_few_deliberate_gaps(built):
    year = timezone.localdate().year
    key = list(Enterprise.objects.filter(is_key=True).values_list("pk", flat=True))
    links = {
        link.enterprise_id: link
        for link in Linkage.objects.filter(year=year, enterprise__is_key=True).annotate(cadre_count=Count("cadres"))
    }
    full = [
        pk for pk in key if pk in links and links[pk].leader_id and links[pk].lead_unit_id and links[pk].cadre_count
    ]
    assert len(full) >= 0.88 * len(key)
    assert len(full) < len(key)  # the coverage view has something to show
    assert Linkage.objects.filter(year=year - 1).exists()


def test_plans_fit_the_enterprise_and_have_measurable_goals(built):
    year = timezone.localdate().year
    plans = {p.enterprise_id: p for p in AssistancePlan.objects.filter(year=year)}
    for pk in Enterprise.objects.filter(is_key=True).values_list("pk", flat=True):
        assert pk in plans
    profit = yearly("total_profit", figure_year())
    for pk in Enterprise.objects.filter(above_scale=True).values_list("pk", flat=True):
        if profit[pk] < 0:
            assert plans[pk].category == AssistancePlan.Category.TURNAROUND
    goal_counts = Counter(PlanGoal.objects.values_list("plan_id", flat=True))
    assert set(goal_counts) == {p.pk for p in plans.values()}
    assert all(2 <= n <= 4 for n in goal_counts.values())
    assert PlanGoal.objects.filter(achieved=True).exists() and PlanGoal.objects.filter(achieved=None).exists()
    assert set(AssistancePlan.objects.values_list("category", flat=True)) == set(AssistancePlan.Category.values)
    notes = PlanProgress.objects.filter(plan__year=year)
    assert notes.exists() and not notes.filter(period__gt=last_month()).exists()
    active = AssistancePlan.objects.filter(year=year, status=AssistancePlan.Status.ACTIVE).first()
    assert active.progress_notes.count() >= last_month().month - 2


def test_visits_cover_most_linked_enterprises_every_month(built):
    today = timezone.localdate()
    year = today.year
    linked = set(Linkage.objects.filter(year=year).exclude(cadres=None).values_list("enterprise_id", flat=True))
    visited = defaultdict(set)
    for enterprise_id, day in Visit.objects.values_list("enterprise_id", "visited_on"):
        visited[day.replace(day=1)].add(enterprise_id)
    months = [month_start(today, back) for back in range(12, 0, -1)]
    assert min(visited) == months[0] and max(Visit.objects.values_list("visited_on", flat=True)) <= today
    for month in months:
        assert 0.6 <= len(visited[month] & linked) / len(linked) <= 0.95, month
    assert set(Visit.objects.values_list("mode", flat=True).distinct()) == set(Visit.Mode.values)
    assert 0.1 <= VisitProblem.objects.values("visit").distinct().count() / Visit.objects.count() <= 0.3


def test_each_cadre_visits_most_of_their_own_enterprises_each_month(built):
    # As the coverage page counts: a cadre's linked enterprises that the cadre visited in the month.
    month = month_start(timezone.localdate(), 1)
    linked = defaultdict(set)
    for enterprise_id, cadre_id in Linkage.objects.filter(year=month.year).values_list("enterprise_id", "cadres"):
        if cadre_id:
            linked[cadre_id].add(enterprise_id)
    visited = defaultdict(set)
    for enterprise_id, visitor_id in Visit.objects.filter(
        visited_on__year=month.year, visited_on__month=month.month
    ).values_list("enterprise_id", "visitor_id"):
        visited[visitor_id].add(enterprise_id)
    shares = [len(visited[cadre] & enterprises) / len(enterprises) for cadre, enterprises in linked.items()]
    assert 0.6 <= sum(shares) / len(shares) <= 0.95


def test_visitors_are_the_enterprises_linked_people_and_record_their_unit(built):
    year = timezone.localdate().year
    people = defaultdict(set)
    for link in Linkage.objects.filter(year=year).prefetch_related("cadres"):
        people[link.enterprise_id] |= {c.pk for c in link.cadres.all()} | {link.leader_id}
    for enterprise_id, visitor_id, unit_id, visitor_unit in Visit.objects.values_list(
        "enterprise_id", "visitor_id", "unit_id", "visitor__unit_id"
    ):
        assert visitor_id in people[enterprise_id]
        assert unit_id == visitor_unit


def test_every_demo_login_sees_a_living_system(built):
    users = {u.username: u for u in User.objects.filter(username__in=[n for n, _ in accounts_demo.LOGINS])}
    for username in ("office", "leader", "unit_head", "handler", "cadre", "auditor", "enterprise"):
        user = users[username]
        for model in (Enterprise, MonthlyFigure, Linkage, AssistancePlan, PlanGoal, Visit):
            assert scoped(user, model.objects.all()).exists(), (username, model.__name__)
    for username in ("office", "leader", "cadre"):
        assert scoped(users[username], EnterpriseWarning.objects.all()).exists(), username
        assert scoped(users[username], PoolMembership.objects.all()).exists(), username
    cadre = users["cadre"]
    this_month = month_start(timezone.localdate())
    assert Visit.objects.filter(visitor=cadre, visited_on__gte=month_start(this_month, 3)).exists()


# --- Building again ------------------------------------------------------------------------------------


def fingerprint():
    return (
        MonthlyFigure.objects.aggregate(r=Sum("revenue"), p=Sum("total_profit"), e=Sum("electricity")),
        Visit.objects.count(),
        list(
            PlanGoal.objects.order_by("plan__enterprise__credit_code", "plan__year", "sort_order", "name").values_list(
                "name", "target"
            )
        ),
        list(
            PoolMembership.objects.order_by("pool__kind", "pool__year", "enterprise__credit_code").values_list(
                "entered_on"
            )
        ),
    )


def test_reset_rebuilds_the_same_data_from_the_same_seed(built, monkeypatch):
    monkeypatch.setitem(accounts_demo.SCALES, "county", SCALE)
    monkeypatch.setitem(cases_demo.CASES_PER_ENTERPRISE, "county", CASES_PER_ENTERPRISE)
    before = fingerprint()
    tables = (MonthlyFigure, EnterpriseWarning, CultivationPool, PoolMembership, AssistancePlan, Visit)
    counts = {model: model.objects.count() for model in tables}
    call_command("demo", "--scale", "county", "--seed", SEED, "--reset", stdout=io.StringIO())
    assert {model: model.objects.count() for model in tables} == counts
    assert fingerprint() == before


def test_with_a_smaller_figure_share_the_followed_enterprises_still_report(built, monkeypatch):
    # The province's setting taken to the extreme: no ordinary small enterprise reports.
    monkeypatch.setitem(accounts_demo.SCALES, "county", dataclasses.replace(SCALE, enterprises=400, figure_share=0))
    monkeypatch.setitem(cases_demo.CASES_PER_ENTERPRISE, "county", CASES_PER_ENTERPRISE)
    call_command("demo", "--scale", "county", "--seed", SEED, "--reset", stdout=io.StringIO())
    reporting = set(MonthlyFigure.objects.values_list("enterprise_id", flat=True).distinct())
    followed = Enterprise.objects.filter(Q(above_scale=True) | Q(is_key=True) | ~Q(tags=None))
    assert set(followed.values_list("pk", flat=True)) <= reporting
    assert 0 < len(reporting) < Enterprise.objects.count()
    assert MonthlyFigure.objects.count() == 24 * len(reporting)
    # Pools and plans only ever name enterprises whose figures back them.
    assert not PoolMembership.objects.filter(pool__kind=Kind.SMALL_TO_SCALE).exclude(enterprise__in=reporting).exists()
    assert not AssistancePlan.objects.exclude(enterprise__in=reporting).exists()
