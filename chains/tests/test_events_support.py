"""Fixtures and helpers the test_events_*, test_targets_* and test_schedule modules share (imported through
pytest_plugins; no tests here).

Dates are relative to today (China time): PAST is a month ago, FUTURE a month ahead, so that "the date has
come" rules hold whatever day the suite runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from accounts.models import Unit
from cases.models import CaseCategory
from chains.models import Event, EventParticipant
from conftest import PASSWORD, make_credit_code
from enterprises.models import Enterprise

Kind = Event.Kind
Status = Event.Status


def today() -> dt.date:
    return timezone.localdate()


def past(days: int = 30) -> dt.date:
    return today() - dt.timedelta(days=days)


def future(days: int = 30) -> dt.date:
    return today() + dt.timedelta(days=days)


def make_event(county, *, organizer=None, kind=Kind.SALES, held_on=None, status=Status.PLANNED, title=None, **extra):
    return Event.objects.create(
        kind=kind,
        title=title or f"{kind} event",
        organizer=organizer or county.office,
        held_on=held_on or past(),
        status=status,
        created_by=county.office_user,
        **extra,
    )


def invite(event, *enterprises, attended=False, attendee=""):
    return [
        EventParticipant.objects.create(event=event, enterprise=e, attended=attended, attendee=attendee)
        for e in enterprises
    ]


def more_enterprises(county, n: int, start: int) -> list[Enterprise]:
    return [
        Enterprise.objects.create(
            credit_code=make_credit_code(start + i), name=f"企业{start + i}", region=county.town_a
        )
        for i in range(n)
    ]


def category() -> CaseCategory:
    return CaseCategory.objects.filter(is_active=True).order_by("sort_order", "code").first()


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def api(client):
    """A JSON client: api.login(user) then api.get/post/patch/delete(path under /api/v1/chains/)."""

    class Api:
        def login(self, user):
            client.logout()
            assert client.login(username=user.username, password=PASSWORD)
            return self

        def url(self, path):
            return f"/api/v1/chains/{path}"

        def get(self, path, **params):
            return client.get(self.url(path), params, HTTP_ACCEPT_LANGUAGE="en")

        def post(self, path, body=None):
            return client.post(self.url(path), body or {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

        def patch(self, path, body=None):
            return client.patch(self.url(path), body or {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

        def delete(self, path):
            return client.delete(self.url(path), HTTP_ACCEPT_LANGUAGE="en")

    return Api()


@pytest.fixture
def town_a_head(county, make_user):
    """The head of 酿溪镇 (a township with no unit below it)."""
    from accounts.models import Role

    return make_user("town_a_head", Role.UNIT_HEAD, unit=county.town_a_gov, full_name="酿溪镇镇长")


@pytest.fixture
def village_unit(county):
    """A unit below 酿溪镇: its events count toward the township's target."""
    return Unit.objects.create(
        code="430522-NXZ-SQ", name="酿溪镇社区", kind=Unit.Kind.OTHER, parent=county.town_a_gov, region=county.town_a
    )
