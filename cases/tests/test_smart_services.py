"""Suggesting, confirming and recording (cases.services.smart_dispatch): a suggestion is recorded once per
case and text and model, the one-click confirm assigns as suggested, every assignment decides the open
suggestion with the ranks of what was chosen, and only the office may do any of it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cases.models import Assignment, Case, DispatchSuggestion
from cases.selectors import smart
from cases.services import dispatch, smart_dispatch

pytest_plugins = ["cases.tests.test_smart_support"]

LOAN = {
    "title": "银行要求先还款再续贷",
    "description": "公司贷款月底到期，银行坚持先还后贷，企业拿不出过桥资金，请协调续贷。",
}


@pytest.fixture
def new_case(county, file_case, categories):
    return file_case(enterprise=county.ent_a, category_id=categories["other"].pk, **LOAN)


def test_a_suggestion_is_recorded_once_while_nothing_changes(county, trained, new_case, categories):
    first = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    again = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    assert first.pk == again.pk and DispatchSuggestion.objects.count() == 1
    assert first.model_version == 1 and first.category_source == "model"
    assert first.categories[0]["id"] == categories["financing"].pk
    assert first.leads[0]["unit_id"] == county.fgj.pk


def test_a_newer_model_suggests_afresh_on_the_same_record(county, trained, new_case):
    first = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    smart_dispatch.suggestion_model_train(trained_by="again")
    second = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    assert second.pk == first.pk and second.model_version == 2


def test_confirm_assigns_as_suggested_and_records_it(county, trained, catalogue, new_case, categories):
    suggestion = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    case = smart_dispatch.dispatch_confirm(actor=county.office_user, case_id=new_case.pk, suggestion_id=suggestion.pk)
    assert case.state == Case.State.ASSIGNED
    assert case.category == categories["financing"]
    live = {(a.role, a.unit_id) for a in case.assignments.all()}
    # The catalogue's co-handling unit of financing (工信局) and ent_a's township (酿溪镇) come along.
    assert live == {
        (Assignment.Role.LEAD, county.fgj.pk),
        (Assignment.Role.CO, county.gxj.pk),
        (Assignment.Role.LOCALITY, county.town_a_gov.pk),
    }
    suggestion.refresh_from_db()
    assert (suggestion.category_rank, suggestion.lead_rank, suggestion.confirmed) == (1, 1, True)
    assert suggestion.decided_by == county.office_user and suggestion.chosen_lead == county.fgj
    assert case.events.filter(kind="assigned").count() == 1


def test_a_correction_through_the_assign_form_is_recorded_with_its_rank(county, trained, new_case, categories):
    suggestion = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    second_lead = suggestion.leads[1]["unit_id"]
    dispatch.case_assign(
        actor=county.office_user, case_id=new_case.pk, lead_unit_id=second_lead, category_id=categories["labour"].pk
    )
    suggestion.refresh_from_db()
    labour_rank = [c["id"] for c in suggestion.categories].index(categories["labour"].pk) + 1
    assert (suggestion.category_rank, suggestion.lead_rank, suggestion.confirmed) == (labour_rank, 2, False)
    accuracy = smart.accuracy(county.office_user)
    assert (accuracy.decided, accuracy.category_top1, accuracy.lead_top1, accuracy.lead_top3) == (1, 0, 0, 1)


def test_a_unit_outside_the_suggestions_has_no_rank(county, trained, new_case):
    suggestion = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    outside = county.gxj_sme
    assert outside.pk not in [e["unit_id"] for e in suggestion.leads]
    dispatch.case_assign(actor=county.office_user, case_id=new_case.pk, lead_unit_id=outside.pk)
    suggestion.refresh_from_db()
    assert suggestion.lead_rank is None and suggestion.decided_at is not None


def test_an_assignment_without_a_shown_suggestion_records_nothing(county, new_case):
    dispatch.case_assign(actor=county.office_user, case_id=new_case.pk, lead_unit_id=county.gxj.pk)
    assert not DispatchSuggestion.objects.exists()


def test_a_decided_suggestion_cannot_be_confirmed_again(county, trained, new_case):
    suggestion = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)
    smart_dispatch.dispatch_confirm(actor=county.office_user, case_id=new_case.pk, suggestion_id=suggestion.pk)
    with pytest.raises(ValidationError, match="already decided"):
        smart_dispatch.dispatch_confirm(actor=county.office_user, case_id=new_case.pk, suggestion_id=suggestion.pk)


def test_a_suggestion_of_another_case_is_refused(county, trained, new_case, file_case):
    other = file_case(enterprise=county.ent_b, actor=county.office_user, channel=Case.Channel.HOTLINE)
    suggestion = smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=other.pk)
    with pytest.raises(ValidationError, match="No such suggestion"):
        smart_dispatch.dispatch_confirm(actor=county.office_user, case_id=new_case.pk, suggestion_id=suggestion.pk)


def test_a_dispatched_case_gets_no_suggestion(county, trained, new_case):
    dispatch.case_assign(actor=county.office_user, case_id=new_case.pk, lead_unit_id=county.gxj.pk)
    with pytest.raises(ValidationError, match="awaiting dispatch"):
        smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=new_case.pk)


@pytest.mark.parametrize("who", ["gxj_handler", "gxj_head", "ent_a_user", "leader"])
def test_only_the_office_is_suggested_to(county, trained, new_case, who):
    with pytest.raises(PermissionDenied):
        smart_dispatch.dispatch_suggest(actor=getattr(county, who), case_id=new_case.pk)


def test_an_unknown_case_is_404(county, trained):
    with pytest.raises(Http404):
        smart_dispatch.dispatch_suggest(actor=county.office_user, case_id=987654)


def test_catalogue_entry_checks_its_input(county, categories):
    office = county.office_user
    with pytest.raises(ValidationError, match="not both"):
        smart_dispatch.dispatch_rule_save(
            actor=office, category_id=categories["land"].pk, lead_unit_id=county.gxj.pk, lead_is_locality=True
        )
    with pytest.raises(ValidationError, match="No active handling unit"):
        smart_dispatch.dispatch_rule_save(
            actor=office, category_id=categories["land"].pk, co_unit_ids=[county.office.pk]
        )
    with pytest.raises(ValidationError, match="cannot also be a co-handling unit"):
        smart_dispatch.dispatch_rule_save(
            actor=office, category_id=categories["land"].pk, lead_unit_id=county.gxj.pk, co_unit_ids=[county.gxj.pk]
        )
    with pytest.raises(ValidationError, match="too long"):
        smart_dispatch.dispatch_rule_save(actor=office, category_id=categories["land"].pk, keywords="用地" * 11)
    with pytest.raises(PermissionDenied):
        smart_dispatch.dispatch_rule_save(actor=county.gxj_head, category_id=categories["land"].pk)
    rule = smart_dispatch.dispatch_rule_save(
        actor=office, category_id=categories["land"].pk, keywords="用地，土地、厂房 用地", lead_unit_id=county.fgj.pk
    )
    assert rule.keyword_list() == ["用地", "土地", "厂房"]
