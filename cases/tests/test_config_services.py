"""The settings services: the category dictionary (add, rename, reorder, deactivate, delete only when unused)
and the deadline rules (1 to 90 working days, defaults and overrides), office only; a rule change leaves
running deadlines alone."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cases import deadlines
from cases.models import Case, CaseCategory, CaseEvent, DeadlineRule
from cases.services import config, dispatch

pytest_plugins = ["cases.tests.test_common_support"]


def messages_of(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


# Categories -------------------------------------------------------------------------------------------------


def test_office_adds_a_category_at_the_end(county):
    last = CaseCategory.objects.order_by("-sort_order").first()
    category = config.category_create(actor=county.office_user, code="  Export_Tax ", name=" 出口退税 ")
    assert (category.code, category.name, category.is_active) == ("export_tax", "出口退税", True)
    assert category.sort_order == last.sort_order + 10


@pytest.mark.parametrize(
    ("code", "name", "field"),
    [
        ("", "新类别", "code"),
        ("融资", "新类别", "code"),
        ("has space", "新类别", "code"),
        ("x" * 31, "新类别", "code"),
        ("financing", "新类别", "code"),  # taken
        ("new_one", "融资", "name"),  # taken
        ("new_one", "", "name"),
    ],
)
def test_category_codes_are_unique_slugs_and_names_unique(county, code, name, field):
    with pytest.raises(ValidationError) as caught:
        config.category_create(actor=county.office_user, code=code, name=name)
    assert field in messages_of(caught.value)
    assert not CaseCategory.objects.filter(name="新类别").exists()


@pytest.mark.parametrize("username", ["gxj_head", "auditor", "leader", "ent_a"])
def test_only_the_office_writes_the_dictionary(county, username):
    from accounts.models import User

    user = User.objects.get(username=username)
    financing = CaseCategory.objects.get(code="financing")
    with pytest.raises(PermissionDenied):
        config.category_create(actor=user, code="new_one", name="新类别")
    with pytest.raises(PermissionDenied):
        config.category_update(actor=user, category_id=financing.pk, name="金融")
    with pytest.raises(PermissionDenied):
        config.category_delete(actor=user, category_id=financing.pk)
    with pytest.raises(PermissionDenied):
        config.deadline_rule_set(actor=user, category_id=None, urgency="normal", accept_days=1, resolve_days=9)


def test_rename_reorder_and_deactivate(county):
    labour = CaseCategory.objects.get(code="labour")
    config.category_update(actor=county.office_user, category_id=labour.pk, name="用工招工", sort_order=5)
    labour.refresh_from_db()
    assert (labour.name, labour.sort_order) == ("用工招工", 5)
    assert CaseCategory.objects.order_by("sort_order", "code").first() == labour

    config.category_update(actor=county.office_user, category_id=labour.pk, is_active=False)
    labour.refresh_from_db()
    assert not labour.is_active


def test_move_swaps_with_the_neighbour_and_renumbers(county):
    codes = list(CaseCategory.objects.order_by("sort_order", "code").values_list("code", flat=True))
    config.category_move(
        actor=county.office_user, category_id=CaseCategory.objects.get(code=codes[1]).pk, direction="up"
    )
    after = list(CaseCategory.objects.order_by("sort_order", "code").values_list("code", "sort_order"))
    assert [c for c, _ in after][:3] == [codes[1], codes[0], codes[2]]
    assert [o for _, o in after] == [10 * (i + 1) for i in range(len(after))]
    # The first one cannot go further up: nothing changes.
    config.category_move(
        actor=county.office_user, category_id=CaseCategory.objects.get(code=codes[1]).pk, direction="up"
    )
    assert list(CaseCategory.objects.order_by("sort_order", "code").values_list("code", "sort_order")) == after
    with pytest.raises(ValidationError):
        config.category_move(
            actor=county.office_user, category_id=CaseCategory.objects.first().pk, direction="sideways"
        )


def test_a_used_category_keeps_its_code_and_cannot_be_deleted(county, file_case, category):
    case = file_case()
    with pytest.raises(ValidationError) as caught:
        config.category_update(actor=county.office_user, category_id=category.pk, code="finance")
    assert "code" in messages_of(caught.value)
    with pytest.raises(ValidationError) as caught:
        config.category_delete(actor=county.office_user, category_id=category.pk)
    assert caught.value.code == "category_in_use"
    assert "only deactivated" in caught.value.messages[0]
    # Deactivating is the way: the case keeps its category.
    config.category_update(actor=county.office_user, category_id=category.pk, is_active=False)
    case.refresh_from_db()
    assert case.category_id == category.pk


def test_an_unused_category_is_deleted_with_its_overrides(county):
    market = CaseCategory.objects.get(code="market")
    config.deadline_rule_set(
        actor=county.office_user, category_id=market.pk, urgency="normal", accept_days=2, resolve_days=8
    )
    config.category_update(actor=county.office_user, category_id=market.pk, code="markets")
    config.category_delete(actor=county.office_user, category_id=market.pk)
    assert not CaseCategory.objects.filter(pk=market.pk).exists()
    assert not DeadlineRule.objects.filter(category_id=market.pk).exists()
    with pytest.raises(Http404):
        config.category_delete(actor=county.office_user, category_id=market.pk)


def test_the_last_active_category_stays(county):
    last = CaseCategory.objects.get(code="other")
    CaseCategory.objects.exclude(pk=last.pk).update(is_active=False)
    with pytest.raises(ValidationError) as caught:
        config.category_update(actor=county.office_user, category_id=last.pk, is_active=False)
    assert "is_active" in messages_of(caught.value)


# Deadline rules ---------------------------------------------------------------------------------------------


def test_set_the_default_and_an_override(county, category):
    rule = config.deadline_rule_set(
        actor=county.office_user, category_id=None, urgency="normal", accept_days=2, resolve_days=7
    )
    assert DeadlineRule.objects.filter(category=None, urgency="normal").count() == 1
    assert (rule.accept_days, rule.resolve_days) == (2, 7)
    assert deadlines.limits_for(category.pk, "normal") == deadlines.Limits(2, 7)

    override = config.deadline_rule_set(
        actor=county.office_user, category_id=category.pk, urgency="normal", accept_days=1, resolve_days=10
    )
    assert deadlines.limits_for(category.pk, "normal") == deadlines.Limits(1, 10)
    # Setting it again replaces it.
    again = config.deadline_rule_set(
        actor=county.office_user, category_id=category.pk, urgency="normal", accept_days=3, resolve_days=12
    )
    assert again.pk == override.pk and deadlines.limits_for(category.pk, "normal") == deadlines.Limits(3, 12)

    config.deadline_rule_delete(actor=county.office_user, rule_id=override.pk)
    assert deadlines.limits_for(category.pk, "normal") == deadlines.Limits(2, 7)


@pytest.mark.parametrize(
    ("accept", "resolve", "field"),
    [
        (0, 5, "accept_days"),
        (1, 91, "resolve_days"),
        (-1, 5, "accept_days"),
        ("x", 5, "accept_days"),
        (1, None, "resolve_days"),
        (1.5, 5, "accept_days"),
        (6, 5, "accept_days"),  # longer to accept than to resolve
    ],
)
def test_days_are_between_1_and_90(county, accept, resolve, field):
    with pytest.raises(ValidationError) as caught:
        config.deadline_rule_set(
            actor=county.office_user, category_id=None, urgency="urgent", accept_days=accept, resolve_days=resolve
        )
    assert field in messages_of(caught.value)
    assert DeadlineRule.objects.get(category=None, urgency="urgent").resolve_days == 3


def test_unknown_urgency_and_category(county):
    with pytest.raises(ValidationError) as caught:
        config.deadline_rule_set(
            actor=county.office_user, category_id=None, urgency="asap", accept_days=1, resolve_days=2
        )
    assert "urgency" in messages_of(caught.value)
    with pytest.raises(ValidationError) as caught:
        config.deadline_rule_set(
            actor=county.office_user, category_id=99999, urgency="normal", accept_days=1, resolve_days=2
        )
    assert "category" in messages_of(caught.value)


def test_a_default_cannot_be_removed(county):
    default = DeadlineRule.objects.get(category=None, urgency="normal")
    with pytest.raises(ValidationError) as caught:
        config.deadline_rule_delete(actor=county.office_user, rule_id=default.pk)
    assert caught.value.code == "default_rule"
    assert DeadlineRule.objects.filter(pk=default.pk).exists()


def test_running_cases_keep_the_limits_they_were_assigned_with(county, file_case, category):
    running = file_case()
    dispatch.case_assign(actor=county.office_user, case_id=running.pk, lead_unit_id=county.gxj.pk)
    running.refresh_from_db()
    due_before = running.due_at

    config.deadline_rule_set(
        actor=county.office_user, category_id=category.pk, urgency="normal", accept_days=2, resolve_days=20
    )
    assert config.running_cases(category.pk, "normal") == 1
    # The running case's deadline, even recomputed from its trail, does not move.
    deadlines.refresh_deadlines(running)
    running.refresh_from_db()
    assert running.due_at == due_before
    assigned = running.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert (assigned.payload["accept_days"], assigned.payload["resolve_days"]) == (1, 5)

    later = file_case()
    dispatch.case_assign(actor=county.office_user, case_id=later.pk, lead_unit_id=county.gxj.pk)
    later.refresh_from_db()
    assert later.events.get(kind=CaseEvent.Kind.ASSIGNED).payload["resolve_days"] == 20
    assert later.due_at > due_before


def test_running_cases_of_a_default_leave_out_overridden_categories(county, file_case, category):
    dispatch.case_assign(actor=county.office_user, case_id=file_case().pk, lead_unit_id=county.gxj.pk)
    assert config.running_cases(None, "normal") == 1
    config.deadline_rule_set(
        actor=county.office_user, category_id=category.pk, urgency="normal", accept_days=1, resolve_days=6
    )
    assert config.running_cases(None, "normal") == 0
    assert Case.objects.filter(state="assigned").count() == 1
