"""The navigation of the base layout, by role: each entry names the roles that see it."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, Role
from accounts.scope import user_roles

EVERYONE = frozenset(Role.values)
STAFF = STAFF_ROLES
OVERSIGHT = frozenset({Role.OFFICE, Role.AUDITOR})


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAVIGATION = [
    NavItem(_("Home"), "home", EVERYONE),
    NavItem(_("Units"), "unit_list", STAFF),
    NavItem(_("Users"), "user_list", STAFF),
    NavItem(_("Working-day calendar"), "calendar", STAFF),
    NavItem(_("Import"), "import_units", frozenset({Role.OFFICE})),
    NavItem(_("API tokens"), "token_list", frozenset({Role.OFFICE})),
    NavItem(_("Login log"), "login_log", OVERSIGHT),
    NavItem(_("Operation log"), "operation_log", OVERSIGHT),
]


def navigation_for(user) -> list[NavItem]:
    roles = EVERYONE if user.is_superuser else user_roles(user)
    return [item for item in NAVIGATION if item.roles & roles]
