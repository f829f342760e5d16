"""Forms of the registry pages. They only read the input; the rules are the services' (shared with the API)."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Region
from enterprises.models import Enterprise, Tag, WarningLevel
from enterprises.selectors.registry import DEFAULT_SORT, park_units, registration_regions

YES_NO = [("", _("all")), ("yes", _("yes")), ("no", _("no"))]
SORT_CHOICES = [
    ("name", _("name")),
    ("warning", _("warning level, highest first")),
    ("capital", _("registered capital, largest first")),
    ("founded", _("founding date, oldest first")),
]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        # Indented by depth so the select reads as the region tree.
        return "\u3000" * region.depth + f"{region.name} ({region.code})"


class EnterpriseFilterForm(forms.Form):
    """The list's filters, read from the query string; a bad value is simply not applied."""

    q = forms.CharField(label=_("Search"), required=False)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("all"))
    park = forms.ModelChoiceField(label=_("Park"), queryset=park_units(), required=False, empty_label=_("all"))
    industry = forms.CharField(label=_("Industry"), required=False, max_length=4)
    size = forms.ChoiceField(label=_("Size class"), choices=[("", _("all")), *Enterprise.Size.choices], required=False)
    above_scale = forms.ChoiceField(label=_("Above designated size"), choices=YES_NO, required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    min_warning = forms.TypedChoiceField(
        label=_("Warning level at least"),
        choices=[("", _("any")), *WarningLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    key = forms.ChoiceField(label=_("Key enterprise"), choices=YES_NO, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("path")
        self.fields["tag"].choices = [
            ("", _("all")),
            *Tag.objects.order_by("sort_order", "name").values_list("code", "name"),
        ]
        self.fields["industry"].widget.attrs.update({"placeholder": _("C, 36 or 361"), "size": 8})
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": _("name or credit code")})

    def selector_filters(self) -> dict:
        """The filters for selectors.registry.enterprise_list, leaving out anything invalid."""
        self.is_valid()  # invalid fields drop out of cleaned_data; the valid ones still apply
        data = self.cleaned_data
        region, park = data.get("region"), data.get("park")
        return {
            "search": data.get("q") or "",
            "region_id": region.pk if region else None,
            "park_id": park.pk if park else None,
            "industry": data.get("industry") or "",
            "size": data.get("size") or "",
            "above_scale": _yes_no(data.get("above_scale") or ""),
            "tag": data.get("tag") or "",
            "min_warning": data.get("min_warning"),
            "is_key": _yes_no(data.get("key") or ""),
            "sort": data.get("sort") or DEFAULT_SORT,
        }


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EnterpriseForm(forms.Form):
    """Every field, for the coordinating office. Field names match the service's keyword arguments."""

    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        help_text=_("18 characters as printed on the business licence."),
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=40, required=False)
    region_id = RegionChoiceField(label=_("Region"), queryset=Region.objects.none())
    park_id = forms.ModelChoiceField(label=_("Park"), queryset=park_units(), required=False)
    address = forms.CharField(label=pgettext_lazy("postal address", "Address"), max_length=200, required=False)
    founded_on = forms.DateField(label=_("Founding date"), required=False, widget=DateInput())
    registered_capital = forms.DecimalField(
        label=_("Registered capital (10k yuan)"), max_digits=14, decimal_places=2, required=False
    )
    industry_code = forms.CharField(
        label=_("Industry (GB/T 4754-2017 code)"),
        max_length=3,
        required=False,
        help_text=_("A division (2 digits) or group (3 digits) code; type a code or a name to search."),
    )
    size = forms.ChoiceField(label=_("Size class"), choices=[("", "—"), *Enterprise.Size.choices], required=False)
    above_scale = forms.BooleanField(label=_("Above designated size"), required=False)
    is_key = forms.BooleanField(label=_("Key enterprise"), required=False)
    tag_ids = forms.ModelMultipleChoiceField(
        label=_("Tags"), queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        required=False,
        help_text=_("A mobile number of 11 digits or a landline such as 0739-1234567."),
    )

    def __init__(self, *args, user, enterprise: Enterprise | None = None, **kwargs):
        if enterprise is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(enterprise)
        super().__init__(*args, **kwargs)
        regions = registration_regions(user)
        if enterprise is not None:  # an enterprise registered before a boundary change keeps its region
            regions = regions | Region.objects.filter(pk=enterprise.region_id)
        self.fields["region_id"].queryset = regions.order_by("path")
        self.fields["tag_ids"].queryset = Tag.objects.filter(is_active=True).order_by("sort_order", "name")
        self.fields["industry_code"].widget.attrs.update(
            {
                "list": "industry-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("industry_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#industry-options",
                "size": 6,
            }
        )
        self.fields["credit_code"].widget.attrs.update({"autocomplete": "off", "size": 22, "spellcheck": "false"})

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["region_id"] = data["region_id"].pk if data.get("region_id") else None
        data["park_id"] = data["park_id"].pk if data.get("park_id") else None
        data["tag_ids"] = [tag.pk for tag in data.get("tag_ids") or ()]
        return data


class EnterpriseContactForm(forms.Form):
    """What an enterprise's own users may change on their record."""

    address = forms.CharField(label=pgettext_lazy("postal address", "Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        required=False,
        help_text=_("A mobile number of 11 digits or a landline such as 0739-1234567."),
    )

    def __init__(self, *args, user=None, enterprise: Enterprise | None = None, **kwargs):
        if enterprise is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(enterprise)
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


def initial_from(enterprise: Enterprise) -> dict:
    return {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "legal_representative": enterprise.legal_representative,
        "region_id": enterprise.region_id,
        "park_id": enterprise.park_id,
        "address": enterprise.address,
        "founded_on": enterprise.founded_on,
        "registered_capital": enterprise.registered_capital,
        "industry_code": enterprise.industry_id or "",
        "size": enterprise.size,
        "above_scale": enterprise.above_scale,
        "is_key": enterprise.is_key,
        "tag_ids": [tag.pk for tag in enterprise.tags.all() if tag.is_active],
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
    }


class TagCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("A short Latin identifier used in imports and the API, e.g. srdi. Leave blank to make one."),
    )
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, required=False)


class TagEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0)
    is_active = forms.BooleanField(label=_("Active"), required=False)
