"""The pools panel of the enterprise profile (企业画像): which cultivation pools the enterprise is in and
was in. Staff only: an enterprise does not read the government's lists about it (a 易退库 place above all)."""

from django import template

from accounts.models import Role
from accounts.scope import user_roles
from enterprises.selectors.pools import enterprise_memberships

register = template.Library()


@register.inclusion_tag("enterprises/pools/_profile_panel.html", takes_context=True)
def pools_panel(context, enterprise):
    user = context.get("user")
    is_staff = user is not None and (user.is_superuser or bool(user_roles(user) - {Role.ENTERPRISE}))
    if not is_staff:
        return {"show": False}
    memberships = enterprise_memberships(user=user, enterprise=enterprise)
    return {
        "show": True,
        "enterprise": enterprise,
        "current": [m for m in memberships if m.is_current],
        "past": [m for m in memberships if not m.is_current],
    }
