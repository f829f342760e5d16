"""The plans API: scope on every endpoint, who may write, the rules' 422 messages, pinned list queries."""

import json
from datetime import date

import pytest

from accounts.models import User
from accounts.scope import current_year
from conftest import make_credit_code
from enterprises.models import AssistancePlan, Enterprise, Linkage, PlanGoal, PlanProgress
from enterprises.tests.test_plans_support import make_plan

# Shared fixtures: plan_c, plan_a, stranger, login.
pytest_plugins = ["enterprises.tests.test_plans_support"]

YEAR = current_year()


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


# Reading ----------------------------------------------------------------------------------------------------


def test_list_is_scoped_and_filtered(county, plan_c, plan_a, stranger, login):
    last_year_b = make_plan(county.ent_b, year=YEAR - 1)
    body = login(county.office_user).get("/api/v1/plans").json()
    assert body["count"] == 3
    body = login(county.office_user).get("/api/v1/plans", {"year": YEAR, "category": "turnaround"}).json()
    [item] = body["items"]
    assert item["enterprise_name"] == "邵水新材料股份有限公司"
    assert (item["goals_total"], item["goals_achieved"], item["latest_progress"]) == (2, 1, f"{YEAR}-03-01")
    assert (item["lead_unit_id"], item["lead_unit_name"]) == (county.gxj_sme.pk, "县工信局中小企业股")
    # 工信局 led ent_b last year and leads ent_c (through its section) this year: each plan by its own year.
    lead = login(county.office_user).get("/api/v1/plans", {"lead_unit_id": county.gxj.pk}).json()
    assert [i["id"] for i in lead["items"]] == [plan_c.pk, last_year_b.pk]
    assert lead["items"][1]["lead_unit_name"] == "县工信局"

    assert [i["id"] for i in login(county.cadre).get("/api/v1/plans").json()["items"]] == [plan_c.pk]
    assert login(stranger).get("/api/v1/plans").json()["count"] == 0
    # An enterprise user lists its own plans only.
    assert [i["id"] for i in login(county.ent_a_user).get("/api/v1/plans").json()["items"]] == [plan_a.pk]


def _more_plans(county, n):
    for serial in range(n):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(200 + serial), name=f"企业{serial:03d}", region=county.town_b
        )
        Linkage.objects.create(enterprise=enterprise, year=YEAR, lead_unit=county.fgj)
        plan = make_plan(enterprise, goals=[("收入", "1", True), ("利润", "1", None)])
        PlanProgress.objects.create(plan=plan, period=date(YEAR, 2, 1), note="x")


def test_list_query_count_is_pinned(county, plan_c, login, django_assert_num_queries):
    client = login(county.office_user)
    client.get("/api/v1/plans")
    with django_assert_num_queries(5):  # session, user, roles, count, page
        assert client.get("/api/v1/plans").json()["count"] == 1
    _more_plans(county, 12)
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/plans").json()["items"]) == 13


@pytest.mark.parametrize(
    ("username", "status", "can_edit"),
    [
        ("cadre", 200, True),
        ("sme_handler", 200, True),
        ("town_a_handler", 200, False),
        ("cadre2", 404, None),
        ("ent_a", 404, None),
    ],
)
def test_detail_per_user(county, plan_c, stranger, login, username, status, can_edit):
    response = login(User.objects.get(username=username)).get(f"/api/v1/plans/{plan_c.pk}")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["can_edit"] is can_edit
        assert [g["name"] for g in body["goals"]] == ["主营业务收入", "利润总额"]
        assert body["goals"][0]["achieved"] is True and body["goals"][0]["target"] == "2000.00"
        assert [(p["period"], p["note"], p["author_name"]) for p in body["progress"]] == [
            (f"{YEAR}-03-01", "对接银行授信", "联企干部")
        ]


def test_enterprise_user_reads_own_plan_and_is_refused_every_write(county, plan_a, login):
    client = login(county.ent_a_user)
    assert client.get(f"/api/v1/plans/{plan_a.pk}").status_code == 200
    goal = plan_a.goals.get()
    base = f"/api/v1/plans/{plan_a.pk}"
    refused = [
        post(
            client,
            "/api/v1/plans",
            {
                "enterprise_id": county.ent_a.pk,
                "year": YEAR + 1,
                "category": "srdi",
                "goals": [{"name": "x", "target": 1}],
            },
        ),
        patch(client, base, {"measures": "x"}),
        post(client, f"{base}/goals", {"name": "x", "target": 1}),
        patch(client, f"{base}/goals/{goal.pk}", {"actual": 1}),
        client.delete(f"{base}/goals/{goal.pk}"),
        post(client, f"{base}/progress", {"period": f"{YEAR}-01-01", "note": "x"}),
        post(client, f"{base}/complete", {"outcome": "x"}),
    ]
    assert [r.status_code for r in refused] == [403] * 7
    assert "detail" in refused[1].json()
    assert AssistancePlan.objects.count() == 1 and PlanGoal.objects.get().actual is None


# Writing ----------------------------------------------------------------------------------------------------


def test_create_and_duplicate(county, login):
    client = login(county.sme_handler)
    payload = {
        "enterprise_id": county.ent_c.pk,
        "year": YEAR,
        "category": "scale_up",
        "measures": "扩大生产规模",
        "goals": [{"name": "主营业务收入", "target": "2000", "unit_of_measure": "万元", "baseline": 1500}],
    }
    response = post(client, "/api/v1/plans", payload)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "active" and body["can_edit"] and body["goals"][0]["baseline"] == "1500.00"
    again = post(client, "/api/v1/plans", payload)
    assert again.status_code == 422
    assert again.json()["existing_plan_id"] == body["id"] and "already has a plan" in again.json()["detail"]


def test_create_validation_and_scope(county, stranger, login):
    client = login(county.office_user)
    no_goal = post(
        client, "/api/v1/plans", {"enterprise_id": county.ent_c.pk, "year": YEAR, "category": "srdi", "goals": []}
    )
    assert no_goal.status_code == 422
    assert no_goal.json()["detail"] == "goals: Give the plan at least one goal with a name and a numeric target."
    bad_category = post(
        client,
        "/api/v1/plans",
        {"enterprise_id": county.ent_c.pk, "year": YEAR, "category": "x", "goals": [{"name": "a", "target": 1}]},
    )
    assert bad_category.json()["detail"] == "category: Choose one of the plan categories."
    outsider = post(
        login(stranger),
        "/api/v1/plans",
        {"enterprise_id": county.ent_c.pk, "year": YEAR, "category": "srdi", "goals": [{"name": "a", "target": 1}]},
    )
    assert outsider.status_code == 404
    assert not AssistancePlan.objects.exists()


def test_goals_progress_and_complete(county, plan_c, login):
    client = login(county.cadre)
    base = f"/api/v1/plans/{plan_c.pk}"
    added = post(client, f"{base}/goals", {"name": "亏损额", "target": 0, "baseline": 120, "actual": 0})
    assert added.status_code == 201 and added.json()["achieved"] is True  # a reduction reached
    profit = plan_c.goals.get(name="利润总额")
    updated = patch(client, f"{base}/goals/{profit.pk}", {"actual": "48.5"})
    assert updated.json()["achieved"] is False and updated.json()["actual"] == "48.50"
    decided = patch(client, f"{base}/goals/{profit.pk}", {"achieved": True})
    assert decided.json()["achieved"] is True

    note = post(client, f"{base}/progress", {"period": f"{YEAR}-04-15", "note": "协调订单"})
    assert note.status_code == 201 and note.json()["period"] == f"{YEAR}-04-01"
    future = post(client, f"{base}/progress", {"period": f"{YEAR + 1}-01-01", "note": "x"})
    assert future.status_code == 422 and "future" in future.json()["detail"]

    no_outcome = post(client, f"{base}/complete", {"outcome": ""})
    assert no_outcome.status_code == 422
    done = post(client, f"{base}/complete", {"outcome": "稳产增效"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    locked = post(client, f"{base}/goals", {"name": "x", "target": 1})
    assert locked.status_code == 422 and "Reopen" in locked.json()["detail"]
    reopened = patch(client, base, {"status": "active"})
    assert reopened.json()["status"] == "active"


def test_complete_refused_while_a_goal_is_undecided(county, plan_c, login):
    response = post(login(county.office_user), f"/api/v1/plans/{plan_c.pk}/complete", {"outcome": "完成"})
    assert response.status_code == 422 and "Not decided yet: 利润总额." in response.json()["detail"]
    assert AssistancePlan.objects.get(pk=plan_c.pk).status == "active"


def test_goal_delete_and_mismatched_ids(county, plan_c, plan_a, login):
    client = login(county.office_user)
    goal = plan_c.goals.get(name="利润总额")
    assert client.delete(f"/api/v1/plans/{plan_a.pk}/goals/{goal.pk}").status_code == 404
    assert client.delete(f"/api/v1/plans/{plan_c.pk}/goals/{goal.pk}").status_code == 204
    last = plan_c.goals.get()
    refused = client.delete(f"/api/v1/plans/{plan_c.pk}/goals/{last.pk}")
    assert refused.status_code == 422 and "at least one goal" in refused.json()["detail"]


def test_reader_in_scope_gets_403_and_outsider_404(county, plan_c, stranger, login):
    goal = plan_c.goals.first()
    reader = patch(login(county.town_a_handler), f"/api/v1/plans/{plan_c.pk}/goals/{goal.pk}", {"actual": 1})
    assert reader.status_code == 403
    outsider = patch(login(stranger), f"/api/v1/plans/{plan_c.pk}/goals/{goal.pk}", {"actual": 1})
    assert outsider.status_code == 404
    assert patch(login(stranger), f"/api/v1/plans/{plan_c.pk}", {"measures": "x"}).status_code == 404
    assert PlanGoal.objects.get(pk=goal.pk).actual is None
