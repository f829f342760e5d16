"""Fixtures the office-area tests share (settings, common issues, callbacks); imported with pytest_plugins by
the test_config_*, test_common_* and test_callbacks_* modules. No tests here.

On top of cases/tests/conftest.py: a signed-in client in English, JSON helpers, more enterprises, and cases
brought to a state through the services."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from accounts.models import Role
from cases.models import Case, CaseReply
from cases.services import dispatch, handling
from conftest import PASSWORD, make_credit_code
from enterprises.models import Enterprise


@pytest.fixture
def login(client):
    """Sign a user in; pages answer in English so that messages can be read in assertions."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


def send(client, method: str, url: str, data=None):
    return getattr(client, method)(url, json.dumps(data) if data is not None else None, content_type="application/json")


@pytest.fixture
def make_enterprise(county, make_user):
    """An enterprise in 雀塘镇 with a phone and its own user: make_enterprise(serial) → (enterprise, user)."""

    def _make(serial: int, phone: str = "13800000000"):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(500 + serial),
            name=f"测试企业{serial:03d}",
            region=county.town_b,
            contact_name=f"联系人{serial}",
            contact_phone=phone,
        )
        user = make_user(f"ent_{serial}", Role.ENTERPRISE, enterprise=enterprise)
        return enterprise, user

    return _make


@pytest.fixture
def office_case(county, file_case):
    """File a case for an enterprise by the office (hotline): office_case(enterprise) → Case (submitted)."""

    def _file(enterprise, **extra):
        return file_case(enterprise=enterprise, actor=county.office_user, channel=Case.Channel.HOTLINE, **extra)

    return _file


def assign(county, case, lead=None):
    dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=(lead or county.gxj).pk)


def resolve(county, case, *, outcome="solved", text="已协调银行办理续贷"):
    """Assign to 工信局, accept, and reply as its head (approved at once): the case (and the members of its
    common issue at the same stage) ends resolved."""
    case.refresh_from_db()
    if case.state in (Case.State.SUBMITTED, Case.State.RETURNED):
        assign(county, case)
    case.refresh_from_db()
    if case.state == Case.State.ASSIGNED:
        handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
    handling.reply_draft(actor=county.gxj_head, case_id=case.pk, outcome=outcome, text=text)
    case.refresh_from_db()
    return case


@pytest.fixture
def resolved_case(county, office_case, file_case):
    """resolved_case(enterprise=None, resolved_at=None) → a resolved, unrated case (of ent_a by default)."""

    def _make(enterprise=None, resolved_at: datetime | None = None, **extra):
        case = file_case(**extra) if enterprise is None else office_case(enterprise, **extra)
        resolve(county, case)
        if resolved_at is not None:
            Case.objects.filter(pk=case.pk).update(resolved_at=resolved_at)
            case.refresh_from_db()
        return case

    return _make


def pending_reply(case) -> CaseReply:
    return CaseReply.objects.get(case=case, status=CaseReply.Status.PENDING)
