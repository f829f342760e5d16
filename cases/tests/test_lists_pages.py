"""The /cases/ page: tabs with counts for each role, the rows in scope, filters, search, sort, the deadline
level filter against the badges (with the clock moved), bad filter input, pagination, pinned queries, and
the cases panel of the enterprise profile."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role, User
from cases.models import Case, Urgency
from cases.services import dispatch
from cases.tests.test_lists_support import file, more_cases
from conftest import make_credit_code

pytest_plugins = ["cases.tests.test_lists_support"]

URL = "/cases/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def numbers(response) -> list[str]:
    return [case.number for case in response.context["page"]]


def titles(response) -> set[str]:
    return {case.title for case in response.context["page"]}


def tab_counts(response) -> dict[str, int]:
    return {tab["queue"].key: tab["count"] for tab in response.context["tabs"]}


def test_url_name():
    assert reverse("case_list") == URL and reverse("case_export") == "/cases/export/"


def test_signed_out_users_go_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_user_without_a_role_gets_403(as_user, make_user):
    assert as_user(make_user("norole")).get(URL).status_code == 403


def test_office_page_shows_tabs_with_counts_and_the_first_tab(county, world, as_user):
    response = as_user(county.office_user).get(URL)
    assert response.status_code == 200
    assert response.context["queue"].key == "new"
    assert tab_counts(response) == {"new": 1, "returned": 1, "overdue": 0, "extensions": 1, "listed": 1, "all": 8}
    assert titles(response) == {"厂房用电增容"}
    html = response.content.decode()
    assert html.count('data-testid="queue-tab"') == 6
    assert f'href="{reverse("case_detail", args=[world.new.pk])}"' in html
    assert 'aria-current="page"' in html

    response = as_user(county.office_user).get(URL, {"queue": "listed"})
    assert titles(response) == {"新材料项目用地"}
    html = response.content.decode()
    assert 'data-testid="case-listed"' in html and 'data-testid="deadline-level"' in html
    assert "县工信局中小企业股" in html and "邵水新材料股份有限公司" in html

    # A returned case's old deadline no longer runs: no date, no badge.
    html = as_user(county.office_user).get(URL, {"queue": "returned"}).content.decode()
    assert 'data-testid="case-row"' in html and 'data-testid="deadline-level"' not in html
    assert world.returned.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") not in html


@pytest.mark.parametrize(
    ("username", "queue", "expected"),
    [
        ("gxj_handler", "all", {"贷款到期续贷困难", "冷链物流补贴", "技改补贴兑现", "研发费用加计扣除", "招工难"}),
        ("gxj_handler", "", {"贷款到期续贷困难"}),  # to accept
        ("gxj_head", "to_approve", {"研发费用加计扣除"}),
        ("fgj_handler", "in_progress", {"食品许可证延续"}),
        ("town_a_handler", "all", {"贷款到期续贷困难"}),
        ("ent_a", "", {"厂房用电增容", "贷款到期续贷困难", "技改补贴兑现", "招工难"}),
        ("ent_b", "", {"食品许可证延续", "冷链物流补贴"}),
        ("leader", "", {"新材料项目用地", "研发费用加计扣除"}),
        ("cadre", "", {"新材料项目用地", "研发费用加计扣除"}),
        (
            "auditor",
            "",
            {
                "厂房用电增容",
                "贷款到期续贷困难",
                "食品许可证延续",
                "新材料项目用地",
                "冷链物流补贴",
                "技改补贴兑现",
                "研发费用加计扣除",
                "招工难",
            },
        ),
    ],
)
def test_each_role_sees_its_queue(county, world, as_user, username, queue, expected):
    response = as_user(User.objects.get(username=username)).get(URL, {"queue": queue} if queue else {})
    assert response.status_code == 200
    assert titles(response) == expected


def test_another_unit_sees_an_empty_list(county, world, as_user, make_user):
    town_b = make_user("town_b_handler", Role.UNIT_HANDLER, unit=county.town_b_gov)
    for queue in ("to_accept", "in_progress", "all"):
        response = as_user(town_b).get(URL, {"queue": queue})
        assert numbers(response) == []
    assert set(tab_counts(response).values()) == {0}
    assert 'data-testid="case-empty"' in response.content.decode()


def test_enterprise_sees_what_is_expected_of_it(county, world, as_user):
    response = as_user(county.ent_a_user).get(URL)
    html = response.content.decode()
    expected = dict(re.findall(r'data-number="([^"]+)".*?(?:data-expected="([^"]*)"|</tr>)', html, re.S))
    assert expected[world.resolved.number] == "rate"
    assert expected[world.waiting.number] == "supply_material"
    assert expected[world.new.number] == ""
    # No lead-unit, region or channel filters for an enterprise, and no enterprise column.
    assert 'name="lead_unit"' not in html and 'name="region"' not in html
    assert 'data-testid="case-file-link"' in html


def test_filters(county, world, as_user, category):
    client = as_user(county.office_user)

    def found(**params):
        return titles(client.get(URL, {"queue": "all", **params}))

    assert found(state="waiting") == {"招工难"}
    assert found(category=category.pk) == found()
    assert found(category=999999) == found()  # not a category: not applied (and said next to the field)
    assert found(channel="self_service") == {"厂房用电增容", "贷款到期续贷困难"}
    assert found(lead_unit=county.fgj.pk) == {"食品许可证延续"}
    # 工信局 includes the case its section leads.
    assert found(lead_unit=county.gxj.pk) == {
        "贷款到期续贷困难",
        "新材料项目用地",
        "技改补贴兑现",
        "研发费用加计扣除",
        "招工难",
    }
    assert found(region=county.town_b.pk) == {"食品许可证延续", "冷链物流补贴"}
    assert len(found(region=county.region.pk)) == 8
    assert found(listed="yes") == {"新材料项目用地"}
    assert found(outcome="answered") == found(outcome="solved") == {"技改补贴兑现"}
    assert len(found(listed="no")) == 7
    assert found(level="paused") == {"招工难"}
    assert found(enterprise=county.ent_c.pk) == {"新材料项目用地", "研发费用加计扣除"}
    # Filters narrow a tab; they do not leave it.
    assert titles(client.get(URL, {"queue": "new", "state": "waiting"})) == set()


def test_urgency_and_submitted_dates(county, category, as_user):
    c = county
    with time_machine.travel(datetime(2026, 3, 2, 23, 30, tzinfo=SHANGHAI), tick=False):
        late_monday = file(c, category, c.ent_a, title="周一深夜", urgency=Urgency.URGENT)
    with time_machine.travel(datetime(2026, 3, 3, 0, 10, tzinfo=SHANGHAI), tick=False):
        file(c, category, c.ent_a, title="周二凌晨")
    client = as_user(c.office_user)

    def found(**params):
        return titles(client.get(URL, {"queue": "all", **params}))

    # Whole local days: 23:30 on Monday in Shanghai is Monday, though it is Monday 15:30 in UTC either way.
    assert found(submitted_from="2026-03-02", submitted_to="2026-03-02") == {"周一深夜"}
    assert found(submitted_from="2026-03-03") == {"周二凌晨"}
    assert found(submitted_to="2026-03-03") == {"周一深夜", "周二凌晨"}
    assert found(urgency="urgent") == {"周一深夜"}
    assert late_monday.urgency == "urgent"


def test_bad_filter_input_is_said_next_to_the_field_and_kept(county, world, as_user):
    response = as_user(county.office_user).get(
        URL, {"queue": "all", "submitted_from": "2026-13-45", "state": "in_progress", "q": "续贷"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="filter-error" data-field="submitted_from"' in html
    assert 'value="2026-13-45"' in html and 'value="续贷"' in html
    # The other filters still apply; the folded filters open to show the mistake.
    assert titles(response) == set()  # no in-progress case mentions 续贷
    assert response.context["more_open"]

    response = as_user(county.office_user).get(
        URL, {"queue": "all", "submitted_from": "2026-03-05", "submitted_to": "2026-03-01"}
    )
    assert 'data-field="submitted_to"' in response.content.decode()


def test_search(county, world, as_user):
    client = as_user(county.office_user)

    def found(q):
        return titles(client.get(URL, {"queue": "all", "q": q}))

    assert found(world.waiting.number) == {"招工难"}
    assert found("邵水新材料") == {"新材料项目用地", "研发费用加计扣除"}
    assert found(make_credit_code(2)) == {"食品许可证延续", "冷链物流补贴"}
    assert found("食品许可") == {"食品许可证延续"}
    assert found("2000千伏安") == {"厂房用电增容"}  # in the description
    assert found("  ") == found("")
    # Search stays inside the scope: 发改局 does not find 工信局's case.
    assert titles(as_user(county.fgj_handler).get(URL, {"queue": "all", "q": "招工"})) == set()


def test_sort(county, world, as_user):
    client = as_user(county.office_user)
    by_number = sorted(c.number for c in vars(world).values())

    def listed(sort):
        return numbers(client.get(URL, {"queue": "all", "sort": sort}))

    assert listed("") == list(reversed(by_number))  # newest first
    assert listed("submitted") == by_number
    assert listed("number") == by_number
    assert listed("-number") == list(reversed(by_number))
    due = listed("due")
    running = sorted((c for c in vars(world).values() if c.due_at), key=lambda c: (c.due_at, c.pk))
    assert due[: len(running)] == [c.number for c in running]
    assert set(due[len(running) :]) == {c.number for c in vars(world).values() if not c.due_at}
    assert listed("nonsense") == list(reversed(by_number))


def test_level_filter_matches_the_badges(county, category, as_user):
    """Four cases assigned at known moments of March 2026 (no holidays), judged on Friday 6 March 10:00."""
    c = county
    moments = {
        "overdue": (datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), Urgency.URGENT),  # due Thu 5 Mar 09:00
        "due_today": (datetime(2026, 3, 3, 14, 0, tzinfo=SHANGHAI), Urgency.URGENT),  # due Fri 6 Mar 14:00
        "due_soon": (datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), Urgency.NORMAL),  # due Mon 9 Mar 09:00
        "on_time": (datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), Urgency.COMPLEX),  # due Mon 23 Mar 09:00
    }
    for title, (moment, urgency) in moments.items():
        with time_machine.travel(moment, tick=False):
            case = file(c, category, c.ent_a, title=title, urgency=urgency)
            dispatch.case_assign(actor=c.office_user, case_id=case.pk, lead_unit_id=c.gxj.pk)
    with time_machine.travel(datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI), tick=False):
        file(c, category, c.ent_a, title="not assigned")  # no deadline: in no level

    client = as_user(c.office_user)
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        for level in moments:
            response = client.get(URL, {"queue": "all", "level": level})
            assert titles(response) == {level}, level
            assert f'data-level="{level}"' in response.content.decode()
        all_rows = client.get(URL, {"queue": "all"}).content.decode()
        for level in moments:
            assert all_rows.count(f'data-level="{level}"') == 1
        assert tab_counts(client.get(URL))["overdue"] == 1
    # A day later the one due soon is due today… on Monday, after the weekend.
    with time_machine.travel(datetime(2026, 3, 9, 8, 0, tzinfo=SHANGHAI), tick=False):
        assert titles(client.get(URL, {"queue": "all", "level": "due_today"})) == {"due_soon"}
        assert titles(client.get(URL, {"queue": "all", "level": "overdue"})) == {"overdue", "due_today"}


def test_tab_links_keep_the_filters_and_the_export_link_the_tab(county, world, as_user):
    html = as_user(county.office_user).get(URL, {"queue": "all", "state": "waiting", "page": "1"}).content.decode()
    assert 'href="?queue=listed&amp;state=waiting"' in html
    assert f'href="{reverse("case_export")}?queue=all&amp;state=waiting"' in html


def test_pagination(county, category, as_user):
    more_cases(county, category, 52)
    client = as_user(county.office_user)
    first = client.get(URL, {"queue": "all"})
    assert len(numbers(first)) == 50 and first.context["page"].paginator.count == 52
    second = client.get(URL, {"queue": "all", "page": 2})
    assert len(numbers(second)) == 2 and not set(numbers(first)) & set(numbers(second))


# The session, the user, their roles, the tab counts (one query), the row count and the page, the category
# choices, the calendar warning; staff: the user's unit (scope and header), the lead-unit and region choices;
# the office: checking the lead-unit filter's value; the enterprise: its name in the header.
PAGE_QUERIES = {"office": 12, "gxj_head": 11, "ent_b": 8}


@pytest.mark.parametrize("username", ["office", "gxj_head", "ent_b"])
def test_page_query_count_is_pinned(county, category, as_user, django_assert_num_queries, username):
    user = User.objects.get(username=username)
    lead = county.gxj if username == "gxj_head" else county.fgj
    params = {"queue": "all", "lead_unit": lead.pk} if username == "office" else {}
    client = as_user(user)
    more_cases(county, category, 2, lead=lead)
    client.get(URL, params)  # warm the per-process caches
    with django_assert_num_queries(PAGE_QUERIES[username]):
        assert len(numbers(client.get(URL, params))) == 2
    more_cases(county, category, 4, lead=lead)
    with django_assert_num_queries(PAGE_QUERIES[username]):
        assert len(numbers(client.get(URL, params))) == 6


# The profile panel ------------------------------------------------------------------------------------------


def render_panel(user, enterprise) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load cases_panels %}{% cases_panel enterprise %}")
    return template.render(Context({"user": user, "enterprise": enterprise, "request": request}))


def test_panel_lists_the_enterprises_cases_the_viewer_sees(county, world, django_assert_num_queries):
    html = render_panel(county.office_user, county.ent_a)
    assert html.count('data-testid="cases-panel-row"') == 4
    assert 'data-testid="cases-open-count" data-count="4"' in html
    assert 'data-testid="deadline-level"' in html and 'data-state="waiting"' in html
    assert f"?queue=all&amp;enterprise={county.ent_a.pk}" in html

    # 工信局's handler sees the three of ent_a's cases its unit holds.
    html = render_panel(county.gxj_handler, county.ent_a)
    assert html.count('data-testid="cases-panel-row"') == 3
    # 发改局 holds one (as co-handler); another enterprise's user sees none of ent_a's.
    assert render_panel(county.fgj_handler, county.ent_a).count('data-testid="cases-panel-row"') == 1
    assert 'data-testid="cases-panel-empty"' in render_panel(county.ent_b_user, county.ent_a)
    # The enterprise itself: its own four, linked to its "mine" tab.
    html = render_panel(county.ent_a_user, county.ent_a)
    assert html.count('data-testid="cases-panel-row"') == 4 and "?queue=mine&amp;" in html


def test_panel_counts_open_cases_and_shows_the_latest_five(county, category, world):
    more_cases(county, category, 6)  # ent_b: six more, plus its two
    case = world.returned
    Case.objects.filter(pk=case.pk).update(state=Case.State.CLOSED)  # only the count is read here
    html = render_panel(county.office_user, county.ent_b)
    assert html.count('data-testid="cases-panel-row"') == 5
    assert 'data-count="7"' in html
    assert "问题5" in html and "冷链物流补贴" not in html


def test_panel_on_the_profile_page(county, world, as_user):
    response = as_user(county.office_user).get(reverse("enterprise_detail", args=[county.ent_c.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="cases-panel"' in html and html.count('data-testid="cases-panel-row"') == 2


def test_panel_query_count(county, world, django_assert_num_queries):
    user = User.objects.select_related("unit").get(pk=county.office_user.pk)
    render_panel(user, county.ent_a)
    with django_assert_num_queries(2):
        render_panel(user, county.ent_a)


def test_date_input_keeps_iso_format(county, world, as_user):
    html = as_user(county.office_user).get(URL, {"queue": "all", "submitted_from": "2026-01-01"}).content.decode()
    assert 'type="date" name="submitted_from" value="2026-01-01"' in html
