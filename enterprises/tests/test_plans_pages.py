"""The plan pages: the list (scope, filters, summary, exports, pinned queries), drawing up a plan, the plan's
page with its in-place edits, and the profile panel; each for the owner, a colleague and an outsider."""

import io
from datetime import date

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import User
from accounts.scope import current_year
from conftest import make_credit_code
from enterprises.models import AssistancePlan, Enterprise, Linkage, PlanGoal, PlanProgress
from enterprises.tests.test_plans_support import make_plan


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# Shared fixtures: plan_c, plan_a, stranger, login.
pytest_plugins = ["enterprises.tests.test_plans_support"]

YEAR = current_year()
HTMX = {"HTTP_HX_REQUEST": "true"}


def rows_of(response) -> list[AssistancePlan]:
    return list(response.context["page"])


def workbook_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


# The list ---------------------------------------------------------------------------------------------------


def test_list_shows_the_years_plans_with_their_figures(county, plan_c, plan_a, login):
    make_plan(county.ent_b, year=YEAR - 1)
    response = login(county.office_user).get(reverse("plan_list"))
    assert response.status_code == 200
    plans = rows_of(response)
    assert [p.enterprise.name for p in plans] == ["湘中机械有限公司", "邵水新材料股份有限公司"]
    c = plans[1]
    assert (c.goals_total, c.goals_achieved, c.latest_progress, c.lead_unit_name) == (
        2,
        1,
        date(YEAR, 3, 1),
        "县工信局中小企业股",
    )
    content = response.content.decode()
    assert "1 / 2" in content and f"{YEAR}-03" in content and "县工信局中小企业股" in content
    summary = {s.category: (s.plans, s.goals, s.achieved) for s in response.context["summary"]}
    assert summary["turnaround"] == (1, 2, 1) and summary["scale_up"] == (1, 1, 0) and summary["srdi"] == (0, 0, 0)
    # An empty year parameter: every year.
    assert len(rows_of(login(county.office_user).get(reverse("plan_list"), {"year": ""}))) == 3


def test_list_filters(county, plan_c, plan_a, login):
    client = login(county.office_user)
    url = reverse("plan_list")

    def names(**params):
        return [p.enterprise.name for p in rows_of(client.get(url, params))]

    assert names(category="scale_up") == ["湘中机械有限公司"]
    assert names(status="completed") == []
    assert names(q="邵水") == ["邵水新材料股份有限公司"]
    assert names(q=make_credit_code(1)[:17]) == ["湘中机械有限公司"]
    assert names(region=county.town_a.pk) == ["湘中机械有限公司", "邵水新材料股份有限公司"]
    assert names(region=county.town_b.pk) == []
    # 工信局 includes the plans its section leads.
    assert names(lead_unit=county.gxj.pk) == ["邵水新材料股份有限公司"]
    assert names(lead_unit=county.fgj.pk) == []
    assert names(region="nonsense", lead_unit="x") == ["湘中机械有限公司", "邵水新材料股份有限公司"]
    response = client.get(url)
    assert list(response.context["lead_units"]) == [county.gxj_sme]
    assert [r.name for r in response.context["regions"]] == ["新邵县", "酿溪镇"]


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("cadre", ["邵水新材料股份有限公司"]),  # linked to ent_c
        ("sme_handler", ["邵水新材料股份有限公司"]),  # ent_c's lead unit
        ("town_a_handler", ["湘中机械有限公司", "邵水新材料股份有限公司"]),  # both lie in 酿溪镇
        ("gxj_handler", []),  # 工信局 itself leads nothing this year
        ("cadre2", []),
    ],
)
def test_list_is_scoped(county, plan_c, plan_a, stranger, login, username, expected):
    response = login(User.objects.get(username=username)).get(reverse("plan_list"))
    assert [p.enterprise.name for p in rows_of(response)] == expected


def test_enterprise_users_have_no_list(county, plan_a, login):
    assert login(county.ent_a_user).get(reverse("plan_list")).status_code == 403
    assert login(county.ent_a_user).get(reverse("plan_export")).status_code == 403


def _more_plans(county, n: int):
    for serial in range(n):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(100 + serial), name=f"企业{serial:03d}", region=county.town_b
        )
        Linkage.objects.create(enterprise=enterprise, year=YEAR, lead_unit=county.fgj)
        plan = make_plan(enterprise, goals=[("收入", "1", True), ("利润", "1", None)])
        PlanProgress.objects.create(plan=plan, period=date(YEAR, 2, 1), note="x")


def test_list_query_count_is_pinned(county, plan_c, plan_a, login, django_assert_num_queries):
    client = login(county.office_user)
    url = reverse("plan_list")
    client.get(url)  # warm the session and per-process caches
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
    _more_plans(county, 8)
    with django_assert_num_queries(11):
        response = client.get(url)
    assert len(rows_of(response)) == 10


def test_exports_follow_the_filters_and_scope(county, plan_c, plan_a, login):
    client = login(county.office_user)
    response = client.get(reverse("plan_export"), {"category": "turnaround"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = workbook_rows(response)
    assert rows[0][:4] == ("Enterprise", "Credit code", "Region", "Year")
    assert len(rows) == 2
    assert rows[1][0] == "邵水新材料股份有限公司" and rows[1][6:10] == ("县工信局中小企业股", 2, 1, f"{YEAR}-03")

    goals = workbook_rows(client.get(reverse("plan_goal_export"), {"year": YEAR}))
    assert goals[0][7:] == ("Goal", "Unit of measure", "Baseline", "Target", "Actual", "Achieved")
    assert sorted((r[0], r[7], r[10], r[12]) for r in goals[1:]) == [
        ("湘中机械有限公司", "利润总额", 100.0, "not decided"),
        ("邵水新材料股份有限公司", "主营业务收入", 2000.0, "yes"),
        ("邵水新材料股份有限公司", "利润总额", 50.0, "not decided"),
    ]
    # A cadre's export holds only its own enterprise's goals.
    cadre_goals = workbook_rows(login(county.cadre).get(reverse("plan_goal_export")))
    assert {r[0] for r in cadre_goals[1:]} == {"邵水新材料股份有限公司"}


# Drawing up a plan ------------------------------------------------------------------------------------------


def _plan_post(**overrides):
    data = {
        "year": YEAR,
        "category": "turnaround",
        "measures": "组织专家团队优化成本",
        "status": "active",
        "goals-TOTAL_FORMS": "3",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "30",
        "goals-0-name": "利润总额",
        "goals-0-unit_of_measure": "万元",
        "goals-0-baseline": "-80",
        "goals-0-target": "20",
    }
    return data | overrides


def test_linked_cadre_draws_up_a_plan(county, login):
    client = login(county.cadre)
    url = reverse("plan_create", args=[county.ent_c.pk]) + f"?year={YEAR}"
    page = client.get(url)
    assert page.status_code == 200 and 'name="goals-0-target"' in page.content.decode()
    response = client.post(url, _plan_post(**{"goals-1-name": "用工人数", "goals-1-target": "150"}))
    plan = AssistancePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("plan_detail", args=[plan.pk])
    assert plan.created_by == county.cadre and plan.enterprise == county.ent_c
    assert list(plan.goals.values_list("name", "target")) == [("利润总额", 20), ("用工人数", 150)]


def test_create_form_messages_and_nothing_saved(county, login):
    client = login(county.office_user)
    url = reverse("plan_create", args=[county.ent_c.pk])
    response = client.post(url, _plan_post(**{"goals-0-target": "", "goals-1-target": "12"}))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Every goal needs a numeric target." in content
    assert "This field is required." in content  # goal 2 has a target but no name
    assert not AssistancePlan.objects.exists()
    no_goal = client.post(
        url,
        _plan_post(**{"goals-0-name": "", "goals-0-target": "", "goals-0-baseline": "", "goals-0-unit_of_measure": ""}),
    )
    assert "Give the plan at least one goal with a name and a numeric target." in no_goal.content.decode()
    assert not AssistancePlan.objects.exists()


def test_second_plan_of_the_year_links_to_the_first(county, plan_c, login):
    client = login(county.office_user)
    url = reverse("plan_create", args=[county.ent_c.pk])
    detail = reverse("plan_detail", args=[plan_c.pk])
    for response in (client.get(url), client.post(url, _plan_post())):
        content = response.content.decode()
        assert "already has a plan for" in content and f'href="{detail}"' in content
        assert 'name="goals-0-target"' not in content
    assert AssistancePlan.objects.count() == 1


def test_who_may_open_the_create_page(county, stranger, login):
    url = reverse("plan_create", args=[county.ent_c.pk])
    assert login(county.sme_handler).get(url).status_code == 200  # the lead unit
    assert login(county.town_a_handler).get(url).status_code == 403  # sees ent_c, does not lead it
    assert login(stranger).get(url).status_code == 404
    assert login(county.ent_a_user).get(reverse("plan_create", args=[county.ent_a.pk])).status_code == 403


def test_start_page_finds_enterprises_and_marks_what_the_user_may_do(county, plan_a, login):
    response = login(county.town_a_handler).get(reverse("plan_start"), {"q": "有限"})
    rows = {row["enterprise"].name: row for row in response.context["rows"]}
    assert set(rows) == {"湘中机械有限公司", "邵水新材料股份有限公司"}  # 雀塘食品 lies outside 酿溪镇
    assert rows["湘中机械有限公司"]["plan"] == plan_a
    assert not rows["邵水新材料股份有限公司"]["can_create"]
    office_rows = login(county.office_user).get(reverse("plan_start"), {"q": "邵水"}).context["rows"]
    assert office_rows[0]["can_create"] and office_rows[0]["plan"] is None


# The plan's page --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status", "editable"),
    [
        ("office", 200, True),
        ("cadre", 200, True),  # the owner: linked cadre
        ("sme_handler", 200, True),  # a colleague of the lead unit
        ("town_a_handler", 200, False),  # in scope, reads
        ("auditor", 200, False),
        ("cadre2", 404, None),  # an unlinked cadre
        ("gxj_handler", 404, None),
        ("ent_a", 404, None),  # another enterprise's plan
    ],
)
def test_plan_page_per_user(county, plan_c, stranger, login, username, status, editable):
    response = login(User.objects.get(username=username)).get(reverse("plan_detail", args=[plan_c.pk]))
    assert response.status_code == status
    if status == 200:
        content = response.content.decode()
        assert "主营业务收入" in content and "对接银行授信" in content and "李县长" in content
        assert response.context["can_edit"] is editable
        assert (reverse("plan_goal_add", args=[plan_c.pk]) in content) is editable


def test_enterprise_user_reads_its_own_plan_and_writes_nothing(county, plan_a, login):
    client = login(county.ent_a_user)
    response = client.get(reverse("plan_detail", args=[plan_a.pk]))
    assert response.status_code == 200 and not response.context["can_edit"]
    goal = plan_a.goals.get()
    writes = [
        (reverse("plan_goal_add", args=[plan_a.pk]), {"new-name": "x", "new-target": "1", "new-achieved": "derive"}),
        (reverse("plan_goal_edit", args=[goal.pk]), {f"goal-{goal.pk}-name": "x", f"goal-{goal.pk}-target": "1"}),
        (reverse("plan_goal_delete", args=[goal.pk]), {}),
        (reverse("plan_progress_add", args=[plan_a.pk]), {"progress-period": f"{YEAR}-01", "progress-note": "x"}),
        (reverse("plan_complete", args=[plan_a.pk]), {"outcome": "x"}),
        (reverse("plan_edit", args=[plan_a.pk]), {"category": "srdi", "status": "active"}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("plan_edit", args=[plan_a.pk])).status_code == 403
    assert PlanGoal.objects.get().name == "利润总额" and not PlanProgress.objects.exists()


def test_reader_in_scope_gets_403_on_writes(county, plan_c, login):
    client = login(county.town_a_handler)
    response = client.post(
        reverse("plan_progress_add", args=[plan_c.pk]), {"progress-period": f"{YEAR}-02", "progress-note": "x"}
    )
    assert response.status_code == 403
    assert client.get(reverse("plan_edit", args=[plan_c.pk])).status_code == 403


def test_goal_edited_in_place_with_htmx(county, plan_c, login):
    client = login(county.cadre)
    goal = plan_c.goals.get(name="利润总额")
    form = client.get(reverse("plan_goals_section", args=[plan_c.pk]), {"editing": goal.pk}, **HTMX)
    assert f'name="goal-{goal.pk}-actual"' in form.content.decode()
    prefix = f"goal-{goal.pk}"
    data = {
        f"{prefix}-name": "利润总额",
        f"{prefix}-target": "50",
        f"{prefix}-actual": "61",
        f"{prefix}-achieved": "derive",
    }
    response = client.post(reverse("plan_goal_edit", args=[goal.pk]), data, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and content.startswith('<section id="plan-goals"')
    assert "2 of 2 achieved" in content
    goal.refresh_from_db()
    assert goal.actual == 61 and goal.achieved is True
    # A bad figure: the row stays open with the message, nothing saved.
    bad = client.post(reverse("plan_goal_edit", args=[goal.pk]), data | {f"{prefix}-actual": "很多"}, **HTMX)
    assert "Enter a number." in bad.content.decode() and f'name="{prefix}-actual"' in bad.content.decode()
    goal.refresh_from_db()
    assert goal.actual == 61


def test_goal_add_and_delete_from_the_page(county, plan_a, login):
    client = login(county.office_user)
    added = client.post(
        reverse("plan_goal_add", args=[plan_a.pk]),
        {"new-name": "用工人数", "new-target": "80", "new-actual": "", "new-achieved": "undecided"},
    )
    assert added.status_code == 302
    assert added["Location"] == reverse("plan_detail", args=[plan_a.pk]) + "#plan-goals"
    missing = client.post(reverse("plan_goal_add", args=[plan_a.pk]), {"new-name": "纳税", "new-achieved": "derive"})
    assert "Every goal needs a numeric target." in missing.content.decode()
    assert plan_a.goals.count() == 2
    for goal in list(plan_a.goals.all()):
        client.post(reverse("plan_goal_delete", args=[goal.pk]), **HTMX)
    assert list(plan_a.goals.values_list("name", flat=True)) == ["用工人数"]
    last = plan_a.goals.get()
    refused = client.post(reverse("plan_goal_delete", args=[last.pk]), **HTMX)
    assert "A plan keeps at least one goal" in refused.content.decode()


def test_progress_from_the_page(county, plan_c, login):
    client = login(county.sme_handler)
    url = reverse("plan_progress_add", args=[plan_c.pk])
    response = client.post(url, {"progress-period": f"{YEAR}-03", "progress-note": "协调电力增容"}, **HTMX)
    assert "对接银行授信" in response.content.decode() and "协调电力增容" in response.content.decode()
    assert PlanProgress.objects.get().note == "对接银行授信\n\n协调电力增容"
    future = client.post(url, {"progress-period": f"{YEAR + 1}-01", "progress-note": "x"}, **HTMX)
    assert "not a future one" in future.content.decode()
    bad = client.post(url, {"progress-period": "March", "progress-note": "x"})
    assert bad.status_code == 200 and "Enter the month, e.g. 2026-10." in bad.content.decode()
    note = PlanProgress.objects.get()
    edited = client.post(reverse("plan_progress_edit", args=[note.pk]), {f"note-{note.pk}-note": "已增容"})
    assert edited.status_code == 302 and PlanProgress.objects.get().note == "已增容"


def test_complete_and_reopen_from_the_page(county, plan_c, login):
    client = login(county.cadre)
    url = reverse("plan_complete", args=[plan_c.pk])
    undecided = client.post(url, {"outcome": "实现扭亏"})
    assert "Not decided yet: 利润总额." in undecided.content.decode()
    blank = client.post(url, {"outcome": ""})
    assert "This field is required." in blank.content.decode()
    PlanGoal.objects.filter(plan=plan_c).update(achieved=False)
    assert client.post(url, {"outcome": "实现扭亏"}).status_code == 302
    page = client.get(reverse("plan_detail", args=[plan_c.pk]))
    assert page.context["plan"].status == "completed" and "实现扭亏" in page.content.decode()
    assert not page.context["g"]["can_edit"]  # goals are locked
    client.post(reverse("plan_reopen", args=[plan_c.pk]))
    assert AssistancePlan.objects.get(pk=plan_c.pk).status == "active"


def test_edit_page_changes_the_plan(county, plan_c, login):
    client = login(county.gxj_head)
    url = reverse("plan_edit", args=[plan_c.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"category": "bogus", "status": "active", "measures": ""})
    assert "Select a valid choice." in refused.content.decode()
    response = client.post(url, {"category": "srdi", "status": "draft", "measures": "申报专精特新", "outcome": ""})
    assert response.status_code == 302
    plan = AssistancePlan.objects.get(pk=plan_c.pk)
    assert (plan.category, plan.status, plan.measures) == ("srdi", "draft", "申报专精特新")


# The profile panel ------------------------------------------------------------------------------------------


def render_panel(user, enterprise) -> str:
    return Template("{% load plans_panels %}{% plans_panel enterprise %}").render(
        Context({"user": user, "enterprise": enterprise})
    )


def test_panel_shows_this_years_plan_and_other_years(county, plan_c, django_assert_num_queries):
    earlier = make_plan(county.ent_c, year=YEAR - 1, status="completed")
    with django_assert_num_queries(4):  # roles, plans, this year's goals, latest note
        html = render_panel(county.cadre, county.ent_c)
    assert "主营业务收入" in html and "1 of 2 goals achieved" in html and "对接银行授信" in html
    assert reverse("plan_detail", args=[plan_c.pk]) in html and reverse("plan_detail", args=[earlier.pk]) in html
    assert "Draw up the plan" not in html


def test_panel_offers_creation_only_to_writers(county, plan_a):
    create_c = reverse("plan_create", args=[county.ent_c.pk])
    assert create_c in render_panel(county.cadre, county.ent_c)
    assert create_c not in render_panel(county.town_a_handler, county.ent_c)
    own = render_panel(county.ent_a_user, county.ent_a)
    assert reverse("plan_detail", args=[plan_a.pk]) in own and "Draw up the plan" not in own


def test_panel_lists_only_what_the_viewer_sees(county, plan_c, stranger):
    assert reverse("plan_detail", args=[plan_c.pk]) not in render_panel(stranger, county.ent_c)
