"""The case list (/cases/): the work queues of the user's roles as tabs with their counts, filters, search,
sort and pages on every tab, and the ledger (台账) export of the same tab and filters to Excel."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.scope import has_role
from cases.deadlines import Level, Thresholds
from cases.models import Assignment, Case, CaseCategory, Urgency
from cases.selectors import lists as selectors
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.permissions import role_required

YES_NO = [("", gettext_lazy("all")), ("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))]
# Filters folded away by default (on a phone the list comes first); open when one of them is set.
MORE_FILTERS = ("channel", "urgency", "lead_unit", "region", "submitted_from", "submitted_to", "listed", "outcome")
STAFF_ONLY_FILTERS = ("channel", "lead_unit", "region", "listed")
# Tabs whose count shows in red when not zero.
URGENT_QUEUES = ("overdue",)


def _all(choices) -> list:
    return [("", gettext_lazy("all")), *choices]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return "\u3000" * unit.depth + unit.name


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        # Indented by depth so the select reads as the region tree.
        return "\u3000" * region.depth + region.name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class CaseFilterForm(forms.Form):
    """The list's filters, read from the query string. A bad value shows its message next to the field and is
    not applied; the other filters still are."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=_all(Case.State.choices), required=False)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=CaseCategory.objects.none(),
        required=False,
        empty_label=gettext_lazy("all"),
    )
    level = forms.ChoiceField(label=gettext_lazy("Deadline"), choices=_all(selectors.LEVEL_CHOICES), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=_all(Case.Channel.choices), required=False)
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=_all(Urgency.choices), required=False)
    lead_unit = UnitChoiceField(
        label=gettext_lazy("Lead unit"),
        queryset=selectors.Unit.objects.none(),
        required=False,
        empty_label=gettext_lazy("all"),
    )
    region = RegionChoiceField(
        label=gettext_lazy("Region"),
        queryset=selectors.Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("all"),
    )
    submitted_from = forms.DateField(label=gettext_lazy("Submitted from"), required=False, widget=DateInput())
    submitted_to = forms.DateField(label=gettext_lazy("Submitted to"), required=False, widget=DateInput())
    listed = forms.ChoiceField(label=gettext_lazy("Listed for supervision"), choices=YES_NO, required=False)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=_all(selectors.OUTCOME_CHOICES), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), choices=selectors.SORT_CHOICES, required=False)
    enterprise = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, staff: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CaseCategory.objects.order_by("sort_order", "code")
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": _("number, enterprise, credit code or text")}
        )
        if staff:
            self.fields["lead_unit"].queryset = selectors.unit_options()
            self.fields["region"].queryset = selectors.region_options()
        else:
            # An enterprise sees its own cases: where they came from or who leads them is nothing to sift by.
            for name in STAFF_ONLY_FILTERS:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        first, last = data.get("submitted_from"), data.get("submitted_to")
        if first and last and last < first:
            self.add_error("submitted_to", _("The end date is before the start date."))
        return data

    def selector_filters(self) -> dict:
        """The filters for selectors.lists.case_filter, leaving out anything invalid."""
        self.is_valid()
        data = self.cleaned_data
        category, unit, region = data.get("category"), data.get("lead_unit"), data.get("region")
        return {
            "search": (data.get("q") or "").strip(),
            "state": data.get("state") or "",
            "category_id": category.pk if category else None,
            "level": data.get("level") or "",
            "channel": data.get("channel") or "",
            "urgency": data.get("urgency") or "",
            "lead_unit_id": unit.pk if unit else None,
            "region_id": region.pk if region else None,
            "enterprise_id": data.get("enterprise"),
            "submitted_from": data.get("submitted_from"),
            "submitted_to": data.get("submitted_to"),
            "listed": {"yes": True, "no": False}.get(data.get("listed") or ""),
            "outcome": data.get("outcome") or "",
        }

    def sort_key(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or selectors.DEFAULT_SORT


def _is_staff(user) -> bool:
    return has_role(user, *(role for role in Role.values if role != Role.ENTERPRISE))


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _request_filters(request):
    """The tab, the filter form, the selector's filters and the sort, from the query string."""
    staff = _is_staff(request.user)
    form = CaseFilterForm(request.GET, staff=staff)
    queues = selectors.queues_for(request.user)
    queue = selectors.pick_queue(queues, request.GET.get("queue"))
    return queues, queue, form, form.selector_filters(), form.sort_key()


@role_required(*Role.values)
def case_list(request):
    thresholds = Thresholds.at()
    queues, queue, form, filters, sort = _request_filters(request)
    counts = {c.key: c.count for c in selectors.queue_counts(request.user, thresholds=thresholds)}
    key = queue.key if queue else ""
    cases = selectors.case_list(user=request.user, queue=key, thresholds=thresholds, sort=sort, **filters)
    page = paginate(request, cases)
    page.object_list = list(page.object_list)
    for case in page.object_list:
        case.expected = selectors.expected_of_enterprise(case)
        case.expected_label = selectors.EXPECTED_LABELS.get(case.expected, "")
    more_set = any(form.data.get(name) for name in MORE_FILTERS if name in form.fields)
    filtered = any(value for name, value in request.GET.items() if name not in ("queue", "page", "sort"))
    return render(
        request,
        "cases/lists/case_list.html",
        {
            "page": page,
            "form": form,
            "tabs": [{"queue": q, "count": counts.get(q.key, 0), "current": q == queue} for q in queues],
            "queue": queue,
            "thresholds": thresholds,
            "staff": _is_staff(request.user),
            "office": has_role(request.user, Role.OFFICE),
            "filtered": filtered,
            "urgent_queues": URGENT_QUEUES,
            "enterprise_user": has_role(request.user, Role.ENTERPRISE) and bool(request.user.enterprise_id),
            "more_filters": [form[name] for name in MORE_FILTERS if name in form.fields],
            "more_open": more_set or any(form[name].errors for name in MORE_FILTERS if name in form.fields),
            # The tab links keep the filters; the export takes the tab and the filters.
            "tab_query": _query_without(request, "queue", "page"),
            "export_query": _query_without(request, "page"),
        },
    )


def _yes_no(value) -> str:
    if value is None:
        return ""
    return _("yes") if value else _("no")


def _names(units) -> str:
    return "、".join(unit.name for unit in units)


def ledger_columns(thresholds: Thresholds) -> list[ExportColumn]:
    def level(case):
        value = thresholds.level(case.due_at, case.state, case.paused_since)
        return Level.LABELS[value] if value else ""

    return [
        ExportColumn(_("Number"), lambda c: c.number, 13),
        ExportColumn(_("Enterprise"), lambda c: c.enterprise.name, 28),
        ExportColumn(_("Credit code"), lambda c: c.enterprise.credit_code, 22),
        ExportColumn(_("Region"), lambda c: c.enterprise.region.name, 12),
        ExportColumn(_("Title"), lambda c: c.title, 30),
        ExportColumn(_("Description"), lambda c: c.description, 48),
        ExportColumn(_("Category"), lambda c: c.category.name, 10),
        ExportColumn(_("Urgency"), lambda c: c.get_urgency_display(), 8),
        ExportColumn(_("Channel"), lambda c: c.get_channel_display(), 14),
        ExportColumn(_("Submitted at"), lambda c: c.submitted_at, 17),
        ExportColumn(_("State"), lambda c: c.get_state_display(), 10),
        ExportColumn(_("Lead unit"), lambda c: c.lead_unit.name if c.lead_unit_id else "", 18),
        ExportColumn(_("Co-handling units"), lambda c: _names(selectors.units_of(c, Assignment.Role.CO)), 24),
        ExportColumn(_("Locality units"), lambda c: _names(selectors.units_of(c, Assignment.Role.LOCALITY)), 18),
        ExportColumn(_("Accept by"), lambda c: c.accept_due_at, 17),
        ExportColumn(_("Resolve by"), lambda c: c.due_at, 17),
        ExportColumn(_("Deadline"), level, 8),
        ExportColumn(_("Resolved at"), lambda c: c.resolved_at, 17),
        ExportColumn(_("Outcome"), lambda c: c.get_outcome_display() if c.outcome else "", 8),
        ExportColumn(_("On time"), lambda c: _yes_no(c.resolved_on_time), 8),
        ExportColumn(_("Rating"), lambda c: c.get_rating_display() if c.rating else "", 10),
        ExportColumn(_("Times reopened"), lambda c: c.reopen_count, 8),
        ExportColumn(_("Times returned"), lambda c: c.return_count, 8),
        ExportColumn(_("Listed for supervision"), lambda c: _yes_no(c.listed_at is not None), 8),
        ExportColumn(_("Closed at"), lambda c: c.closed_at, 17),
    ]


@role_required(*Role.values)
def case_export(request):
    thresholds = Thresholds.at()
    _queues, queue, _form, filters, sort = _request_filters(request)
    key = queue.key if queue else ""
    cases = selectors.case_ledger(user=request.user, queue=key, thresholds=thresholds, sort=sort, **filters)
    return xlsx_response(_("case-ledger"), _("Cases"), ledger_columns(thresholds), cases.iterator(chunk_size=2000))


urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/export/", case_export, name="case_export"),
]
