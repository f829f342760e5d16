from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The user name or password is wrong. After 5 failed attempts the account is locked for 30 minutes."
        ),
        "inactive": _("This account has been disabled. Ask the coordinating office."),
    }


class ApiTokenForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        help_text=_("The integration gets this account's roles and data scope."),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "user", "expires_at"]
        widgets = {"expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}
