"""API tokens: the office issues and revokes them; the raw token is shown once."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from conftest import PASSWORD


class TestServices:
    def test_office_creates_a_token_for_an_account(self, county):
        token, raw = api_token_create(actor=county.office_user, name="省平台", user=county.gxj_handler)
        assert token.user == county.gxj_handler and token.created_by == county.office_user
        assert ApiToken.objects.usable().get(digest=ApiToken.hash(raw)) == token

    @pytest.mark.parametrize("who", ["gxj_head", "gxj_handler", "leader", "ent_a", "auditor"])
    def test_other_roles_cannot_create_tokens(self, county, who):
        actor = getattr(county, {"ent_a": "ent_a_user"}.get(who, who))
        with pytest.raises(PermissionDenied):
            api_token_create(actor=actor, name="x", user=actor)
        assert ApiToken.objects.count() == 0

    def test_revoking_makes_the_token_unusable_and_is_idempotent(self, county):
        token, _ = api_token_create(actor=county.office_user, name="x", user=county.office_user)
        first = api_token_revoke(actor=county.office_user, token_id=token.pk).revoked_at
        second = api_token_revoke(actor=county.office_user, token_id=token.pk).revoked_at
        assert first is not None and first == second
        assert not ApiToken.objects.usable().exists()


class TestTokenPage:
    def test_office_sees_the_new_token_once(self, client, county):
        client.login(username="office", password=PASSWORD)
        response = client.post("/office/tokens/", {"name": "12345热线", "user": county.gxj_handler.pk})
        raw = response.context["created_raw"]
        assert raw.startswith("zq_") and raw in response.content.decode()
        assert raw not in client.get("/office/tokens/").content.decode()

    def test_missing_name_is_refused_with_a_message(self, client, county):
        client.login(username="office", password=PASSWORD)
        response = client.post("/office/tokens/", {"name": "", "user": county.gxj_handler.pk})
        assert response.status_code == 200 and response.context["form"].errors["name"]
        assert ApiToken.objects.count() == 0

    def test_revoke_through_the_page(self, client, county):
        token, _ = api_token_create(actor=county.office_user, name="x", user=county.office_user)
        client.login(username="office", password=PASSWORD)
        assert client.post(f"/office/tokens/{token.pk}/revoke/").status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None

    @pytest.mark.parametrize("login", ["gxj_head", "ent_a", "auditor"])
    def test_page_is_the_offices_only(self, client, county, login):
        client.login(username=login, password=PASSWORD)
        assert client.get("/office/tokens/").status_code == 403
        assert client.post("/office/tokens/", {"name": "x", "user": county.gxj_handler.pk}).status_code == 403
        assert ApiToken.objects.count() == 0

    def test_anonymous_is_sent_to_login(self, client, county):
        response = client.get("/office/tokens/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
