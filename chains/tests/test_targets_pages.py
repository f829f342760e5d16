"""The targets page, its forms and export, the API, and the dashboard's panel: the office sets targets and
applies the seed's; staff read the progress; an enterprise user gets 403; bad input comes back named with
nothing stored; the list page, the progress endpoint and the dashboard keep their query counts as targets
and events grow."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chains.models import EventTarget
from chains.tests.test_events_support import Kind, Status, make_event, past

pytest_plugins = ["chains.tests.test_events_support"]
pytestmark = pytest.mark.usefixtures("english")

MATCHMAKING = EventTarget.MATCHMAKING


def this_year() -> int:
    return timezone.localdate().year


def held_this_year(county, organizer, kind=Kind.SALES):
    # A month ago may be last year in early January: the first of the year is always in it and past (or today).
    held_on = max(past(), timezone.localdate().replace(month=1, day=1))
    return make_event(county, organizer=organizer, kind=kind, held_on=held_on, status=Status.HELD)


def set_target(county, unit, minimum, kind=MATCHMAKING, year=None):
    return EventTarget.objects.create(
        year=year or this_year(), unit=unit, kind=kind, minimum=minimum, set_by=county.office_user
    )


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_staff_read_the_progress_and_only_the_office_gets_the_forms(county, login):
    set_target(county, county.gxj, 2)
    held_this_year(county, county.gxj_sme)
    page = html(login(county.office_user).get(reverse("event_target_list")))
    row = re.search(rf'<tr data-testid="target-row"[^>]*data-unit="{county.gxj.pk}"[^>]*>.*?</tr>', page, re.S)
    assert row and 'data-testid="target-held">1<' in row.group(0)
    assert 'data-testid="target-new"' in page and 'data-testid="target-edit"' in page
    for reader in (county.gxj_head, county.fgj_handler, county.leader, county.auditor, county.cadre):
        page = html(login(reader).get(reverse("event_target_list")))
        assert 'data-testid="target-row"' in page and 'data-testid="target-new"' not in page
        assert login(reader).get(reverse("event_target_create")).status_code == 403
    assert login(county.ent_a_user).get(reverse("event_target_list")).status_code == 403


def test_the_office_sets_changes_and_deletes_a_target(county, login):
    client = login(county.office_user)
    url = reverse("event_target_create")
    fields = {"year": this_year(), "unit": county.town_a_gov.pk, "kind": MATCHMAKING, "minimum": 2}
    response = client.post(url, fields)
    assert response.status_code == 302
    saved = EventTarget.objects.get()
    assert (saved.unit, saved.minimum, saved.set_by) == (county.town_a_gov, 2, county.office_user)
    # The same unit, kind and year again: refused with the reason, nothing added.
    page = html(client.post(url, fields))
    assert "has a target for matchmaking events" in page and EventTarget.objects.count() == 1
    page = html(client.post(url, {**fields, "minimum": "0", "unit": ""}))
    assert 'data-testid="error-minimum"' in page and 'data-testid="error-unit"' in page
    assert EventTarget.objects.count() == 1
    response = client.post(reverse("event_target_edit", args=[saved.pk]), {**fields, "minimum": 3})
    assert response.status_code == 302 and EventTarget.objects.get().minimum == 3
    assert login(county.gxj_head).post(reverse("event_target_delete", args=[saved.pk])).status_code == 403
    client = login(county.office_user)
    assert client.post(reverse("event_target_delete", args=[saved.pk])).status_code == 302
    assert not EventTarget.objects.exists()
    assert client.get(reverse("event_target_edit", args=[saved.pk])).status_code == 404


def test_applying_the_seed_targets_from_the_page(county, login):
    client = login(county.office_user)
    page = html(client.get(reverse("event_target_defaults")))
    assert "酿溪镇人民政府" in page and "雀塘镇人民政府" in page
    response = client.post(reverse("event_target_defaults"), {"year": this_year(), "bureau": county.gxj.pk})
    assert response.status_code == 302
    minimums = dict(EventTarget.objects.values_list("unit__code", "minimum"))
    assert minimums == {"430522-GOV": 10, "430522-GXJ": 2, "430522-NXZ": 1, "430522-QTZ": 1}
    assert login(county.gxj_head).post(reverse("event_target_defaults"), {"year": this_year()}).status_code == 403


def test_the_export_has_a_row_per_target(county, login):
    set_target(county, county.gov, 10)
    set_target(county, county.gxj, 2)
    held_this_year(county, county.gxj)
    response = login(county.gxj_head).get(reverse("event_target_export"), {"year": this_year()})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][0] == this_year()
    assert {r[1] for r in rows[1:]} == {"新邵县人民政府", "县工信局"}


def test_the_list_page_keeps_its_query_count(county, login, django_assert_num_queries):
    set_target(county, county.gov, 10)
    client = login(county.office_user)
    client.get(reverse("event_target_list"))  # warms the calendar cache
    with django_assert_num_queries(8):
        client.get(reverse("event_target_list"))
    for unit in (county.gxj, county.gxj_sme, county.fgj, county.town_a_gov, county.town_b_gov):
        set_target(county, unit, 1)
        held_this_year(county, unit)
    with django_assert_num_queries(8):
        page = html(client.get(reverse("event_target_list")))
    assert page.count('data-testid="target-row"') == 6


# The API ---------------------------------------------------------------------------------------------------


def test_the_api_sets_reads_and_refuses(county, api):
    office = api.login(county.office_user)
    response = office.post("targets", {"year": this_year(), "unit_id": county.gxj.pk, "minimum": 2})
    assert response.status_code == 201
    target_id = response.json()["id"]
    assert response.json()["kind"] == MATCHMAKING and response.json()["unit"]["id"] == county.gxj.pk
    bad = office.post("targets", {"year": this_year(), "unit_id": county.gxj.pk, "minimum": 0})
    assert bad.status_code == 422 and "minimum" in str(bad.json())
    assert office.patch(f"targets/{target_id}", {"minimum": 5}).json()["minimum"] == 5
    held_this_year(county, county.gxj_sme, kind=Kind.FINANCE)
    rows = api.login(county.fgj_handler).get("targets/progress", year=this_year()).json()
    assert [(r["held"], r["minimum"], r["met"]) for r in rows] == [(1, 5, False)]
    assert api.login(county.fgj_handler).patch(f"targets/{target_id}", {"minimum": 1}).status_code == 403
    assert api.login(county.ent_a_user).get("targets").status_code == 403
    assert api.login(county.ent_a_user).get("targets/progress").status_code == 403
    assert api.login(county.office_user).delete("targets/999999").status_code == 404
    defaults = api.login(county.office_user).post("targets/apply-defaults", {"year": this_year()}).json()
    assert len(defaults["created"]) == 3 and [t["id"] for t in defaults["kept"]] == [target_id]


def test_the_progress_endpoint_keeps_its_query_count(county, api, django_assert_num_queries):
    set_target(county, county.gov, 10)
    client = api.login(county.office_user)
    client.get("targets/progress")
    with django_assert_num_queries(5):
        client.get("targets/progress")
    for unit in (county.gxj, county.gxj_sme, county.fgj, county.town_a_gov, county.town_b_gov):
        set_target(county, unit, 1)
        held_this_year(county, unit)
    with django_assert_num_queries(5):
        rows = client.get("targets/progress").json()
    assert len(rows) == 6 and next(r for r in rows if r["target"]["unit"]["id"] == county.gov.pk)["held"] == 5


# The dashboard ---------------------------------------------------------------------------------------------


def test_the_dashboard_shows_each_readers_targets(county, login):
    set_target(county, county.gov, 10)
    set_target(county, county.gxj, 2)
    set_target(county, county.town_a_gov, 1)
    held_this_year(county, county.gxj)
    page = html(login(county.office_user).get(reverse("report_dashboard")))
    assert page.count('data-testid="event-target-row"') == 3
    page = html(login(county.gxj_head).get(reverse("report_dashboard")))
    assert page.count('data-testid="event-target-row"') == 1 and f'data-unit="{county.gxj.pk}"' in page
    page = html(login(county.fgj_handler).get(reverse("report_dashboard")))
    assert 'data-testid="event-targets"' not in page  # no target of theirs: no panel
