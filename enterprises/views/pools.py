"""Pages of the cultivation pools (培育库): the year's overview with the 1.2 × rule, the 专精特新 ladder, a
pool's members (add, exit, promote, export) and the suggestions drawn from the operating figures."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Region, Role
from accounts.scope import get_for_user, is_office, scoped
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.periods import year_param
from core.permissions import role_required
from enterprises.forms.pools import MemberAddForm, MemberExitForm, MemberPromoteForm, PoolForm, apply_service_error
from enterprises.models import CultivationPool, PoolMembership
from enterprises.selectors import pools as selectors
from enterprises.services import pools as services


def _year(request) -> int:
    return year_param(request.GET.get("year") or request.POST.get("year"))


def _status_text(pool) -> str:
    status = pool.status
    if not status.applies:
        return ""
    if status.met:
        return _("met")
    return _("short by %(n)s") % {"n": status.shortfall}


# The overview and the ladder.


@role_required(*STAFF_ROLES)
def pool_overview(request):
    year = _year(request)
    pools = selectors.pool_list(user=request.user, year=year)
    small_to_scale = next((p for p in pools if p.kind == CultivationPool.Kind.SMALL_TO_SCALE), None)
    return render(
        request,
        "enterprises/pools/overview.html",
        {
            "year": year,
            "years": selectors.pool_years(user=request.user),
            "pools": pools,
            "small_to_scale": small_to_scale,
            "missing": selectors.missing_kinds(year=year, existing=pools),
            "can_edit": is_office(request.user),
        },
    )


@role_required(*STAFF_ROLES)
def pool_overview_export(request):
    year = _year(request)
    columns = [
        ExportColumn(_("Year"), lambda p: p.year, 8),
        ExportColumn(_("Pool"), lambda p: p.get_kind_display(), 32),
        ExportColumn(_("Target"), lambda p: p.target, 10),
        ExportColumn(_("Required size"), lambda p: p.required, 14),
        ExportColumn(_("Current members (all)"), lambda p: p.total_current, 14),
        ExportColumn(_("Current members in your scope"), lambda p: p.current, 16),
        ExportColumn(_("Entered this year"), lambda p: p.entered, 12),
        ExportColumn(_("Exited this year"), lambda p: p.exited, 12),
        ExportColumn(_("Size rule"), _status_text, 14),
        ExportColumn(_("Note"), lambda p: p.note, 40),
    ]
    pools = selectors.pool_list(user=request.user, year=year)
    return xlsx_response(_("cultivation-pools-%(year)s") % {"year": year}, _("Pools"), columns, iter(pools))


@require_POST
@role_required(Role.OFFICE)
def pool_create_year(request):
    year = _year(request)
    try:
        created = services.pools_create_for_year(actor=request.user, year=year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if created:
            messages.success(request, _("%(n)s pools created for %(year)s.") % {"n": len(created), "year": year})
        else:
            messages.info(request, _("Every pool of %(year)s exists already.") % {"year": year})
    return redirect(f"{reverse('pool_overview')}?year={year}")


@role_required(Role.OFFICE)
def pool_edit(request, pk):
    pool = get_for_user(request.user, CultivationPool, pk=pk)
    form = PoolForm(request.POST or None, instance=pool)
    if request.method == "POST" and form.is_valid():
        try:
            services.pool_update(
                actor=request.user,
                pool_id=pool.pk,
                target=form.cleaned_data["target"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Pool “%(pool)s” saved.") % {"pool": pool})
            return redirect(f"{reverse('pool_overview')}?year={pool.year}")
    return render(request, "enterprises/pools/edit.html", {"pool": pool, "form": form})


@role_required(*STAFF_ROLES)
def pool_ladder(request):
    year = _year(request)
    return render(
        request,
        "enterprises/pools/ladder.html",
        {
            "year": year,
            "years": selectors.pool_years(user=request.user),
            "tiers": selectors.ladder(user=request.user, year=year),
            "can_edit": is_office(request.user),
        },
    )


# One pool.


def _member_filters(request):
    search = request.GET.get("q", "").strip()
    region = None
    region_id = request.GET.get("region", "")
    if region_id.isdigit():
        region = scoped(request.user, Region.objects.all()).filter(pk=region_id).first()
    show = "exited" if request.GET.get("show") == "exited" else "current"
    return search, region, show


def _detail_context(request, pool, *, add_form=None):
    search, region, show = _member_filters(request)
    pool = selectors.pool_with_counts(user=request.user, pool=pool)
    members = selectors.member_list(
        user=request.user, pool=pool, current=show == "current", search=search, region=region
    )
    can_edit = is_office(request.user)
    find = request.GET.get("find", "").strip()
    context = {
        "pool": pool,
        "page": paginate(request, members),
        "show": show,
        "q": search,
        "region": region,
        "regions": selectors.region_choices(user=request.user),
        "can_edit": can_edit,
        "is_ladder": selectors.is_ladder_kind(pool.kind),
        "can_promote": can_edit and selectors.next_tier(pool.kind) is not None,
        "next_kind_label": (
            CultivationPool.Kind(selectors.next_tier(pool.kind)).label if selectors.next_tier(pool.kind) else ""
        ),
        "status_text": _status_text(pool),
        "today": timezone.localdate(),
        "find": find,
    }
    if can_edit:
        context["add_form"] = add_form or MemberAddForm(user=request.user)
        context["found"] = selectors.enterprise_search(user=request.user, pool=pool, search=find)
        if show == "current" and selectors.suggestion_rule(pool.kind):
            context["suggestions"], context["window"] = selectors.suggestions(user=request.user, pool=pool)
            context["suggestion_rule"] = selectors.suggestion_rule(pool.kind)
    return context


@role_required(*STAFF_ROLES)
def pool_detail(request, pk):
    pool = get_for_user(request.user, CultivationPool, pk=pk)
    if request.htmx and request.GET.get("find") is not None and is_office(request.user):
        found = selectors.enterprise_search(user=request.user, pool=pool, search=request.GET["find"].strip())
        return render(
            request,
            "enterprises/pools/_find_results.html",
            {"pool": pool, "found": found, "find": request.GET["find"].strip(), "today": timezone.localdate()},
        )
    return render(request, "enterprises/pools/detail.html", _detail_context(request, pool))


def _member_export_columns(current: bool) -> list[ExportColumn]:
    columns = [
        ExportColumn(_("Enterprise"), lambda m: m.enterprise.name, 36),
        ExportColumn(_("Credit code"), lambda m: m.enterprise.credit_code, 22),
        ExportColumn(_("Region"), lambda m: m.enterprise.region.name, 14),
        ExportColumn(_("Industry"), lambda m: str(m.enterprise.industry or ""), 28),
        ExportColumn(_("Above scale"), lambda m: _("yes") if m.enterprise.above_scale else _("no"), 10),
        ExportColumn(_("Warning level"), lambda m: m.enterprise.get_warning_level_display(), 10),
        ExportColumn(_("Entered on"), lambda m: m.entered_on, 12),
    ]
    if not current:
        columns += [
            ExportColumn(_("Exited on"), lambda m: m.exited_on, 12),
            ExportColumn(_("Exit reason"), lambda m: m.exit_reason, 30),
        ]
    return [*columns, ExportColumn(_("Note"), lambda m: m.note, 40)]


@role_required(*STAFF_ROLES)
def pool_export(request, pk):
    pool = get_for_user(request.user, CultivationPool, pk=pk)
    search, region, show = _member_filters(request)
    current = show == "current"
    members = selectors.member_list(user=request.user, pool=pool, current=current, search=search, region=region)
    name = _("%(pool)s-current") if current else _("%(pool)s-exited")
    return xlsx_response(
        name % {"pool": pool},
        _("Members") if current else _("Exited"),
        _member_export_columns(current),
        members.iterator(),
    )


@require_POST
@role_required(Role.OFFICE)
def pool_member_add(request, pk):
    pool = get_for_user(request.user, CultivationPool, pk=pk)
    form = MemberAddForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            membership = services.pool_member_add(
                actor=request.user,
                pool_id=pool.pk,
                enterprise_id=form.enterprise_obj.pk,
                entered_on=form.cleaned_data["entered_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(enterprise)s added to “%(pool)s”.") % {"enterprise": membership.enterprise.name, "pool": pool},
            )
            return redirect("pool_detail", pk=pool.pk)
    if form.enterprise_obj and not form.data.get("enterprise"):
        # Picked from a list: show the name in the form so the user sees which enterprise failed.
        form.data = form.data.copy()
        form.data["enterprise"] = form.enterprise_obj.credit_code
    return render(request, "enterprises/pools/detail.html", _detail_context(request, pool, add_form=form), status=422)


def _membership(request, pk, membership_id):
    return get_for_user(
        request.user,
        PoolMembership.objects.select_related("pool", "enterprise__region").filter(pool_id=pk),
        pk=membership_id,
    )


@role_required(Role.OFFICE)
def pool_member_exit(request, pk, membership_id):
    membership = _membership(request, pk, membership_id)
    form = MemberExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pool_member_exit(
                actor=request.user,
                pool_id=pk,
                membership_id=membership.pk,
                exited_on=form.cleaned_data["exited_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(enterprise)s left “%(pool)s”.")
                % {"enterprise": membership.enterprise.name, "pool": membership.pool},
            )
            return redirect("pool_detail", pk=pk)
    return render(request, "enterprises/pools/member_exit.html", {"membership": membership, "form": form})


@role_required(Role.OFFICE)
def pool_member_promote(request, pk, membership_id):
    membership = _membership(request, pk, membership_id)
    higher_kind = selectors.next_tier(membership.pool.kind)
    form = MemberPromoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            promoted = services.pool_member_promote(
                actor=request.user,
                pool_id=pk,
                membership_id=membership.pk,
                promoted_on=form.cleaned_data["promoted_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(enterprise)s promoted to “%(pool)s”.")
                % {"enterprise": membership.enterprise.name, "pool": promoted.pool},
            )
            return redirect("pool_detail", pk=promoted.pool_id)
    return render(
        request,
        "enterprises/pools/member_promote.html",
        {
            "membership": membership,
            "form": form,
            "higher_label": CultivationPool.Kind(higher_kind).label if higher_kind else "",
        },
    )


urlpatterns = [
    path("enterprises/pools/", pool_overview, name="pool_overview"),
    path("enterprises/pools/export/", pool_overview_export, name="pool_overview_export"),
    path("enterprises/pools/create-year/", pool_create_year, name="pool_create_year"),
    path("enterprises/pools/ladder/", pool_ladder, name="pool_ladder"),
    path("enterprises/pools/<int:pk>/", pool_detail, name="pool_detail"),
    path("enterprises/pools/<int:pk>/edit/", pool_edit, name="pool_edit"),
    path("enterprises/pools/<int:pk>/export/", pool_export, name="pool_export"),
    path("enterprises/pools/<int:pk>/members/add/", pool_member_add, name="pool_member_add"),
    path("enterprises/pools/<int:pk>/members/<int:membership_id>/exit/", pool_member_exit, name="pool_member_exit"),
    path(
        "enterprises/pools/<int:pk>/members/<int:membership_id>/promote/",
        pool_member_promote,
        name="pool_member_promote",
    ),
]
