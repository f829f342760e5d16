"""Forms of the chain pages. They check the shape of the input; the rules (a leader as chief, sibling names,
stages, scope) live in chains.services.chains, whose messages the views put back on these forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Unit, User
from chains.models import ChainNode, IndustryChain


class IdListField(forms.Field):
    """A list of ids sent as repeated inputs (the chain-leading enterprises picker's checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if value in (None, ""):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for item in values:
            text = str(item).strip()
            if not text.isdigit():
                raise ValidationError(_("“%(value)s” is not an enterprise id."), params={"value": item})
            ids.append(int(text))
        return list(dict.fromkeys(ids))


def leaders():
    return (
        User.objects.filter(is_active=True, role_grants__role=Role.LEADER).distinct().order_by("full_name", "username")
    )


class ChainForm(forms.Form):
    name = forms.CharField(label=_("Name of the chain"), max_length=60)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    chief = forms.ModelChoiceField(
        label=_("Chain chief (链长)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— none yet —"),
        help_text=_("A leader: the chief reads the chain and may edit its map."),
    )
    task_force = forms.ModelChoiceField(
        label=_("Task-force unit (专班)"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— none yet —"),
        help_text=_("The unit working the chain: its unit heads and handlers may edit the map."),
    )
    leading_enterprises = IdListField(
        label=_("Chain-leading enterprises (链主)"),
        required=False,
        help_text=_(
            "Any enterprise in your scope; it need not be placed on the map (the chain's page says when it is not)."
        ),
    )
    liaison_name = forms.CharField(label=_("Liaison"), max_length=40, required=False)
    liaison_phone = forms.CharField(label=_("Liaison phone"), max_length=40, required=False)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Enterprise users see active chains only."),
    )
    sort_order = forms.IntegerField(label=_("Sort order"), required=False, min_value=0, max_value=32767, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chief"].queryset = leaders()
        self.fields["task_force"].queryset = Unit.objects.filter(is_active=True).order_by("path")

    @classmethod
    def initial_for(cls, chain: IndustryChain) -> dict:
        initial = {
            name: getattr(chain, name)
            for name in ("name", "description", "liaison_name", "liaison_phone", "is_active", "sort_order")
        }
        initial["chief"] = chain.chief_id
        initial["task_force"] = chain.task_force_id
        initial["leading_enterprises"] = [e.pk for e in chain.leading_enterprises.all()]
        return initial

    def service_fields(self) -> dict:
        """The keyword arguments of chains.services.chains.chain_save."""
        data = dict(self.cleaned_data)
        data["chief"] = data["chief"].pk if data.get("chief") else None
        data["task_force"] = data["task_force"].pk if data.get("task_force") else None
        data["sort_order"] = data.get("sort_order") or 0
        return data

    def apply_errors(self, error: ValidationError) -> None:
        """Put the service's messages on the fields they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class NodeForm(forms.Form):
    name = forms.CharField(label=_("Name of the node"), max_length=60)
    parent = forms.TypedChoiceField(
        label=_("Under"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A sub-node keeps its parent's stage."),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("— the parent's stage —")), *ChainNode.Stage.choices],
        help_text=_("For a top node; a sub-node takes its parent's stage."),
    )
    key_products = forms.CharField(
        label=_("Key products"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One product per line or separated by commas."),
    )

    def __init__(self, *args, nodes=(), exclude: set[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        exclude = exclude or set()
        choices = [("", _("— none: a top node of its stage —"))]
        for node in nodes:
            if node.pk in exclude:
                continue
            indent = "\u3000" * (node.depth - 1)
            choices.append((node.pk, f"{indent}{node.name} ({node.get_stage_display()})"))
        self.fields["parent"].choices = choices

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("parent"):
            # A sub-node takes its parent's stage: what the stage list says is not used.
            data.pop("stage", None)
        elif not data.get("stage"):
            data["stage"] = None
        return data

    def apply_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class PlacementForm(forms.Form):
    enterprise = forms.IntegerField(
        label=_("Enterprise"),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Choose the enterprise in the list.")},
    )
    products = forms.CharField(
        label=_("What it makes there"), max_length=200, required=False, help_text=_("Its products on this node.")
    )

    def clean_enterprise(self):
        value = self.cleaned_data.get("enterprise")
        if value is None:
            raise ValidationError(_("Search by name or credit code and choose the enterprise to place on the node."))
        return value


class MoveForm(forms.Form):
    position = forms.IntegerField(label=_("Position"), min_value=1, max_value=32767)
