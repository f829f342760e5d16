from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Support policies")

    def ready(self):
        from policies import scope_rules, signals  # noqa: F401  (registers scope rules and signal receivers)
