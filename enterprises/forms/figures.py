"""Forms of the figures area: one month's figures, the loss-ratio and warning filters, a manual flag, a
resolution. They parse input; the rules (negative figures, future months, who may do what) are in services."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from enterprises.models import EnterpriseWarning, MonthlyFigure
from enterprises.selectors.figures import FIGURE_FIELDS, FIGURE_UNITS, figure_label, region_choices
from enterprises.services.figures import SIGNED_FIELDS
from enterprises.services.warnings import FLAG_LEVELS


class MonthlyFigureForm(forms.Form):
    """One month's seven figures; a blank box means “not reported”."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in FIGURE_FIELDS:
            model_field = MonthlyFigure._meta.get_field(name)
            form_field = model_field.formfield(required=False)
            form_field.label = f"{figure_label(name)} ({FIGURE_UNITS[name]})"
            if name not in SIGNED_FIELDS:
                # The service says “cannot be negative” in words; the stock “≥ 0” validator would say it first.
                form_field.validators = [v for v in form_field.validators if not isinstance(v, MinValueValidator)]
                form_field.widget.attrs["min"] = 0
            form_field.widget.attrs["inputmode"] = "decimal"
            self.fields[name] = form_field

    @classmethod
    def initial_from(cls, figure: MonthlyFigure | None) -> dict:
        return {name: getattr(figure, name) for name in FIGURE_FIELDS} if figure else {}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return f"{'　' * region.depth}{region.name}"


class WarningFilterForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("all"))] + [(level.value, level.label) for level in FLAG_LEVELS],
    )
    rule = forms.ChoiceField(label=_("Rule"), required=False, choices=[("", _("all")), *EnterpriseWarning.Rule.choices])
    region = RegionChoiceField(label=_("Region"), required=False, queryset=Region.objects.none(), empty_label=_("all"))
    q = forms.CharField(label=_("Enterprise"), required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_choices()


class LossRatioForm(forms.Form):
    period = forms.CharField(label=_("Month"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    region = RegionChoiceField(label=_("Region"), required=False, queryset=Region.objects.none(), empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_choices()


class WarningFlagForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level"), coerce=int, choices=[(level.value, level.label) for level in FLAG_LEVELS]
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.TextInput(attrs={"size": 40}))


class WarningResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=300, widget=forms.TextInput(attrs={"size": 40}))
