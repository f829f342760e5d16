"""The organisation API: authentication (session and token) and data scope on every endpoint."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken, Role
from accounts.services import api_token_create
from conftest import PASSWORD


@pytest.fixture
def token_for(county):
    def _issue(user, **kwargs):
        _, raw = api_token_create(actor=county.office_user, name="12345热线", user=user, **kwargs)
        return raw

    return _issue


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class TestAuthentication:
    def test_anonymous_gets_401(self, client, county):
        assert client.get("/api/v1/me").status_code == 401

    def test_session_login_works(self, client, county):
        client.login(username="gxj_head", password=PASSWORD)
        body = client.get("/api/v1/me").json()
        assert body["username"] == "gxj_head"
        assert body["roles"] == ["unit_head"] and body["scopes"] == ["unit_tree"]
        assert body["unit"]["code"] == "430522-GXJ"

    def test_bearer_token_acts_as_its_account(self, client, county, token_for):
        raw = token_for(county.gxj_handler)
        body = client.get("/api/v1/me", **bearer(raw)).json()
        assert body["username"] == "gxj_handler"
        assert ApiToken.objects.get().last_used_at is not None

    def test_x_api_key_header_works_too(self, client, county, token_for):
        raw = token_for(county.office_user)
        assert client.get("/api/v1/me", HTTP_X_API_KEY=raw).json()["username"] == "office"

    def test_only_the_digest_is_stored(self, county, token_for):
        raw = token_for(county.office_user)
        token = ApiToken.objects.get()
        assert raw not in {token.digest, token.hint, token.name}
        assert token.digest == ApiToken.hash(raw) and raw.startswith(token.hint)

    def test_wrong_revoked_or_expired_token_is_401(self, client, county, token_for):
        assert client.get("/api/v1/me", **bearer("zq_not-a-real-token")).status_code == 401
        revoked = token_for(county.office_user)
        ApiToken.objects.filter(digest=ApiToken.hash(revoked)).update(revoked_at=timezone.now())
        assert client.get("/api/v1/me", **bearer(revoked)).status_code == 401
        expired = token_for(county.office_user, expires_at=timezone.now() - timedelta(minutes=1))
        assert client.get("/api/v1/me", **bearer(expired)).status_code == 401

    def test_token_of_a_disabled_account_is_401(self, client, county, token_for):
        raw = token_for(county.gxj_handler)
        county.gxj_handler.is_active = False
        county.gxj_handler.save()
        assert client.get("/api/v1/me", **bearer(raw)).status_code == 401


class TestScopeOnEndpoints:
    def test_unit_list_is_scoped(self, client, county, token_for):
        raw = token_for(county.gxj_head)
        codes = {u["code"] for u in client.get("/api/v1/units", **bearer(raw)).json()["items"]}
        assert codes == {"430522-GXJ", "430522-GXJ-ZXQY"}

    def test_unit_detail_outside_scope_is_404(self, client, county, token_for):
        raw = token_for(county.gxj_head)
        assert client.get(f"/api/v1/units/{county.gxj_sme.pk}", **bearer(raw)).status_code == 200
        assert client.get(f"/api/v1/units/{county.fgj.pk}", **bearer(raw)).status_code == 404

    def test_user_list_is_scoped_for_owner_colleague_and_outsider(self, client, county):
        def usernames(login):
            client.login(username=login, password=PASSWORD)
            return {u["username"] for u in client.get("/api/v1/users").json()["items"]}

        assert usernames("ent_a") == {"ent_a", "ent_a2"}
        assert usernames("ent_a2") == {"ent_a", "ent_a2"}
        assert usernames("ent_b") == {"ent_b"}

    def test_regions_are_reference_data_for_everyone(self, client, county):
        client.login(username="ent_b", password=PASSWORD)
        codes = {r["code"] for r in client.get("/api/v1/regions").json()["items"]}
        assert codes == {"430522", "430522100", "430522101"}

    def test_user_list_query_count_stays_constant_as_users_grow(
        self, client, county, make_user, django_assert_num_queries
    ):
        client.login(username="office", password=PASSWORD)
        # session, user, role grants, count, page of users, their role grants (prefetch)
        with django_assert_num_queries(6):
            first = client.get("/api/v1/users")
        for i in range(20):
            make_user(f"extra{i}", Role.UNIT_HANDLER, Role.CADRE, unit=county.fgj)
        with django_assert_num_queries(6):
            second = client.get("/api/v1/users")
        assert second.json()["count"] == first.json()["count"] + 20


class TestSchema:
    def test_openapi_schema_and_local_docs(self, client, county):
        schema = client.get("/api/v1/openapi.json").json()
        assert "/api/v1/units" in schema["paths"]
        assert {"BearerTokenAuth", "HeaderTokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
        client.login(username="office", password=PASSWORD)
        docs = client.get("/api/v1/docs").content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in docs
        assert "cdn" not in docs.lower()
