"""The smart-dispatch pages: the triage panel on a case awaiting dispatch and its one-click confirm, the
duplicates shown while filing, the office's overview (accuracy, versions, catalogue) and catalogue form,
training from the page, the candidate common issues with their one-click merge, and the dashboard tile.
The office only (others 403); list pages cost the same queries whatever their length."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CommonIssue, DispatchRule, DispatchSuggestion, SuggestionModel
from cases.tests.test_smart_similarity import LOAN, PATENT, ROAD, ROAD_AGAIN, ROAD_HOTLINE, WATER, WATER_AGAIN
from conftest import make_credit_code
from enterprises.models import Enterprise

pytest_plugins = ["cases.tests.test_smart_support"]


@pytest.fixture
def hotline(county, file_case, categories):
    def _file(enterprise, text, category="other"):
        return file_case(
            enterprise=enterprise,
            actor=county.office_user,
            channel=Case.Channel.HOTLINE,
            title=text[0],
            description=text[1],
            category_id=categories[category].pk,
        )

    return _file


def test_the_case_page_loads_the_panel_for_the_office_only(county, login, hotline):
    case = hotline(county.ent_a, LOAN)
    url = reverse("case_suggestions", args=[case.pk])
    assert url in login(county.office_user).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert url not in login(county.ent_a_user).get(reverse("case_detail", args=[case.pk])).content.decode()


def test_panel_shows_ranked_suggestions_with_words_and_confirms_in_one_click(
    county, login, trained, catalogue, hotline, categories
):
    case = hotline(county.ent_a, LOAN)
    client = login(county.office_user)
    response = client.get(reverse("case_suggestions", args=[case.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    suggestion = DispatchSuggestion.objects.get(case=case)
    assert html.count('data-testid="suggested-category"') == 3 and html.count('data-testid="suggested-lead"') == 3
    assert "融资" in html and "县发改局" in html and "贷款" in html
    assert "Assign as suggested: 融资 → 县发改局" in html
    confirm = reverse("case_suggestion_confirm", args=[case.pk, suggestion.pk])
    assert confirm in html
    response = client.post(confirm, follow=True)
    assert response.redirect_chain[-1][0] == reverse("case_detail", args=[case.pk])
    assert "The case is assigned as suggested." in response.content.decode()
    case.refresh_from_db()
    assert (case.state, case.lead_unit, case.category) == (Case.State.ASSIGNED, county.fgj, categories["financing"])
    # Clicked twice (a stale page): told, nothing assigned again.
    again = client.post(confirm, follow=True)
    assert "already decided" in again.content.decode()
    assert case.events.filter(kind="assigned").count() == 1


def test_panel_without_htmx_is_a_page_of_its_own(county, login, hotline):
    case = hotline(county.ent_a, ROAD)
    response = login(county.office_user).get(reverse("case_suggestions", args=[case.pk]))
    assert response.status_code == 200 and "<html" in response.content.decode()


def test_panel_lists_duplicates_and_similar_cases_with_a_merge_link(county, login, hotline):
    first = hotline(county.ent_a, ROAD)
    other = hotline(county.ent_b, ROAD_HOTLINE)
    hotline(county.ent_c, LOAN)
    repeat = hotline(county.ent_a, ROAD_AGAIN)
    html = login(county.office_user).get(reverse("case_suggestions", args=[repeat.pk]), HTTP_HX_REQUEST="true")
    html = html.content.decode()
    assert html.count('data-testid="duplicate-case"') == 1 and first.number in html
    assert html.count('data-testid="similar-case"') == 1 and other.number in html
    assert f"case_ids={repeat.pk}&amp;case_ids={other.pk}" in html


@pytest.mark.parametrize("who", ["gxj_handler", "ent_a_user", "leader"])
def test_panel_and_confirm_are_the_offices(county, login, trained, hotline, who):
    case = hotline(county.ent_a, LOAN)
    client = login(getattr(county, who))
    assert client.get(reverse("case_suggestions", args=[case.pk])).status_code == 403
    assert client.post(reverse("case_suggestion_confirm", args=[case.pk, 1])).status_code == 403


def test_intake_shows_possible_duplicates_while_typing(county, login, hotline):
    first = hotline(county.ent_a, ROAD)
    client = login(county.office_user)
    url = reverse("case_new_similar")
    html = client.post(
        url, {"title": ROAD_AGAIN[0], "description": ROAD_AGAIN[1], "enterprise_ids": [county.ent_a.pk]}
    ).content.decode()
    assert 'data-testid="duplicate-case"' in html and first.number in html
    html = client.post(
        url, {"title": PATENT[0], "description": PATENT[1], "enterprise_ids": [county.ent_a.pk]}
    ).content.decode()
    assert 'data-testid="duplicate-case"' not in html and 'data-testid="no-duplicates"' in html
    assert url in client.get(reverse("case_new")).content.decode()
    assert login(county.gxj_handler).post(url, {"title": ROAD[0]}).status_code == 403


def test_an_enterprise_filing_again_is_shown_its_own_alike_problem(county, login, file_case):
    first = file_case(title=ROAD[0], description=ROAD[1])  # ent_a's own user files it
    url = reverse("case_file_similar")
    client = login(county.ent_a_user)
    assert url in client.get(reverse("case_file")).content.decode()
    html = client.post(url, {"title": ROAD_AGAIN[0], "description": ROAD_AGAIN[1]}).content.decode()
    assert 'data-testid="own-duplicate"' in html and first.number in html
    assert (
        'data-testid="own-duplicate"'
        not in client.post(url, {"title": PATENT[0], "description": PATENT[1]}).content.decode()
    )
    # Another enterprise typing the same words is not shown ent_a's problem.
    other = login(county.ent_b_user).post(url, {"title": ROAD_AGAIN[0], "description": ROAD_AGAIN[1]})
    assert other.status_code == 200 and first.number not in other.content.decode()
    assert login(county.office_user).post(url, {"title": ROAD[0]}).status_code == 403


def test_overview_shows_accuracy_versions_and_catalogue(county, login, trained, catalogue, hotline):
    case = hotline(county.ent_a, LOAN)
    client = login(county.office_user)
    client.get(reverse("case_suggestions", args=[case.pk]), HTTP_HX_REQUEST="true")
    suggestion = DispatchSuggestion.objects.get(case=case)
    client.post(reverse("case_suggestion_confirm", args=[case.pk, suggestion.pk]))
    html = client.get(reverse("dispatch_overview")).content.decode()
    assert 'data-testid="accuracy-decided">1<' in html
    assert 'data-testid="accuracy-category-top1">100%<' in html
    assert html.count('data-testid="model-row"') == 1
    assert html.count('data-testid="catalogue-row"') == 14  # every active category, with or without an entry
    assert "招工 用工 工人 社保 培训" in html
    assert login(county.gxj_head).get(reverse("dispatch_overview")).status_code == 403


def test_overview_queries_do_not_grow_with_the_catalogue(
    county, login, catalogue, categories, django_assert_max_num_queries
):
    client = login(county.office_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dispatch_overview"))
    from cases.services import smart_dispatch

    for code in ("land", "market", "logistics", "environment"):
        smart_dispatch.dispatch_rule_save(
            actor=county.office_user, category_id=categories[code].pk, keywords=code, co_unit_ids=[county.gxj.pk]
        )
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("dispatch_overview"))
    assert len(more) == len(few)


def test_catalogue_form_saves_and_explains_bad_input(county, login, categories):
    client = login(county.office_user)
    url = reverse("dispatch_rule_edit", args=[categories["land"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"keywords": "用地", "lead_unit": county.gxj.pk, "lead_is_locality": "on"})
    assert response.status_code == 200
    assert "Either a lead unit or the locality leads, not both." in response.content.decode()
    assert not DispatchRule.objects.exists()
    response = client.post(
        url, {"keywords": "用地 土地", "lead_unit": county.fgj.pk, "co_units": [county.gxj.pk], "add_locality": "on"}
    )
    assert response.status_code == 302
    rule = DispatchRule.objects.get(category=categories["land"])
    assert (rule.keywords, rule.lead_unit, list(rule.co_units.all()), rule.add_locality) == (
        "用地 土地",
        county.fgj,
        [county.gxj],
        True,
    )
    assert login(county.fgj_handler).post(url, {"keywords": "x"}).status_code == 403


def test_train_from_the_page(county, login, make_history):
    client = login(county.office_user)
    response = client.post(reverse("dispatch_train"), follow=True)
    assert "Training finished: not enough history (0 accepted cases)." in response.content.decode()
    make_history()
    response = client.post(reverse("dispatch_train"), follow=True)
    assert "Training finished: v1: 36 cases." in response.content.decode()
    assert SuggestionModel.objects.get().is_active


def test_clusters_page_merges_a_cluster_in_one_click(county, login, hotline):
    roads = [hotline(county.ent_a, ROAD), hotline(county.ent_b, ROAD_AGAIN), hotline(county.ent_c, ROAD_HOTLINE)]
    hotline(county.ent_c, PATENT)
    client = login(county.office_user)
    html = client.get(reverse("dispatch_clusters")).content.decode()
    assert html.count('data-testid="cluster"') == 1 and html.count('data-testid="cluster-case"') == 3
    data = {"case_ids": [c.pk for c in roads], "title": roads[0].title}
    response = client.post(reverse("common_issue_merge"), data)
    issue = CommonIssue.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("common_issue_detail", args=[issue.pk])
    assert set(issue.cases.values_list("pk", flat=True)) == {c.pk for c in roads}
    assert 'data-testid="no-clusters"' in client.get(reverse("dispatch_clusters")).content.decode()
    assert login(county.gxj_handler).get(reverse("dispatch_clusters")).status_code == 403


def test_clusters_page_queries_do_not_grow_with_clusters(county, login, hotline):
    extra = [
        Enterprise.objects.create(credit_code=make_credit_code(700 + i), name=f"测试企业{i}", region=county.town_b)
        for i in range(2)
    ]
    hotline(county.ent_a, ROAD)
    hotline(county.ent_b, ROAD_AGAIN)
    client = login(county.office_user)
    client.get(reverse("dispatch_clusters"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("dispatch_clusters"))
    hotline(extra[0], WATER)
    hotline(extra[1], WATER_AGAIN)
    hotline(county.ent_c, ROAD_HOTLINE)
    with CaptureQueriesContext(connection) as two:
        html = client.get(reverse("dispatch_clusters")).content.decode()
    assert html.count('data-testid="cluster"') == 2
    assert len(two) == len(one)


def test_dashboard_shows_the_accuracy_to_the_office(county, login, trained, hotline):
    case = hotline(county.ent_a, LOAN)
    client = login(county.office_user)
    client.get(reverse("case_suggestions", args=[case.pk]), HTTP_HX_REQUEST="true")
    client.post(reverse("case_suggestion_confirm", args=[case.pk, DispatchSuggestion.objects.get().pk]))
    html = client.get(reverse("report_dashboard")).content.decode()
    assert 'data-testid="dashboard-dispatch-accuracy"' in html and 'data-testid="accuracy-decided">1<' in html
    assert (
        'data-testid="dashboard-dispatch-accuracy"'
        not in login(county.leader).get(reverse("report_dashboard")).content.decode()
    )
