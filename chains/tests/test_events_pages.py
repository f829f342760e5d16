"""The event pages: the list with its filters, counts and next reception day (staff read every event; an
enterprise user the events it was invited to), the event's page and its forms (mark held, cancel, delete,
invite, attendance, outcomes) with their messages, creating and editing, the Excel export, 403 for roles that
may not write and 404 out of scope, and the query counts pinned as the rows grow."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chains.models import Event, EventOutcome, EventParticipant
from chains.schedule import reception_day
from chains.tests.test_events_support import Kind, Status, future, invite, make_event, more_enterprises, past, today

pytest_plugins = ["chains.tests.test_events_support"]
pytestmark = pytest.mark.usefixtures("english")


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="event-row" data-event="(\d+)"', page)]


# The list --------------------------------------------------------------------------------------------------


def test_staff_list_every_event_with_its_counts(county, login):
    sales = make_event(county, organizer=county.gxj, title="产销对接会", status=Status.HELD, summary="好")
    invite(sales, county.ent_a, county.ent_b, attended=True)
    invite(sales, county.ent_c)
    EventOutcome.objects.create(event=sales, kind="agreement", amount=1200, recorded_by=county.office_user)
    EventOutcome.objects.create(event=sales, kind="loan", amount=300, recorded_by=county.office_user)
    salon = make_event(county, kind=Kind.SALON, organizer=county.town_a_gov, title="企业家沙龙")
    for user in (county.office_user, county.leader, county.cadre, county.auditor, county.fgj_handler):
        page = html(login(user).get(reverse("event_list")))
        assert set(rows(page)) == {sales.pk, salon.pk}, user
    row = page[page.index(f'data-event="{sales.pk}"') :]
    row = row[: row.index("</tr>")]
    for testid, value in (("event-invited", 3), ("event-attended", 2), ("event-outcomes", 2), ("event-cases", 0)):
        assert f'data-testid="{testid}">{value}</td>' in row, testid
    assert "1500.00" in row


def test_an_enterprise_lists_the_events_it_was_invited_to(county, login):
    mine = make_event(county, title="我受邀的")
    invite(mine, county.ent_a, attended=True)
    invite(mine, county.ent_b)
    make_event(county, title="别人的")
    page = html(login(county.ent_a_user).get(reverse("event_list")))
    assert rows(page) == [mine.pk] and "别人的" not in page
    assert 'data-testid="event-own">attended</td>' in page and 'data-testid="event-invited"' not in page
    assert 'data-testid="event-new"' not in page and 'data-testid="event-targets-link"' not in page
    assert rows(html(login(county.ent_b_user).get(reverse("event_list")))) == [mine.pk]


def test_filters(county, village_unit, login):
    this_year = today().year
    jan = make_event(county, kind=Kind.SALES, organizer=village_unit, held_on=date(this_year, 1, 15), title="一月产销")
    mar = make_event(county, kind=Kind.FINANCE, organizer=county.gxj, held_on=date(this_year, 3, 3), title="三月产融")
    salon = make_event(county, kind=Kind.SALON, organizer=county.town_a_gov, held_on=date(this_year, 3, 20))
    old = make_event(county, kind=Kind.SALES, held_on=date(this_year - 1, 3, 3), status=Status.HELD, place="老地方")
    client = login(county.office_user)

    def listed(**query):
        return set(rows(html(client.get(reverse("event_list"), query))))

    assert listed() == {jan.pk, mar.pk, salon.pk, old.pk}
    assert listed(year=this_year) == {jan.pk, mar.pk, salon.pk}
    assert listed(year=this_year, month=3) == {mar.pk, salon.pk}
    assert listed(month=3) == {jan.pk, mar.pk, salon.pk, old.pk}  # a month without a year is ignored
    assert listed(kind="matchmaking") == {jan.pk, mar.pk, old.pk}
    assert listed(kind="salon") == {salon.pk}
    assert listed(organizer=county.town_a_gov.pk) == {jan.pk, salon.pk}  # the township and the unit below it
    assert listed(status="held") == {old.pk}
    assert listed(q="老地方") == {old.pk} and listed(q="三月") == {mar.pk}
    assert listed(year="abc", kind="nonsense", status="x", organizer="y") == {jan.pk, mar.pk, salon.pk, old.pk}


def test_the_next_reception_day_is_shown(county, login):
    page = html(login(county.office_user).get(reverse("event_list")))
    now = today()
    day = reception_day(now.year, now.month)
    if day < now:
        day = reception_day(now.year + (now.month == 12), now.month % 12 + 1)
    assert f'data-testid="next-reception-date">{day:%Y-%m-%d}</span>' in page
    assert 'data-testid="next-reception-unscheduled"' in page
    event = make_event(county, kind=Kind.RECEPTION_DAY, held_on=day, title="接待日")
    page = html(login(county.office_user).get(reverse("event_list")))
    assert f'href="{reverse("event_detail", args=[event.pk])}" data-testid="next-reception-event"' in page


def test_list_query_counts_stay_constant(county, login, django_assert_num_queries):
    def add(n, start):
        for i in range(n):
            event = make_event(county, title=f"活动{start + i}", organizer=county.gxj)
            invite(event, county.ent_a, attended=True)
            EventOutcome.objects.create(event=event, kind="loan", amount=10, recorded_by=county.office_user)

    add(2, 0)
    client = login(county.office_user)
    client.get(reverse("event_list"))  # warms the calendar cache
    # session, user, roles, the page count, the rows, the units filter, the next reception day, and the base
    # layout's calendar banner and the user's unit
    with django_assert_num_queries(9):
        client.get(reverse("event_list"))
    add(8, 10)
    with django_assert_num_queries(9):
        response = client.get(reverse("event_list"))
    assert len(response.context["page"]) == 10

    client = login(county.ent_a_user)
    client.get(reverse("event_list"))
    # session, user, roles, the page count, the rows, the user's enterprise, the next reception day (no
    # calendar banner, no units)
    with django_assert_num_queries(7):
        response = client.get(reverse("event_list"))
    assert len(response.context["page"]) == 10


def test_the_export(county, login):
    event = make_event(county, title="产销对接会", place="县会展中心")
    invite(event, county.ent_a, attended=True)
    make_event(county, kind=Kind.SALON, title="沙龙")
    response = login(county.office_user).get(reverse("event_export"), {"kind": "matchmaking"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:3] == ("Date", "Kind", "Title") and len(table) == 2
    assert table[1][2] == "产销对接会" and table[1][4] == "县会展中心" and table[1][8] == 1
    response = login(county.ent_b_user).get(reverse("event_export"))
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 1  # the header only


# One event -------------------------------------------------------------------------------------------------


def test_the_event_page_for_each_reader(county, login):
    event = make_event(county, organizer=county.gxj, title="产销对接会")
    invite(event, county.ent_a, attended=True, attendee="张总")
    invite(event, county.ent_b, attended=True)
    EventOutcome.objects.create(
        event=event, kind="hires", people=4, enterprise=county.ent_a, recorded_by=county.office_user
    )
    EventOutcome.objects.create(
        event=event, kind="hires", people=9, enterprise=county.ent_b, recorded_by=county.office_user
    )
    url = reverse("event_detail", args=[event.pk])

    page = html(login(county.gxj_handler).get(url))
    assert 'data-testid="attendance-form"' in page and 'data-testid="outcome-form"' in page
    assert page.count('data-testid="participant-row"') == 2 and page.count('data-testid="outcome-row"') == 2

    page = html(login(county.fgj_handler).get(url))  # reads, does not write
    assert page.count('data-testid="participant-row"') == 2
    for form in ("attendance-form", "outcome-form", "invite-form", "event-held-form", "event-edit"):
        assert f'data-testid="{form}"' not in page

    page = html(login(county.ent_a_user).get(url))  # its own rows only
    assert page.count('data-testid="participant-row"') == 1 and "雀塘食品有限公司" not in page
    assert page.count('data-testid="outcome-row"') == 1 and "张总" in page
    assert login(county.ent_b_user).get(url).status_code == 200
    make_event(county)
    other = Event.objects.exclude(pk=event.pk).get()
    assert login(county.ent_a_user).get(reverse("event_detail", args=[other.pk])).status_code == 404


def test_detail_query_count_stays_constant(county, login, django_assert_num_queries):
    event = make_event(county)
    invite(event, county.ent_a, attended=True)
    EventOutcome.objects.create(event=event, kind="other", description="x", recorded_by=county.office_user)
    client = login(county.office_user)
    url = reverse("event_detail", args=[event.pk])
    client.get(url)
    with django_assert_num_queries(9):
        client.get(url)
    for enterprise in more_enterprises(county, 6, 500):
        invite(event, enterprise, attended=True)
        EventOutcome.objects.create(
            event=event, kind="hires", people=1, enterprise=enterprise, recorded_by=county.office_user
        )
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["participants"]) == 7


# Creating and editing ---------------------------------------------------------------------------------------


def test_creating_an_event_on_the_page(county, login):
    client = login(county.gxj_head)
    page = html(client.get(reverse("event_create")))
    options = re.findall(
        r'<option value="(\d+)"',
        page[page.index('name="organizer"') : page.index("</select>", page.index('name="organizer"'))],
    )
    assert {int(pk) for pk in options} == {county.gxj.pk, county.gxj_sme.pk}
    response = client.post(reverse("event_create"), {"kind": "sales", "title": "", "organizer": county.fgj.pk})
    page = html(response)
    for name in ("title", "organizer", "held_on"):
        assert f'data-testid="error-{name}"' in page, name
    response = client.post(
        reverse("event_create"),
        {
            "kind": "employment",
            "title": "春风行动用工对接",
            "organizer": county.gxj_sme.pk,
            "held_on": future().isoformat(),
            "place": "人力资源市场",
        },
    )
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("event_detail", args=[event.pk])
    assert (event.kind, event.organizer, event.created_by) == ("employment", county.gxj_sme, county.gxj_head)


@pytest.mark.parametrize("who", ["leader", "cadre", "auditor", "ent_a_user"])
def test_the_create_page_is_refused_to_other_roles(county, login, who):
    assert login(getattr(county, who)).get(reverse("event_create")).status_code == 403


def test_editing_an_event_on_the_page(county, login):
    event = make_event(county, organizer=county.town_a_gov, held_on=future())
    url = reverse("event_edit", args=[event.pk])
    assert login(county.fgj_handler).get(url).status_code == 403
    assert login(county.ent_a_user).get(url).status_code == 404
    client = login(county.town_a_handler)
    page = html(client.get(url))
    assert 'name="summary"' not in page  # a planned event has no summary yet
    response = client.post(
        url,
        {
            "kind": "research",
            "title": "校企合作对接",
            "organizer": county.town_a_gov.pk,
            "held_on": future(40).isoformat(),
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.kind, event.title, event.held_on) == ("research", "校企合作对接", future(40))


def test_a_held_events_edit_form_keeps_its_summary_and_past_date(county, login):
    event = make_event(county, status=Status.HELD, summary="签约3项")
    client = login(county.office_user)
    url = reverse("event_edit", args=[event.pk])
    assert "签约3项" in html(client.get(url))
    data = {"kind": event.kind, "title": event.title, "organizer": county.office.pk, "summary": "签约4项"}
    page = html(client.post(url, {**data, "held_on": future().isoformat()}))
    assert "its date cannot lie in the future" in page
    assert client.post(url, {**data, "held_on": past(3).isoformat()}).status_code == 302
    assert Event.objects.get(pk=event.pk).summary == "签约4项"


# The actions ------------------------------------------------------------------------------------------------


def test_marking_held_and_its_errors_on_the_page(county, login):
    coming = make_event(county, held_on=future())
    client = login(county.office_user)
    page = html(client.get(reverse("event_detail", args=[coming.pk])))
    assert 'data-testid="event-held-later"' in page and 'data-testid="event-held-form"' not in page
    response = client.post(reverse("event_held", args=[coming.pk]), {"summary": "提前"})
    assert "has not come yet" in html(response)
    gone = make_event(county)
    assert 'data-testid="error-summary"' in html(client.post(reverse("event_held", args=[gone.pk]), {"summary": ""}))
    response = client.post(reverse("event_held", args=[gone.pk]), {"summary": "达成意向5项"}, follow=True)
    assert 'data-testid="event-status">held</span>' in html(response)
    assert login(county.fgj_handler).post(reverse("event_held", args=[coming.pk]), {"summary": "x"}).status_code == 403


def test_cancelling_and_deleting_on_the_page(county, login):
    event = make_event(county, held_on=future())
    client = login(county.office_user)
    response = client.post(reverse("event_cancel", args=[event.pk]), {"reason": "暴雨"}, follow=True)
    assert "暴雨" in html(response) and Event.objects.get(pk=event.pk).status == Status.CANCELLED
    assert 'data-testid="event-edit"' not in html(response)
    invited = make_event(county)
    invite(invited, county.ent_a)
    response = client.post(reverse("event_delete", args=[invited.pk]), follow=True)
    assert "cancel it instead" in html(response) and Event.objects.filter(pk=invited.pk).exists()
    empty = make_event(county)
    assert login(county.gxj_handler).post(reverse("event_delete", args=[empty.pk])).status_code == 403
    response = login(county.office_user).post(reverse("event_delete", args=[empty.pk]))
    assert response.status_code == 302 and not Event.objects.filter(pk=empty.pk).exists()
    assert client.get(reverse("event_delete", args=[invited.pk])).status_code == 405


def test_inviting_on_the_page(county, login):
    event = make_event(county, organizer=county.gxj_sme, held_on=future())
    client = login(county.sme_handler)
    # The picker searches the enterprises in the user's scope, leaving out those on the list already.
    partial = html(client.get(reverse("event_enterprise_search", args=[event.pk]), {"q": "有限"}))
    assert (
        "邵水新材料股份有限公司" in partial and "湘中机械有限公司" not in partial
    )  # ent_a is not in 中小企业股's scope
    page = html(client.get(reverse("event_detail", args=[event.pk]), {"q": "邵水"}))
    assert page.count('data-testid="invite-result"') == 1
    response = client.post(reverse("event_invite", args=[event.pk]), {"enterprise": [county.ent_c.pk]}, follow=True)
    assert "1 enterprises invited." in html(response)
    assert "邵水新材料股份有限公司" not in html(
        client.get(reverse("event_enterprise_search", args=[event.pk]), {"q": "邵水"})
    )
    page = html(client.post(reverse("event_invite", args=[event.pk]), {"enterprise": [county.ent_b.pk]}))
    assert "in your scope" in page and 'data-testid="invite-errors"' in page
    page = html(client.post(reverse("event_invite", args=[event.pk]), {}))
    assert "Tick the enterprises to invite." in page
    assert (
        login(county.fgj_handler).get(reverse("event_enterprise_search", args=[event.pk]), {"q": "有限"}).status_code
        == 403
    )


def test_attendance_and_removing_on_the_page(county, login):
    event = make_event(county)
    a, b = invite(event, county.ent_a, county.ent_b)
    client = login(county.office_user)
    url = reverse("event_attendance", args=[event.pk])
    response = client.post(
        url,
        {
            "enterprise": [county.ent_a.pk, county.ent_b.pk],
            "attended": [county.ent_a.pk],
            f"attendee_{county.ent_a.pk}": "王经理",
        },
    )
    assert response.status_code == 302
    assert (
        EventParticipant.objects.get(pk=a.pk).attendee == "王经理"
        and not EventParticipant.objects.get(pk=b.pk).attended
    )
    page = html(
        client.post(
            url,
            {"enterprise": [county.ent_a.pk], "attended": [county.ent_a.pk], f"attendee_{county.ent_a.pk}": "长" * 61},
        )
    )
    assert 'data-testid="attendance-errors"' in page and "长" * 61 in page  # what was typed comes back
    response = client.post(reverse("event_participant_remove", args=[b.pk]), follow=True)
    assert "taken off the list" in html(response) and not EventParticipant.objects.filter(pk=b.pk).exists()
    response = client.post(reverse("event_participant_remove", args=[a.pk]), follow=True)
    assert "stays on the list" in html(response)


def test_outcomes_on_the_page(county, login):
    event = make_event(county)
    invite(event, county.ent_a, attended=True)
    client = login(county.office_user)
    url = reverse("event_outcome_add", args=[event.pk])
    page = html(client.post(url, {"kind": "agreement", "enterprise": county.ent_a.pk, "description": "供货协议"}))
    assert 'data-testid="error-amount"' in page and "供货协议" in page
    response = client.post(
        url, {"kind": "agreement", "enterprise": county.ent_a.pk, "description": "供货协议", "amount": "880"}
    )
    assert response.status_code == 302
    outcome = EventOutcome.objects.get()
    assert (outcome.amount, outcome.enterprise) == (880, county.ent_a)
    page = html(client.get(reverse("event_detail", args=[event.pk])))
    assert 'data-testid="outcome-totals"' in page and "880" in page
    assert login(county.gxj_handler).post(reverse("event_outcome_delete", args=[outcome.pk])).status_code == 403
    assert login(county.office_user).post(reverse("event_outcome_delete", args=[outcome.pk])).status_code == 302
    assert not EventOutcome.objects.exists()
