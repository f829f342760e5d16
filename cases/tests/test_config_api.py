"""The settings API: categories and deadline rules, read by who may, written by the office only (403 for the
others, 404 for what does not exist or lies outside the scope), 422 with the field's message, pinned lists."""

import pytest

from accounts.models import User
from cases.models import CaseCategory, DeadlineRule
from cases.tests.test_common_support import send

pytest_plugins = ["cases.tests.test_common_support"]

CATEGORIES = "/api/v1/cases/categories"
RULES = "/api/v1/cases/deadline-rules"


def test_everyone_reads_the_categories(county, login, file_case, category):
    file_case()
    CaseCategory.objects.filter(code="other").update(is_active=False)
    body = login(county.ent_a_user).get(CATEGORIES).json()
    assert [c["code"] for c in body][:2] == ["financing", "labour"]
    assert body[0]["case_count"] == 1 and body[0]["name"] == "融资"
    active = login(county.gxj_handler).get(CATEGORIES, {"active": "true"}).json()
    assert "other" not in {c["code"] for c in active} and len(active) == len(body) - 1


def _more_categories(n, start=0):
    CaseCategory.objects.bulk_create(
        [CaseCategory(code=f"extra_{i}", name=f"附加{i}", sort_order=500 + i) for i in range(start, start + n)]
    )


def test_category_list_queries_are_pinned(county, login, file_case, django_assert_num_queries):
    file_case()
    client = login(county.office_user)
    _more_categories(2)
    client.get(CATEGORIES)
    with django_assert_num_queries(4):  # session, user, roles, categories with usage
        response = client.get(CATEGORIES)
    assert len(response.json()) == CaseCategory.objects.count()
    _more_categories(4, start=2)
    with django_assert_num_queries(4):
        response = client.get(CATEGORIES)
    assert len(response.json()) == CaseCategory.objects.count()


def test_the_office_adds_renames_deactivates_and_deletes(county, login):
    client = login(county.office_user)
    response = send(client, "post", CATEGORIES, {"code": "export_tax", "name": "出口退税"})
    assert response.status_code == 201
    created = response.json()
    assert (created["code"], created["is_active"], created["case_count"]) == ("export_tax", True, 0)

    url = f"{CATEGORIES}/{created['id']}"
    patched = send(client, "patch", url, {"name": "出口退税服务", "is_active": False}).json()
    assert (patched["name"], patched["is_active"], patched["code"]) == ("出口退税服务", False, "export_tax")
    assert client.delete(url).status_code == 204
    assert not CaseCategory.objects.filter(pk=created["id"]).exists()
    assert client.delete(url).status_code == 404
    assert send(client, "patch", url, {"name": "x"}).status_code == 404


def test_refusals_answer_422_with_the_field(county, login, file_case, category):
    file_case()
    client = login(county.office_user)
    bad = send(client, "post", CATEGORIES, {"code": "Bad Code", "name": "新"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("code:")
    taken = send(client, "post", CATEGORIES, {"code": "new_one", "name": "融资"})
    assert taken.status_code == 422 and taken.json()["detail"].startswith("name:")
    recode = send(client, "patch", f"{CATEGORIES}/{category.pk}", {"code": "finance"})
    assert recode.status_code == 422 and "cannot change" in recode.json()["detail"]
    used = client.delete(f"{CATEGORIES}/{category.pk}")
    assert used.status_code == 422 and "only deactivated" in used.json()["detail"]
    assert CaseCategory.objects.filter(pk=category.pk, code="financing").exists()


@pytest.mark.parametrize("username", ["gxj_head", "auditor", "leader", "ent_a"])
def test_others_may_not_write(county, login, category, username):
    client = login(User.objects.get(username=username))
    assert send(client, "post", CATEGORIES, {"code": "x1", "name": "新"}).status_code == 403
    assert send(client, "patch", f"{CATEGORIES}/{category.pk}", {"name": "金融"}).status_code == 403
    assert client.delete(f"{CATEGORIES}/{category.pk}").status_code == 403
    rule = {"category_id": None, "urgency": "normal", "accept_days": 1, "resolve_days": 9}
    assert send(client, "put", RULES, rule).status_code == 403
    category.refresh_from_db()
    assert category.name == "融资" and not CaseCategory.objects.filter(code="x1").exists()
    assert DeadlineRule.objects.get(category=None, urgency="normal").resolve_days == 5


def test_rules_are_read_by_staff_only(county, login):
    body = login(county.gxj_handler).get(RULES).json()
    assert {(r["category_id"], r["urgency"], r["accept_days"], r["resolve_days"]) for r in body} == {
        (None, "normal", 1, 5),
        (None, "urgent", 1, 3),
        (None, "complex", 1, 15),
    }
    assert login(county.ent_a_user).get(RULES).json() == []


def test_rules_list_queries_are_pinned(county, login, django_assert_num_queries):
    client = login(county.office_user)
    client.get(RULES)
    with django_assert_num_queries(4):  # session, user, roles, rules with their categories
        assert len(client.get(RULES).json()) == 3
    for category in CaseCategory.objects.all()[:6]:
        DeadlineRule.objects.create(category=category, urgency="urgent", accept_days=1, resolve_days=2)
    with django_assert_num_queries(4):
        assert len(client.get(RULES).json()) == 9


def test_set_and_remove_an_override(county, login, category):
    client = login(county.office_user)
    response = send(
        client, "put", RULES, {"category_id": category.pk, "urgency": "complex", "accept_days": 2, "resolve_days": 30}
    )
    assert response.status_code == 200
    rule = response.json()
    assert (rule["category_name"], rule["accept_days"], rule["resolve_days"]) == ("融资", 2, 30)
    again = send(
        client, "put", RULES, {"category_id": category.pk, "urgency": "complex", "accept_days": 2, "resolve_days": 25}
    ).json()
    assert again["id"] == rule["id"] and again["resolve_days"] == 25

    assert login(county.gxj_head).delete(f"{RULES}/{rule['id']}").status_code == 403
    assert login(county.ent_a_user).delete(f"{RULES}/{rule['id']}").status_code == 404  # rules are staff's
    assert login(county.office_user).delete(f"{RULES}/{rule['id']}").status_code == 204
    assert not DeadlineRule.objects.filter(pk=rule["id"]).exists()


def test_rule_refusals(county, login):
    client = login(county.office_user)
    for days, field in [((0, 5), "accept_days"), ((1, 91), "resolve_days"), ((9, 5), "accept_days")]:
        response = send(
            client,
            "put",
            RULES,
            {"category_id": None, "urgency": "normal", "accept_days": days[0], "resolve_days": days[1]},
        )
        assert response.status_code == 422 and response.json()["detail"].startswith(f"{field}:")
    unknown = send(
        client, "put", RULES, {"category_id": 99999, "urgency": "normal", "accept_days": 1, "resolve_days": 5}
    )
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("category:")
    default = DeadlineRule.objects.get(category=None, urgency="normal")
    refused = client.delete(f"{RULES}/{default.pk}")
    assert refused.status_code == 422 and "cannot be removed" in refused.json()["detail"]
    assert default.resolve_days == DeadlineRule.objects.get(pk=default.pk).resolve_days == 5
