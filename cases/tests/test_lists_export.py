"""The ledger (台账) export: the tab and filters of the page, every column, the scope, and a query count that
does not grow with the rows."""

import io
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role, User
from cases.models import Case
from cases.tests.test_lists_support import more_cases

pytest_plugins = ["cases.tests.test_lists_support"]

URL = reverse("case_export")
HEADER = (
    "Number", "Enterprise", "Credit code", "Region", "Title", "Description", "Category", "Urgency", "Channel",
    "Submitted at", "State", "Lead unit", "Co-handling units", "Locality units", "Accept by", "Resolve by",
    "Deadline", "Resolved at", "Outcome", "On time", "Rating", "Times reopened", "Times returned",
    "Listed for supervision", "Closed at",
)  # fmt: skip


@pytest.fixture
def as_user(client):
    # The sheet is read in English (the msgids); the site's default language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def by_number(rows) -> dict[str, dict]:
    return {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}


def test_export_has_every_column_of_every_case_in_the_tab(county, world, as_user):
    rows = sheet_rows(as_user(county.office_user).get(URL, {"queue": "all"}))
    assert rows[0] == HEADER
    ledger = by_number(rows)
    assert set(ledger) == {case.number for case in vars(world).values()}

    assigned = ledger[world.assigned.number]
    assert assigned["Enterprise"] == "湘中机械有限公司" and assigned["Credit code"] == county.ent_a.credit_code
    assert assigned["Region"] == "酿溪镇" and assigned["Category"] == "融资"
    assert assigned["Title"] == "贷款到期续贷困难" and assigned["Description"].startswith("企业流动资金贷款")
    assert (assigned["Urgency"], assigned["Channel"], assigned["State"]) == (
        "normal",
        "enterprise self-service",
        "assigned",
    )
    assert assigned["Lead unit"] == "县工信局"
    assert assigned["Co-handling units"] == "县发改局" and assigned["Locality units"] == "酿溪镇人民政府"
    assert isinstance(assigned["Submitted at"], datetime) and isinstance(assigned["Resolve by"], datetime)
    assert isinstance(assigned["Accept by"], datetime) and assigned["Deadline"] == "on time"
    assert (assigned["Times returned"], assigned["Times reopened"], assigned["Listed for supervision"]) == (0, 0, "no")

    resolved = ledger[world.resolved.number]
    assert resolved["State"] == "resolved" and resolved["Outcome"] == "solved" and resolved["On time"] == "yes"
    assert isinstance(resolved["Resolved at"], datetime) and resolved["Deadline"] is None

    returned = ledger[world.returned.number]
    assert returned["Times returned"] == 1 and returned["Lead unit"] is None and returned["Co-handling units"] is None
    assert ledger[world.listed.number]["Listed for supervision"] == "yes"
    assert ledger[world.waiting.number]["Deadline"] == "paused"
    assert ledger[world.new.number]["Resolve by"] is None


def test_export_follows_the_tab_the_filters_and_the_sort(county, world, as_user):
    client = as_user(county.office_user)
    assert list(by_number(sheet_rows(client.get(URL)))) == [world.new.number]  # the first tab: new
    rows = sheet_rows(client.get(URL, {"queue": "all", "state": "in_progress", "sort": "number"}))
    assert [row[0] for row in rows[1:]] == [world.fgj_working.number, world.listed.number, world.to_approve.number]
    assert len(sheet_rows(client.get(URL, {"queue": "all", "q": "招工"}))) == 2


def test_a_rating_and_closing_show(county, world, as_user):
    from cases.services import review

    review.case_rate(actor=county.ent_a_user, case_id=world.resolved.pk, rating="satisfied")
    row = by_number(sheet_rows(as_user(county.office_user).get(URL, {"queue": "all"})))[world.resolved.number]
    assert row["Rating"] == "satisfied" and row["State"] == "closed" and isinstance(row["Closed at"], datetime)


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("gxj_handler", {"assigned", "returned", "resolved", "to_approve", "waiting"}),
        ("fgj_handler", {"assigned", "fgj_working"}),
        ("ent_b", {"fgj_working", "returned"}),
        ("cadre", {"listed", "to_approve"}),
    ],
)
def test_export_is_scoped(county, world, as_user, username, expected):
    user = User.objects.get(username=username)
    queue = {"gxj_handler": "all", "fgj_handler": "all"}.get(username, "")
    rows = sheet_rows(as_user(user).get(URL, {"queue": queue} if queue else {}))
    numbers = {getattr(world, name).number for name in expected}
    assert set(by_number(rows)) == numbers


def test_another_unit_exports_an_empty_ledger(county, world, as_user, make_user):
    town_b = make_user("town_b_handler", Role.UNIT_HANDLER, unit=county.town_b_gov)
    assert sheet_rows(as_user(town_b).get(URL, {"queue": "all"}))[1:] == []


def test_export_needs_a_role(client, make_user):
    assert client.get(URL).status_code == 302
    client.force_login(make_user("norole"))
    assert client.get(URL).status_code == 403


def test_export_query_count_is_pinned(county, category, as_user, django_assert_num_queries):
    client = as_user(county.office_user)
    more_cases(county, category, 2)
    client.get(URL, {"queue": "all"})
    # Session, user, roles; the cases (with enterprise, region, category, lead unit); their live assignments.
    with django_assert_num_queries(5):
        rows = sheet_rows(client.get(URL, {"queue": "all"}))
    assert len(rows) == 3 and rows[1][12] == "县工信局中小企业股" and rows[1][13] == "雀塘镇人民政府"
    more_cases(county, category, 4)
    with django_assert_num_queries(5):
        assert len(sheet_rows(client.get(URL, {"queue": "all"}))) == 7
    assert Case.objects.count() == 6
