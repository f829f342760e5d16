"""The navigation of the base layout, by role: each entry names the roles that see it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, Role
from accounts.scope import user_roles

EVERYONE = frozenset(Role.values)
STAFF = STAFF_ROLES
OVERSIGHT = frozenset({Role.OFFICE, Role.AUDITOR})
OFFICE = frozenset({Role.OFFICE})
VISITORS = frozenset({Role.OFFICE, Role.LEADER, Role.UNIT_HEAD, Role.UNIT_HANDLER, Role.CADRE})
# Who reads the reports: the cadre works enterprise by enterprise; the bulletin is for heads, not handlers.
REPORT_READERS = frozenset({Role.OFFICE, Role.AUDITOR, Role.LEADER, Role.UNIT_HEAD, Role.UNIT_HANDLER})
MONTHLY_REPORTERS = frozenset({Role.OFFICE, Role.AUDITOR, Role.UNIT_HEAD, Role.UNIT_HANDLER})
BULLETIN_READERS = frozenset({Role.OFFICE, Role.AUDITOR, Role.LEADER, Role.UNIT_HEAD})
ENTERPRISE = frozenset({Role.ENTERPRISE})


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset
    # For entries that point at the user's own object (an enterprise user's enterprise): the URL arguments.
    args: Callable | None = None

    def url_for(self, user) -> str | None:
        if self.args is None:
            return reverse(self.url_name)
        args = self.args(user)
        return reverse(self.url_name, args=args) if args else None


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str


def _own_enterprise(user):
    return [user.enterprise_id] if user.enterprise_id else None


NAVIGATION = [
    NavItem(_("Home"), "home", EVERYONE),
    NavItem(_("My enterprise"), "enterprise_detail", ENTERPRISE, args=_own_enterprise),
    NavItem(_("Operating data"), "my_figures", ENTERPRISE),
    NavItem(_("Report a problem"), "case_file", ENTERPRISE),
    NavItem(_("My policies"), "my_policies", ENTERPRISE),
    NavItem(_("Cases"), "case_list", EVERYONE),
    NavItem(_("New case"), "case_new", OFFICE),
    NavItem(_("Enterprises"), "enterprise_list", STAFF),
    NavItem(_("Early warnings"), "warning_list", STAFF),
    NavItem(_("Loss ratio"), "loss_ratio", STAFF),
    NavItem(_("Cultivation pools"), "pool_overview", STAFF),
    NavItem(_("Linkage"), "linkage_list", STAFF),
    NavItem(_("Assistance plans"), "plan_list", STAFF),
    NavItem(_("Visits"), "visit_list", STAFF | ENTERPRISE),
    NavItem(_("Record a visit"), "visit_create", VISITORS),
    NavItem(_("Units"), "unit_list", STAFF),
    NavItem(_("Users"), "user_list", STAFF),
    NavItem(_("Working-day calendar"), "calendar", STAFF),
    NavItem(_("Dashboard"), "report_dashboard", REPORT_READERS),
    NavItem(_("Case indicators"), "case_indicators", STAFF),
    NavItem(_("Policies"), "policy_list", STAFF),
    NavItem(_("Grant lists"), "grant_batch_list", OFFICE),
    NavItem(_("Applications"), "application_list", OFFICE),
    NavItem(_("Policy performance"), "policy_performance", OVERSIGHT),
    NavItem(_("Industry chains"), "chain_list", EVERYONE),
    NavItem(_("Supply and demand"), "market_list", EVERYONE),
    NavItem(_("Events"), "event_list", EVERYONE),
    NavItem(_("Event targets"), "event_target_list", STAFF),
    NavItem(_("Monthly dispatch report"), "dispatch_report", STAFF),
    NavItem(_("Monthly reports"), "monthly_report_list", MONTHLY_REPORTERS),
    NavItem(_("Quarterly bulletins"), "bulletin_list", BULLETIN_READERS),
    NavItem(_("Annual assessment"), "assessment_scores", REPORT_READERS),
    NavItem(_("Common issues"), "common_issue_list", STAFF),
    NavItem(_("Smart dispatch"), "dispatch_overview", OFFICE),
    NavItem(_("Callbacks"), "callback_list", OFFICE),
    NavItem(_("Case settings"), "case_settings", STAFF),
    NavItem(_("Import"), "import_index", OFFICE),
    NavItem(_("API tokens"), "token_list", OFFICE),
    NavItem(_("Notifications"), "notification_list", EVERYONE),
    NavItem(_("Login log"), "login_log", OVERSIGHT),
    NavItem(_("Operation log"), "operation_log", OVERSIGHT),
]


def navigation_for(user) -> list[NavLink]:
    roles = EVERYONE if user.is_superuser else user_roles(user)
    links = []
    for item in NAVIGATION:
        if item.roles & roles:
            url = item.url_for(user)
            if url is not None:
                links.append(NavLink(item.label, url))
    return links
