"""Integrations act on cases with a token (Authorization: Bearer, or X-API-Key) and get the scope and roles
of the account the token acts as."""

import json

from django.utils import timezone

from accounts.models import ApiToken
from cases.models import Case
from cases.tests.test_api_actions_support import API, events_of

pytest_plugins = ["cases.tests.test_api_actions_support"]


def _token(user, **fields) -> str:
    raw = ApiToken.generate()
    ApiToken.objects.create(name="12345热线", user=user, digest=ApiToken.hash(raw), hint=raw[:8], **fields)
    return raw


def _assign(client, case, county, **headers):
    body = {"lead_unit_id": county.gxj.pk, "locality_unit_ids": [county.town_a_gov.pk]}
    return client.post(f"{API}/{case.pk}/assign", json.dumps(body), content_type="application/json", **headers)


def test_the_office_assigns_with_a_bearer_token(client, county, states):
    case = states.submitted()
    raw = _token(county.office_user)
    response = _assign(client, case, county, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    assert response.json()["lead_unit_name"] == "县工信局"
    case.refresh_from_db()
    assert case.state == Case.State.ASSIGNED and case.lead_unit == county.gxj
    assert case.events.last().actor == county.office_user
    assert ApiToken.objects.get(user=county.office_user).last_used_at is not None


def test_the_x_api_key_header_works_too(client, county, states):
    case = states.submitted()
    response = _assign(client, case, county, HTTP_X_API_KEY=_token(county.office_user))
    assert response.status_code == 200
    assert client.get(f"{API}/{case.pk}", HTTP_X_API_KEY=_token(county.office_user)).json()["state"] == "assigned"


def test_a_token_carries_its_accounts_roles_and_scope(client, county, states):
    case = states.submitted()
    before = events_of(case)
    handler = _token(county.gxj_handler)
    # The case is not 工信局's yet: it does not exist for the handler.
    assert _assign(client, case, county, HTTP_AUTHORIZATION=f"Bearer {handler}").status_code == 404
    enterprise = _token(county.ent_a_user)
    response = _assign(client, case, county, HTTP_AUTHORIZATION=f"Bearer {enterprise}")
    assert response.status_code == 403 and response.json()["detail"]
    assert events_of(case) == before


def test_revoked_expired_and_unknown_tokens_are_refused(client, county, states):
    case = states.submitted()
    revoked = _token(county.office_user, revoked_at=timezone.now())
    expired = _token(county.office_user, expires_at=timezone.now() - timezone.timedelta(days=1))
    for raw in (revoked, expired, "zq_not-a-token", "not-even-prefixed"):
        assert _assign(client, case, county, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert Case.objects.get(pk=case.pk).state == Case.State.SUBMITTED
