"""The HTTP API at /api/v1/: session auth for the browser, token auth for integrations.

Each app contributes a router from its own api.py; endpoints stay thin and call the same selectors and
services as the pages.
"""

from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from accounts.models import ApiToken


def _user_for_token(raw: str | None):
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=ApiToken.hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute so a busy integration does not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerTokenAuth(HttpBearer):
    """Authorization: Bearer zq_…"""

    def authenticate(self, request, token):
        user = _user_for_token(token)
        if user is not None:
            request.user = user
        return user


class HeaderTokenAuth(APIKeyHeader):
    """X-API-Key: zq_… for clients that cannot set an Authorization header."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        user = _user_for_token(key)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Zhuqi API",
    version="1",
    description="助企 platform API. Authenticate with the browser session, or with a token issued by the "
    "coordinating office: `Authorization: Bearer zq_…`.",
    auth=[BearerTokenAuth(), HeaderTokenAuth(), django_auth],
    urls_namespace="api",
)

from accounts.api import router as accounts_router  # noqa: E402
from accounts.api_import import router as import_router  # noqa: E402
from core.api import router as core_router  # noqa: E402
from enterprises.api import router as enterprises_router  # noqa: E402

api.add_router("/", accounts_router)
api.add_router("/calendar", core_router)
api.add_router("/imports", import_router)
api.add_router("/", enterprises_router)
