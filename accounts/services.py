"""Writes on the organisation's records. Each action is one function, called by pages, API and commands."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User
from accounts.scope import get_for_user, is_office


def _require_office(actor: User) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can do this."))


@transaction.atomic
def api_token_create(*, actor: User, name: str, user: User, expires_at=None) -> tuple[ApiToken, str]:
    """Issue a token for an integration. Returns the token row and the raw token, which is shown once
    and never stored."""
    _require_office(actor)
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        name=name,
        user=user,
        digest=ApiToken.hash(raw),
        hint=raw[:8],
        created_by=actor,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    _require_office(actor)
    token = get_for_user(actor, ApiToken.objects.select_for_update(), pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
