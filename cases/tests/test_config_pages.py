"""The settings page: staff read it, the office changes it (403 for anyone else), messages next to the field
with what was typed kept, the note that running cases keep their limits, the operation log, pinned queries."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import User
from cases.models import CaseCategory, DeadlineRule
from cases.services import dispatch

pytest_plugins = ["cases.tests.test_common_support"]

URL = reverse("case_settings")


def test_staff_read_the_settings_without_forms(county, login):
    response = login(county.gxj_handler).get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="category-row"' in content and 'data-testid="rule-row"' in content
    assert 'data-testid="running-cases-note"' in content
    assert 'data-testid="category-add-form"' not in content and 'data-testid="rule-form"' not in content
    assert 'data-testid="category-edit"' not in content


def test_enterprise_users_and_strangers_do_not(county, login, client):
    assert login(county.ent_a_user).get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_office_sees_usage_and_the_rule_table(county, login, file_case, category):
    file_case()
    DeadlineRule.objects.create(category=category, urgency="urgent", accept_days=1, resolve_days=2)
    response = login(county.office_user).get(URL)
    content = response.content.decode()
    assert 'data-testid="category-add-form"' in content and 'data-testid="rule-form"' in content
    financing = next(c for c in response.context["categories"] if c.code == "financing")
    assert financing.case_count == 1
    assert content.count('data-testid="category-in-use"') == 1
    assert content.count('data-testid="category-delete"') == CaseCategory.objects.count() - 1
    row = next(r for r in response.context["table"] if r.category and r.category.pk == category.pk)
    cells = {c.urgency: c for c in row.cells}
    assert cells["urgent"].overridden and (cells["urgent"].limits.resolve_days == 2)
    assert not cells["normal"].overridden and cells["normal"].limits.resolve_days == 5
    assert content.count('data-testid="rule-delete"') == 1


def test_an_edit_link_fills_the_rule_form(county, login, category):
    response = login(county.office_user).get(URL, {"rule_category": category.pk, "rule_urgency": "complex"})
    form = response.context["rule_form"]
    assert form.initial == {"category": category, "urgency": "complex", "accept_days": 1, "resolve_days": 15}


@pytest.mark.parametrize(
    ("name", "args", "data"),
    [
        ("case_category_add", [], {"category-code": "x1", "category-name": "新"}),
        ("case_category_edit", ["pk"], {"code": "financing", "name": "金融", "sort_order": 1, "is_active": "on"}),
        ("case_category_move", ["pk"], {"direction": "down"}),
        ("case_category_active", ["pk"], {"active": "0"}),
        ("case_category_delete", ["pk"], {}),
        ("case_deadline_rule_set", [], {"rule-urgency": "normal", "rule-accept_days": 1, "rule-resolve_days": 9}),
    ],
)
@pytest.mark.parametrize("username", ["gxj_head", "auditor", "leader", "ent_a"])
def test_only_the_office_writes(county, login, category, name, args, data, username):
    url = reverse(name, args=[category.pk if a == "pk" else a for a in args])
    response = login(User.objects.get(username=username)).post(url, data)
    assert response.status_code == 403
    category.refresh_from_db()
    assert (category.name, category.is_active, category.sort_order) == ("融资", True, 10)
    assert not CaseCategory.objects.filter(code="x1").exists()
    assert DeadlineRule.objects.get(category=None, urgency="normal").resolve_days == 5


def test_rule_delete_is_the_offices_too(county, login, category):
    rule = DeadlineRule.objects.create(category=category, urgency="urgent", accept_days=1, resolve_days=2)
    url = reverse("case_deadline_rule_delete", args=[rule.pk])
    assert login(county.gxj_head).post(url).status_code == 403
    assert DeadlineRule.objects.filter(pk=rule.pk).exists()
    assert login(county.office_user).post(url).status_code == 302
    assert not DeadlineRule.objects.filter(pk=rule.pk).exists()


def test_add_a_category_and_the_operation_log_names_the_office(county, login):
    client = login(county.office_user)
    response = client.post(reverse("case_category_add"), {"category-code": "export_tax", "category-name": "出口退税"})
    assert response.status_code == 302 and response.url.endswith("#categories")
    category = CaseCategory.objects.get(code="export_tax")
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(CaseCategory), object_pk=str(category.pk)
    )
    assert entry.actor == county.office_user and entry.action == LogEntry.Action.CREATE


def test_a_refused_category_keeps_what_was_typed(county, login):
    response = login(county.office_user).post(
        reverse("case_category_add"), {"category-code": "Has Space", "category-name": "出口退税"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="error-code"' in content and "lower-case letters" in content
    assert 'value="Has Space"' in content and 'value="出口退税"' in content
    taken = login(county.office_user).post(
        reverse("case_category_add"), {"category-code": "financing2", "category-name": "融资"}
    )
    assert 'data-testid="error-name"' in taken.content.decode()
    assert not CaseCategory.objects.filter(code__in=["has space", "financing2"]).exists()


def test_edit_a_category(county, login, file_case, category):
    client = login(county.office_user)
    url = reverse("case_category_edit", args=[category.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["form"].fields["code"].disabled
    response = client.post(url, {"code": "finance", "name": "金融服务", "sort_order": 3, "is_active": "on"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.code, category.name, category.sort_order) == ("finance", "金融服务", 3)

    file_case()
    page = client.get(url)
    assert page.context["form"].fields["code"].disabled and 'data-testid="category-in-use"' in page.content.decode()
    # A disabled field keeps its value whatever is posted.
    client.post(url, {"code": "other_code", "name": "金融服务", "sort_order": 3, "is_active": "on"})
    category.refresh_from_db()
    assert category.code == "finance"
    bad = client.post(url, {"code": "finance", "name": "", "sort_order": "x"})
    assert bad.status_code == 200
    assert (
        'data-testid="error-name"' in bad.content.decode() and 'data-testid="error-sort_order"' in bad.content.decode()
    )


def test_a_used_category_is_only_deactivated(county, login, file_case, category):
    file_case()
    client = login(county.office_user)
    response = client.post(reverse("case_category_delete", args=[category.pk]), follow=True)
    assert CaseCategory.objects.filter(pk=category.pk).exists()
    assert "only deactivated" in response.content.decode()
    client.post(reverse("case_category_active", args=[category.pk]), {"active": "0"})
    category.refresh_from_db()
    assert not category.is_active
    client.post(reverse("case_category_active", args=[category.pk]), {"active": "1"})
    category.refresh_from_db()
    assert category.is_active


def test_move_buttons(county, login):
    first, second = CaseCategory.objects.order_by("sort_order")[:2]
    login(county.office_user).post(reverse("case_category_move", args=[second.pk]), {"direction": "up"})
    assert list(CaseCategory.objects.order_by("sort_order")[:2]) == [second, first]


def test_set_a_rule_reports_the_running_cases(county, login, assigned_case, category):
    response = login(county.office_user).post(
        reverse("case_deadline_rule_set"),
        {"rule-category": category.pk, "rule-urgency": "normal", "rule-accept_days": 2, "rule-resolve_days": 10},
        follow=True,
    )
    rule = DeadlineRule.objects.get(category=category, urgency="normal")
    assert (rule.accept_days, rule.resolve_days) == (2, 10)
    content = response.content.decode()
    assert "1 cases in handling keep the limits they were assigned with" in content
    assigned_case.refresh_from_db()
    event = assigned_case.events.get(kind="assigned")
    assert event.payload["resolve_days"] == 5


@pytest.mark.parametrize(
    ("accept", "resolve", "field"),
    [("0", "5", "accept_days"), ("1", "91", "resolve_days"), ("", "5", "accept_days"), ("abc", "5", "accept_days")],
)
def test_a_refused_rule_says_why_next_to_the_field(county, login, accept, resolve, field):
    response = login(county.office_user).post(
        reverse("case_deadline_rule_set"),
        {"rule-category": "", "rule-urgency": "urgent", "rule-accept_days": accept, "rule-resolve_days": resolve},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-testid="error-{field}"' in content
    assert "from 1 to 90" in content
    assert f'value="{resolve}"' in content
    assert DeadlineRule.objects.get(category=None, urgency="urgent").resolve_days == 3


def test_removing_a_default_is_refused_with_a_message(county, login):
    default = DeadlineRule.objects.get(category=None, urgency="normal")
    response = login(county.office_user).post(reverse("case_deadline_rule_delete", args=[default.pk]), follow=True)
    assert "cannot be removed" in response.content.decode()
    assert DeadlineRule.objects.filter(pk=default.pk).exists()


def _more_categories(n: int, start: int = 0):
    for i in range(start, start + n):
        category = CaseCategory.objects.create(code=f"extra_{i}", name=f"附加{i}", sort_order=500 + i)
        DeadlineRule.objects.create(category=category, urgency="normal", accept_days=1, resolve_days=9)


def test_settings_page_queries_are_pinned(county, login, file_case, django_assert_num_queries):
    dispatch.case_assign(actor=county.office_user, case_id=file_case().pk, lead_unit_id=county.gxj.pk)
    client = login(county.office_user)
    _more_categories(2)
    client.get(URL)  # warm the session and per-process caches
    # Session, user, roles, categories with usage, rules, the rule form's category choices; the layout's
    # calendar warning and the user's unit.
    with django_assert_num_queries(8):
        assert client.get(URL).status_code == 200
    _more_categories(4, start=2)
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert sum(1 for c in response.context["categories"] if c.code.startswith("extra_")) == 6
