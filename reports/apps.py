from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and assessment")

    def ready(self):
        from reports import scope_rules  # noqa: F401  (registers the scope rules)
