from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChainsConfig(AppConfig):
    name = "chains"
    verbose_name = _("Industry chains and events")

    def ready(self):
        from chains import scope_rules  # noqa: F401  (registers the scope rules)
