"""Fixtures and helpers of the case page tests (no tests here): signing in, reading the page's marked parts,
posting an action's form with its prefix."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Case
from cases.services import handling
from cases.views.detail import action_url
from conftest import PASSWORD

HTMX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def login(db):
    """A client signed in as `user`, one per call (so that several people can act in turn), in English: the
    assertions read the English source text where they read text at all."""

    def _login(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def in_progress_case(county, assigned_case):
    """The conftest's assigned case (工信局 lead, 发改局 co, 酿溪镇 locality), accepted by the lead."""
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    assigned_case.refresh_from_db()
    return assigned_case


@pytest.fixture
def resolved_case(county, heads, in_progress_case):
    # The head's own reply goes out at once.
    handling.reply_draft(actor=county.gxj_head, case_id=in_progress_case.pk, outcome="solved", text="已协调银行续贷")
    in_progress_case.refresh_from_db()
    assert in_progress_case.state == Case.State.RESOLVED
    return in_progress_case


def pdf(name="材料.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def post(client, case, action, data=None, *, item=None, htmx=False):
    """Post an action's form as the page does: its fields carry the form's prefix."""
    prefix = action if item is None else f"{action}-{item.pk}"
    fields = {f"{prefix}-{key}": value for key, value in (data or {}).items()}
    extra = HTMX if htmx else {}
    return client.post(action_url(case.pk, action, item.pk if item else None), fields, **extra)


def html(response) -> str:
    return response.content.decode()


def event_kinds(response) -> list[str]:
    """The kinds of the events on the rendered timeline, in order."""
    return re.findall(r'data-testid="event" data-kind="(\w+)"', html(response))


def action_names(response) -> list[str]:
    return re.findall(r'data-testid="action-(\w+)"', html(response))


def field_errors(response, field: str) -> str:
    """The error list rendered next to `field` ('' when none)."""
    match = re.search(
        rf'<ul class="errorlist" data-testid="field-errors" data-field="{field}">(.*?)</ul>', html(response), re.S
    )
    return match.group(1) if match else ""


def form_errors(response) -> str:
    """The messages on top of the forms and in the 'not done' banner."""
    found = re.findall(r'data-testid="(?:form-errors|action-refused)">(.*?)</(?:ul|div)>', html(response), re.S)
    return " ".join(found)
