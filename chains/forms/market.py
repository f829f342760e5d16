"""Forms of the supply-and-demand pages. They check the shape of the input; the rules (whose enterprise, an
active chain's node, the period, the transitions of a match) live in chains.services.market, whose messages
the views put back on these forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chains.models import MarketMatch, MarketPost


class _ServiceErrors:
    def apply_errors(self, error: ValidationError) -> None:
        """Put the service's messages on the fields they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class PostForm(_ServiceErrors, forms.Form):
    enterprise = forms.CharField(
        label=_("Enterprise"),
        max_length=18,
        required=False,
        help_text=_("Its 18-character credit code (or its id in the platform)."),
    )
    kind = forms.ChoiceField(label=_("Offer or need"), choices=MarketPost.Kind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Product or service"), max_length=80)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Specifications, quality, delivery: the more precise, the better the matches."),
    )
    node = forms.TypedChoiceField(
        label=_("Chain node"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Where on an industry chain it belongs, if anywhere: posts on the same or a neighbouring node match first."
        ),
    )
    quantity = forms.CharField(label=_("Quantity"), max_length=60, required=False, help_text=_("e.g. 500吨/月"))
    period_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, nodes=(), with_enterprise: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— none —"))]
        for node in nodes:
            indent = "\u3000" * (node.depth - 1)
            choices.append((node.pk, f"{node.chain.name} › {indent}{node.name} ({node.get_stage_display()})"))
        self.fields["node"].choices = choices
        if not with_enterprise:
            del self.fields["enterprise"]

    @staticmethod
    def initial_for(post: MarketPost) -> dict:
        initial = {
            name: getattr(post, name)
            for name in ("kind", "title", "description", "quantity", "period_from", "period_to")
        }
        initial["node"] = post.node_id
        return initial

    def service_fields(self) -> dict:
        """The keyword arguments of chains.services.market.post_save."""
        return dict(self.cleaned_data)


class BrokerForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class RecordForm(_ServiceErrors, forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (MarketMatch.Status.CONTACTED, MarketMatch.Status.CONTACTED.label),
            (MarketMatch.Status.AGREED, MarketMatch.Status.AGREED.label),
            (MarketMatch.Status.DECLINED, MarketMatch.Status.DECLINED.label),
        ],
    )
    amount = forms.DecimalField(
        label=_("Amount (10k yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("For an agreement: its amount, 0 when it has none."),
    )
    agreed_on = forms.DateField(label=_("Signed on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened; for a decline, why."),
    )

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)
