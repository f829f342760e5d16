"""Forms of the linkage pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from enterprises.models import Linkage
from enterprises.selectors.linkage import cadre_choices, lead_unit_choices, leader_choices


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.unit}" if obj.unit_id else str(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.unit}" if obj.unit_id else str(obj)


class LinkageForm(forms.Form):
    """One enterprise's linkage for one year. The choices offer people who hold the right role and active
    units; whatever a linkage already names stays selectable, so that the service can say clearly what is
    wrong with it instead of the form silently dropping it."""

    leader = PersonChoiceField(label=_("Linked leader (领导联点)"), queryset=User.objects.none(), required=False)
    lead_unit = forms.ModelChoiceField(label=_("Lead unit (部门对口)"), queryset=Unit.objects.none(), required=False)
    cadres = PeopleChoiceField(
        label=_("Linked cadres (干部驻企)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, linkage: Linkage | None = None, **kwargs):
        if linkage is not None and linkage.pk:
            kwargs.setdefault(
                "initial",
                {
                    "leader": linkage.leader_id,
                    "lead_unit": linkage.lead_unit_id,
                    "cadres": [cadre.pk for cadre in linkage.cadres.all()],
                    "note": linkage.note,
                },
            )
        super().__init__(*args, **kwargs)
        has_linkage = linkage is not None and linkage.pk
        current_leader = User.objects.filter(pk=linkage.leader_id if has_linkage else None)
        current_cadres = User.objects.filter(pk__in=[c.pk for c in linkage.cadres.all()] if has_linkage else [])
        self.fields["leader"].queryset = (leader_choices() | current_leader).distinct()
        self.fields["cadres"].queryset = (cadre_choices() | current_cadres).distinct()
        current_unit = Unit.objects.filter(pk=linkage.lead_unit_id if has_linkage else None)
        self.fields["lead_unit"].queryset = (lead_unit_choices() | current_unit).distinct()


class CopyYearForm(forms.Form):
    from_year = forms.IntegerField(label=_("Copy from year"), min_value=2000, max_value=2100)
    to_year = forms.IntegerField(label=_("to year"), min_value=2000, max_value=2100)
