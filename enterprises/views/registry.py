"""Pages of the enterprise registry: the list and its Excel export, the profile (企业画像), create and edit,
the industry look-up behind the industry field, the tag dictionary."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.scope import is_office
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.permissions import role_required
from enterprises.forms.registry import (
    EnterpriseContactForm,
    EnterpriseFilterForm,
    EnterpriseForm,
    TagCreateForm,
    TagEditForm,
)
from enterprises.models import Industry
from enterprises.selectors import registry as selectors
from enterprises.services import registry as services

# How many industries the look-up offers at once: enough to pick from while typing.
INDUSTRY_OPTIONS_LIMIT = 30


def _show_errors(form, error: ValidationError) -> None:
    """Put a service's errors next to the fields they name; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@role_required(*STAFF_ROLES)
def enterprise_list(request):
    form = EnterpriseFilterForm(request.GET)
    enterprises = selectors.enterprise_list(user=request.user, **form.selector_filters())
    page = paginate(request, enterprises)
    return render(
        request,
        "enterprises/registry/enterprise_list.html",
        {"form": form, "page": page, "may_create": is_office(request.user)},
    )


def export_columns(user) -> list[ExportColumn]:
    def yes_no(value: bool) -> str:
        return _("yes") if value else _("no")

    return [
        ExportColumn(_("Name"), lambda e: e.name, 30),
        ExportColumn(_("Unified social credit code"), lambda e: e.credit_code, 22),
        ExportColumn(_("Legal representative"), lambda e: e.legal_representative),
        ExportColumn(_("Region"), lambda e: e.region.name),
        ExportColumn(_("Region code"), lambda e: e.region.code, 12),
        ExportColumn(_("Park"), lambda e: e.park.name if e.park else ""),
        ExportColumn(pgettext("postal address", "Address"), lambda e: e.address, 30),
        ExportColumn(_("Founding date"), lambda e: e.founded_on, 12),
        ExportColumn(_("Registered capital (10k yuan)"), lambda e: e.registered_capital, 14),
        ExportColumn(_("Industry code"), lambda e: e.industry_id or "", 10),
        ExportColumn(_("Industry"), lambda e: e.industry.name if e.industry else "", 24),
        ExportColumn(_("Size class"), lambda e: e.get_size_display(), 10),
        ExportColumn(_("Above designated size"), lambda e: yes_no(e.above_scale), 10),
        ExportColumn(_("Key enterprise"), lambda e: yes_no(e.is_key), 10),
        ExportColumn(_("Tags"), lambda e: "、".join(tag.name for tag in e.tags.all()), 24),
        ExportColumn(_("Warning level"), lambda e: e.get_warning_level_display(), 10),
        ExportColumn(_("Contact person"), lambda e: e.contact_name),
        ExportColumn(_("Contact phone"), lambda e: selectors.contact_phone_for(user, e)),
    ]


@role_required(*STAFF_ROLES)
def enterprise_export(request):
    form = EnterpriseFilterForm(request.GET)
    enterprises = selectors.enterprise_list(user=request.user, **form.selector_filters())
    return xlsx_response(
        pgettext("file name", "enterprises"),
        _("Enterprises"),
        export_columns(request.user),
        enterprises.iterator(chunk_size=500),
    )


@role_required(*STAFF_ROLES, Role.ENTERPRISE)
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_detail(user=request.user, enterprise_id=pk)
    return render(
        request,
        "enterprises/registry/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "industry_chain": selectors.industry_chain(enterprise.industry),
            "contact_phone": selectors.contact_phone_for(request.user, enterprise),
            "may_edit": bool(services.editable_fields(request.user, enterprise)),
        },
    )


@role_required(Role.OFFICE)
def enterprise_create(request):
    form = EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_create(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Enterprise “%(name)s” registered.") % {"name": enterprise.name})
            return redirect("enterprise_detail", enterprise.pk)
    return render(request, "enterprises/registry/enterprise_form.html", {"form": form, "enterprise": None})


@role_required(*STAFF_ROLES, Role.ENTERPRISE)
def enterprise_edit(request, pk):
    enterprise = selectors.enterprise_detail(user=request.user, enterprise_id=pk)
    allowed = services.editable_fields(request.user, enterprise)
    if not allowed:
        raise PermissionDenied(_("You may not edit this enterprise."))
    form_class = EnterpriseForm if allowed == services.ENTERPRISE_FIELDS else EnterpriseContactForm
    form = form_class(request.POST or None, user=request.user, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(actor=request.user, enterprise_id=enterprise.pk, **form.service_arguments())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Enterprise “%(name)s” saved.") % {"name": enterprise.name})
            return redirect("enterprise_detail", enterprise.pk)
    return render(request, "enterprises/registry/enterprise_form.html", {"form": form, "enterprise": enterprise})


@role_required(*STAFF_ROLES)
def industry_options(request):
    """HTMX: <option>s of the industries matching what was typed in the industry field, and the name of
    the industry whose code was typed exactly."""
    query = (request.GET.get("industry_code") or request.GET.get("q") or "").strip()
    # Sections are too broad to register an enterprise under; only divisions and groups are offered.
    industries = selectors.industry_search(query=query).exclude(level=Industry.Level.SECTION)[:INDUSTRY_OPTIONS_LIMIT]
    exact = Industry.objects.filter(code=query).exclude(level=Industry.Level.SECTION).first() if query else None
    return render(
        request,
        "enterprises/registry/_industry_options.html",
        {"industries": industries if query else [], "exact": exact, "query": query},
    )


@role_required(Role.OFFICE)
def tag_list(request):
    form = TagCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = services.tag_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Tag “%(name)s” added.") % {"name": tag.name})
            return redirect("tag_list")
    tags = selectors.tag_list(user=request.user)
    return render(request, "enterprises/registry/tag_list.html", {"form": form, "tags": tags})


@require_POST
@role_required(Role.OFFICE)
def tag_edit(request, pk):
    form = TagEditForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return redirect("tag_list")
    try:
        tag = services.tag_update(actor=request.user, tag_id=pk, **form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Tag “%(name)s” saved.") % {"name": tag.name})
    return redirect("tag_list")


urlpatterns = [
    path("enterprises/", enterprise_list, name="enterprise_list"),
    path("enterprises/export/", enterprise_export, name="enterprise_export"),
    path("enterprises/new/", enterprise_create, name="enterprise_create"),
    path("enterprises/<int:pk>/", enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", enterprise_edit, name="enterprise_edit"),
    path("enterprises/industries/options/", industry_options, name="industry_options"),
    path("enterprises/tags/", tag_list, name="tag_list"),
    path("enterprises/tags/<int:pk>/", tag_edit, name="tag_edit"),
]
