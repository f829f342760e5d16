"""The plan rules: who may write, creating with goals, deriving achieved, progress notes, completing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from accounts.models import User
from accounts.scope import current_year
from enterprises.models import AssistancePlan, Linkage, PlanGoal, PlanProgress
from enterprises.services import plans as services


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# Shared fixtures: plan_c, plan_a, stranger, login.
pytest_plugins = ["enterprises.tests.test_plans_support"]

YEAR = current_year()
GOAL = {"name": "利润总额", "target": "100", "unit_of_measure": "万元"}


def create(actor, enterprise, **overrides):
    kwargs = {"year": YEAR, "category": "turnaround", "goals": [GOAL], "measures": "对接订单"} | overrides
    return services.plan_create(actor=actor, enterprise_id=enterprise.pk, **kwargs)


# Who may write ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("office", True),  # the office: every plan
        ("leader", True),  # ent_c's linked leader this year
        ("cadre", True),  # ent_c's linked cadre this year
        ("sme_handler", True),  # handler of the lead unit 工信局中小企业股
        ("gxj_head", True),  # head of 工信局, above the lead unit
        ("gxj_handler", False),  # handler of 工信局 itself: not the lead unit
        ("fgj_handler", False),
        ("town_a_handler", False),  # sees ent_c (its territory) but does not lead it
        ("auditor", False),
        ("ent_a", False),
        ("cadre2", False),  # a cadre linked to nothing
    ],
)
def test_can_edit_plan_per_role(county, stranger, username, allowed):
    user = User.objects.get(username=username)
    assert services.can_edit_plan(user, county.ent_c, YEAR) is allowed
    assert services.can_edit_plan(user, county.ent_c.pk, YEAR) is allowed


def test_linkage_of_the_plan_year_decides_not_this_year(county):
    # ent_b was 工信局's last year: its head may write last year's plan, not this year's.
    assert services.can_edit_plan(county.gxj_head, county.ent_b, YEAR - 1)
    assert not services.can_edit_plan(county.gxj_head, county.ent_b, YEAR)
    # ent_c's cadre is linked this year only.
    assert not services.can_edit_plan(county.cadre, county.ent_c, YEAR - 1)


def test_enterprise_user_never_writes_even_when_linked_somehow(county):
    Linkage.objects.filter(enterprise=county.ent_c, year=YEAR).get().cadres.add(county.ent_a_user)
    assert not services.can_edit_plan(county.ent_a_user, county.ent_c, YEAR)


def test_inactive_user_cannot_write(county):
    county.office_user.is_active = False
    assert not services.can_edit_plan(county.office_user, county.ent_c, YEAR)


# Creating ---------------------------------------------------------------------------------------------------


def test_linked_cadre_creates_a_plan_with_goals(county):
    plan = create(county.cadre, county.ent_c, goals=[GOAL, {"name": "用工人数", "target": 120, "baseline": 100}])
    assert plan.created_by == county.cadre and plan.status == "active" and plan.measures == "对接订单"
    goals = list(plan.goals.order_by("sort_order"))
    assert [(g.name, g.target, g.sort_order) for g in goals] == [
        ("利润总额", Decimal("100.00"), 0),
        ("用工人数", Decimal("120.00"), 1),
    ]
    assert goals[0].achieved is None


def test_reader_in_scope_is_refused_and_outsider_gets_404(county, stranger):
    with pytest.raises(PermissionDenied):
        create(county.town_a_handler, county.ent_c)
    with pytest.raises(Http404):
        create(stranger, county.ent_c)
    with pytest.raises(PermissionDenied):
        create(county.ent_a_user, county.ent_a)
    assert not AssistancePlan.objects.exists()


def test_a_plan_needs_a_goal_with_a_numeric_target(county):
    with pytest.raises(ValidationError) as no_goals:
        create(county.office_user, county.ent_c, goals=[])
    assert no_goals.value.message_dict["goals"] == ["Give the plan at least one goal with a name and a numeric target."]
    with pytest.raises(ValidationError) as bad:
        create(county.office_user, county.ent_c, goals=[{"name": "", "target": "abc"}])
    messages = bad.value.message_dict["goals"]
    assert "Goal 1, name: Give the goal a name, e.g. “main business revenue”." in messages
    assert "Goal 1, target: Every goal needs a numeric target." in messages
    with pytest.raises(ValidationError) as wrong:
        create(county.office_user, county.ent_c, category="whatever", status="completed")
    assert set(wrong.value.message_dict) == {"category", "status"}
    assert not AssistancePlan.objects.exists()


def test_year_too_far_ahead_is_refused(county):
    with pytest.raises(ValidationError) as error:
        create(county.office_user, county.ent_c, year=YEAR + 2)
    assert "year" in error.value.message_dict


def test_second_plan_for_the_same_year_names_the_existing_one(county, plan_c):
    with pytest.raises(services.DuplicatePlan) as error:
        create(county.office_user, county.ent_c)
    assert error.value.existing == plan_c
    assert "邵水新材料股份有限公司 already has a plan for" in error.value.messages[0]
    assert AssistancePlan.objects.count() == 1
    # Another year is fine.
    assert create(county.office_user, county.ent_c, year=YEAR + 1).year == YEAR + 1


# Goals ------------------------------------------------------------------------------------------------------


def test_achieved_is_derived_from_actual_both_ways():
    assert services.derive_achieved(target=Decimal(100), actual=None) is None
    assert services.derive_achieved(target=Decimal(100), actual=Decimal(100)) is True
    assert services.derive_achieved(target=Decimal(100), actual=Decimal("99.99")) is False
    # A target below the baseline is a reduction: losses from 80 down to 20.
    assert services.derive_achieved(target=Decimal(20), baseline=Decimal(80), actual=Decimal(15)) is True
    assert services.derive_achieved(target=Decimal(20), baseline=Decimal(80), actual=Decimal(30)) is False


def test_goal_update_derives_unless_decided_and_keeps_a_decision(county, plan_c):
    goal = plan_c.goals.get(name="利润总额")  # target 50
    goal = services.goal_update(actor=county.cadre, goal_id=goal.pk, actual="60")
    assert goal.actual == Decimal("60.00") and goal.achieved is True
    goal = services.goal_update(actor=county.cadre, goal_id=goal.pk, actual="40")
    assert goal.achieved is False
    # The cadre judges it achieved anyway (say, the target was revised in a meeting): that decision stands …
    goal = services.goal_update(actor=county.cadre, goal_id=goal.pk, achieved=True)
    assert goal.achieved is True
    goal = services.goal_update(actor=county.cadre, goal_id=goal.pk, name="利润总额（万元）")
    assert goal.achieved is True
    # … until a figure changes again.
    goal = services.goal_update(actor=county.cadre, goal_id=goal.pk, actual="45")
    assert goal.achieved is False
    goal = services.goal_update(actor=county.cadre, goal_id=goal.pk, achieved=None)
    assert PlanGoal.objects.get(pk=goal.pk).achieved is None


def test_goal_update_validates_and_saves_nothing(county, plan_c):
    goal = plan_c.goals.get(name="利润总额")
    with pytest.raises(ValidationError) as error:
        services.goal_update(actor=county.cadre, goal_id=goal.pk, target=None, actual="x")
    assert error.value.message_dict["target"] == ["Every goal needs a numeric target."]
    assert error.value.message_dict["actual"] == ["“x” is not a number."]
    assert PlanGoal.objects.get(pk=goal.pk).target == Decimal("50.00")


def test_goal_add_and_delete_keep_at_least_one(county, plan_a):
    only = plan_a.goals.get()
    with pytest.raises(ValidationError, match="at least one goal"):
        services.goal_delete(actor=county.office_user, goal_id=only.pk)
    added = services.goal_add(actor=county.office_user, plan_id=plan_a.pk, name="纳税", target="30", actual="31")
    assert added.sort_order == 1 and added.achieved is True
    services.goal_delete(actor=county.office_user, goal_id=only.pk)
    assert list(plan_a.goals.values_list("name", flat=True)) == ["纳税"]


def test_goal_writes_check_the_writer(county, plan_c, stranger):
    goal = plan_c.goals.first()
    with pytest.raises(PermissionDenied):
        services.goal_update(actor=county.town_a_handler, goal_id=goal.pk, actual="1")
    with pytest.raises(Http404):
        services.goal_update(actor=stranger, goal_id=goal.pk, actual="1")
    with pytest.raises(PermissionDenied):
        services.goal_add(actor=county.auditor, plan_id=plan_c.pk, name="x", target=1)


# Progress ---------------------------------------------------------------------------------------------------


def test_progress_month_is_normalised_and_not_in_the_future(county, plan_c):
    note = services.progress_add(actor=county.sme_handler, plan_id=plan_c.pk, period=date(YEAR, 1, 17), note="走访")
    assert note.period == date(YEAR, 1, 1) and note.author == county.sme_handler
    next_month = (timezone.localdate().replace(day=28) + timedelta(days=4)).replace(day=1)
    with pytest.raises(ValidationError) as future:
        services.progress_add(actor=county.sme_handler, plan_id=plan_c.pk, period=next_month, note="x")
    assert future.value.message_dict["period"] == ["Progress is reported for a month that has begun, not a future one."]
    with pytest.raises(ValidationError) as other_year:
        services.progress_add(actor=county.sme_handler, plan_id=plan_c.pk, period=date(YEAR - 1, 12, 1), note="x")
    assert "report progress for a month of" in other_year.value.message_dict["period"][0]
    with pytest.raises(ValidationError) as blank:
        services.progress_add(actor=county.sme_handler, plan_id=plan_c.pk, period=date(YEAR, 6, 1), note="  ")
    assert blank.value.message_dict["note"] == ["Write what was done this month."]


def test_this_month_is_allowed(county, plan_c):
    note = services.progress_add(actor=county.leader, plan_id=plan_c.pk, period=timezone.localdate(), note="调度")
    assert note.period == timezone.localdate().replace(day=1)


def test_second_report_of_a_month_appends_to_its_note(county, plan_c):
    first = plan_c.progress_notes.get()
    again = services.progress_add(actor=county.leader, plan_id=plan_c.pk, period=date(YEAR, 3, 9), note="协调用地")
    assert again.pk == first.pk
    assert again.note == "对接银行授信\n\n协调用地" and again.author == county.leader
    assert PlanProgress.objects.filter(plan=plan_c).count() == 1
    edited = services.progress_update(actor=county.office_user, progress_id=first.pk, note="已授信500万元")
    assert PlanProgress.objects.get(pk=edited.pk).note == "已授信500万元"


def test_progress_needs_a_writer(county, plan_c, plan_a):
    with pytest.raises(PermissionDenied):
        services.progress_add(actor=county.town_a_handler, plan_id=plan_c.pk, period=date(YEAR, 4, 1), note="x")
    with pytest.raises(PermissionDenied):
        services.progress_add(actor=county.ent_a_user, plan_id=plan_a.pk, period=date(YEAR, 4, 1), note="x")
    with pytest.raises(Http404):
        services.progress_add(actor=county.ent_a_user, plan_id=plan_c.pk, period=date(YEAR, 4, 1), note="x")
    assert PlanProgress.objects.count() == 1


# Status and completion ----------------------------------------------------------------------------------------


def test_complete_needs_an_outcome_and_every_goal_decided(county, plan_c):
    with pytest.raises(ValidationError) as no_outcome:
        services.plan_complete(actor=county.cadre, plan_id=plan_c.pk, outcome=" ")
    assert no_outcome.value.message_dict["outcome"] == ["Describe the outcome of the plan before completing it."]
    with pytest.raises(ValidationError) as undecided:
        services.plan_complete(actor=county.cadre, plan_id=plan_c.pk, outcome="扭亏为盈")
    assert "Not decided yet: 利润总额." in undecided.value.messages[0]
    assert AssistancePlan.objects.get(pk=plan_c.pk).status == "active"

    services.goal_update(actor=county.cadre, goal_id=plan_c.goals.get(name="利润总额").pk, achieved=False)
    plan = services.plan_complete(actor=county.cadre, plan_id=plan_c.pk, outcome="扭亏为盈")
    assert plan.status == "completed" and plan.outcome == "扭亏为盈"
    with pytest.raises(ValidationError, match="already completed"):
        services.plan_complete(actor=county.cadre, plan_id=plan_c.pk, outcome="again")


def test_completed_plan_is_locked_until_reopened(county, plan_c):
    PlanGoal.objects.filter(plan=plan_c).update(achieved=True)
    services.plan_complete(actor=county.office_user, plan_id=plan_c.pk, outcome="完成")
    goal = plan_c.goals.first()
    with pytest.raises(ValidationError, match="Reopen it"):
        services.goal_update(actor=county.office_user, goal_id=goal.pk, actual="1")
    with pytest.raises(ValidationError, match="Reopen it"):
        services.progress_add(actor=county.office_user, plan_id=plan_c.pk, period=date(YEAR, 4, 1), note="x")
    with pytest.raises(ValidationError) as blank:
        services.plan_update(actor=county.office_user, plan_id=plan_c.pk, outcome="")
    assert "outcome" in blank.value.message_dict
    reopened = services.plan_update(actor=county.office_user, plan_id=plan_c.pk, status="active")
    assert reopened.status == "active" and reopened.outcome == "完成"
    services.goal_update(actor=county.office_user, goal_id=goal.pk, actual="1")


def test_status_cannot_be_set_to_completed_by_update(county, plan_c):
    with pytest.raises(ValidationError) as error:
        services.plan_update(actor=county.office_user, plan_id=plan_c.pk, status="completed")
    assert error.value.message_dict["status"] == ["Complete a plan with its outcome, from “Complete the plan”."]
    plan = services.plan_update(actor=county.office_user, plan_id=plan_c.pk, status="draft", category="srdi")
    assert (plan.status, plan.category) == ("draft", "srdi")
