from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organisation and accounts")

    def ready(self):
        from accounts import scope_rules  # noqa: F401  (registers the scope rules of this app's models)
