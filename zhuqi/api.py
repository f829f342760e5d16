"""The HTTP API at /api/v1/: session auth for the browser, token auth for integrations.

Each app contributes a router from its own api.py; endpoints stay thin and call the same selectors and
services as the pages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
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


def validation_detail(error: ValidationError) -> str:
    """A ValidationError as one sentence; field errors are prefixed with the field's name."""
    if hasattr(error, "error_dict"):
        return " ".join(
            message if field == "__all__" else f"{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return " ".join(error.messages)


# Service functions raise these; every endpoint answers them the same way without wrapping each call.
@api.exception_handler(PermissionDenied)
def permission_denied(request, error):
    return api.create_response(request, {"detail": str(error) or "You may not do this."}, status=403)


@api.exception_handler(ValidationError)
def validation_error(request, error):
    return api.create_response(request, {"detail": validation_detail(error)}, status=422)


from accounts.api import router as accounts_router  # noqa: E402
from accounts.api_import import router as import_router  # noqa: E402
from cases.api import router as cases_router  # noqa: E402
from chains.api import router as chains_router  # noqa: E402
from core.api import router as core_router  # noqa: E402
from core.api_notifications import router as notifications_router  # noqa: E402
from enterprises.api import router as enterprises_router  # noqa: E402
from policies.api import router as policies_router  # noqa: E402
from reports.api import router as reports_router  # noqa: E402

api.add_router("/", accounts_router)
api.add_router("/calendar", core_router)
api.add_router("/notifications", notifications_router)
api.add_router("/imports", import_router)
api.add_router("/", enterprises_router)
api.add_router("/", cases_router)
api.add_router("/reports", reports_router)
api.add_router("/policies", policies_router)
api.add_router("/chains", chains_router)
