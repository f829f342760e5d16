"""The learned suggestions (cases.smart.learning, cases.services.smart_dispatch.suggestion_model_train):
what is learned from, what it predicts for unseen wording, the words shown, versions, the catalogue
fallback, and the train / evaluate commands and the scheduled task."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cases.models import SuggestionModel
from cases.services import smart_dispatch
from cases.smart import catalogue, learning
from cases.tasks import train_dispatch_model

pytest_plugins = ["cases.tests.test_smart_support"]

# New problems, worded unlike any in the history.
NEW_LOAN = ("银行要求先还款再续贷", "我们公司的贷款月底到期，银行坚持先还后贷，企业拿不出过桥资金，请协调续贷。")
NEW_WORKERS = ("车间缺工人招聘困难", "新接了订单，车间缺二十个普工和几个技工，招聘会也招不到工人。")
NEW_ROAD = ("门口道路塌陷大车进不来", "厂区门口道路路面塌陷，雨天积水，运货大车进不来，请修路。")


def test_examples_are_the_accepted_dispatches_not_the_returned(county, make_history):
    cases = make_history(returned=True)
    found = learning.examples()
    assert len(found) == len(cases) - 3
    assert {e.case_id for e in found} == {c.pk for c in cases} - {
        c.pk for c in cases if c.assignments.filter(state="returned").exists()
    }


def test_the_enterprises_own_township_is_learned_as_the_locality(county, make_history):
    make_history()
    leads = {e.lead for e in learning.examples()}
    assert leads == {str(county.fgj.pk), str(county.gxj.pk), catalogue.LOCALITY}


def test_too_little_history_learns_nothing(county, make_history):
    make_history()
    with pytest.raises(learning.NotEnoughHistory):
        smart_dispatch.suggestion_model_train(cutoff=timezone.now() - timedelta(days=20))
    assert not SuggestionModel.objects.exists()


@pytest.mark.parametrize(
    ("text", "category", "lead"),
    [(NEW_LOAN, "financing", "fgj"), (NEW_WORKERS, "labour", "gxj"), (NEW_ROAD, "infrastructure", None)],
    ids=["loan", "workers", "road"],
)
def test_unseen_wording_is_suggested_its_category_and_lead(county, trained, categories, text, category, lead):
    suggested = smart_dispatch.suggest_for_text(*text, county.ent_b)
    assert suggested.category_source == "model"
    assert suggested.categories[0]["id"] == categories[category].pk
    expected_lead = getattr(county, lead) if lead else county.town_b_gov  # ent_b lies in 雀塘镇
    assert suggested.leads[0]["unit_id"] == expected_lead.pk
    assert suggested.leads[0]["locality"] is (lead is None)
    assert len(suggested.categories) == 3 and len(suggested.leads) == 3
    assert suggested.categories[0]["p"] > suggested.categories[1]["p"]
    # The words shown are words of this text.
    words = suggested.categories[0]["words"]
    assert words and all(w in text[0] + text[1] for w in words)


def test_versions_count_up_and_the_newest_is_in_use(county, trained):
    second = smart_dispatch.suggestion_model_train(trained_by="again")
    assert (trained.version, second.version) == (1, 2)
    trained.refresh_from_db()
    assert not trained.is_active and second.is_active
    assert learning.active_model()[0] == second
    assert second.case_count == 36 and second.category_count == 3 and second.lead_count == 3


def test_below_the_threshold_the_catalogue_suggests(county, trained, catalogue, categories, settings):
    settings.DISPATCH_CONFIDENCE_PERCENT = 99
    suggested = smart_dispatch.suggest_for_text(*NEW_LOAN, county.ent_a)
    assert (suggested.category_source, suggested.lead_source) == ("catalogue", "catalogue")
    assert suggested.categories[0]["id"] == categories["financing"].pk
    assert {"贷款", "续贷", "银行"} <= set(suggested.categories[0]["words"])
    assert suggested.leads[0]["unit_id"] == county.fgj.pk
    # The catalogue's co-handling unit and the enterprise's township come along.
    assert suggested.co_unit_ids == [county.gxj.pk]
    assert suggested.locality_unit_ids == [county.town_a_gov.pk]


def test_without_a_model_the_catalogue_suggests_and_the_locality_can_lead(county, catalogue, categories):
    suggested = smart_dispatch.suggest_for_text(*NEW_ROAD, county.ent_b)
    assert suggested.model is None
    assert suggested.categories[0]["id"] == categories["infrastructure"].pk
    assert suggested.leads[0] == suggested.leads[0] | {"unit_id": county.town_b_gov.pk, "locality": True}
    # The locality already leads: it is not added again as locality unit.
    assert suggested.locality_unit_ids == []


def test_no_model_and_no_keyword_suggests_nothing(county, catalogue):
    suggested = smart_dispatch.suggest_for_text("专利资助咨询", "想了解发明专利的资助标准。", county.ent_a)
    assert suggested.categories == [] and suggested.leads == []


def test_train_command_prints_the_version(county, make_history):
    make_history()
    out = io.StringIO()
    call_command("dispatch_train", stdout=out)
    assert out.getvalue().startswith("v1: 36 cases, 3 categories, 3 lead units")


def test_train_command_refuses_thin_history(county):
    with pytest.raises(CommandError, match="Not enough history: 0 accepted cases"):
        call_command("dispatch_train", stdout=io.StringIO())


def test_scheduled_task_trains_or_says_why_not(county, make_history):
    assert train_dispatch_model.delay().get() == "not enough history (0 accepted cases)"
    make_history()
    assert train_dispatch_model.delay().get() == "v1: 36 cases"


def test_evaluate_command_compares_learned_and_catalogue(county, make_history, catalogue):
    cases = make_history()
    split = timezone.localdate(cases[30].submitted_at)
    out = io.StringIO()
    call_command("dispatch_evaluate", "--split", split.isoformat(), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("trained on 30 cases before")
    assert lines[0].endswith("tested on 6 from it")
    assert [line.split()[0] for line in lines[2:]] == ["catalogue", "learned", "served"]


def test_evaluate_command_rejects_a_bad_date(county):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("dispatch_evaluate", "--split", "2026-13-01", stdout=io.StringIO())
