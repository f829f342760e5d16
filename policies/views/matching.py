"""Pages of the matching: the enterprise's "my policies" (eligible, to be confirmed, nearly eligible with what
is missing, applied, granted, each with its explanation), one policy with the enterprise's own standing, the
category subscriptions, and the office's list of the enterprises matched to a policy (filters, Excel export,
"rerun matching")."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Region, Role
from accounts.scope import get_for_user, is_office, scoped
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.permissions import role_required
from policies.models import Policy, PolicyMatch
from policies.selectors import matching as selectors
from policies.services import matching as services


@role_required(Role.ENTERPRISE)
def my_policies(request):
    mine = selectors.my_policies(request.user)
    return render(
        request,
        "policies/matching/my_policies.html",
        {
            "enterprise": mine.enterprise,
            "eligible": mine.sections[PolicyMatch.State.ELIGIBLE],
            "to_confirm": mine.sections[PolicyMatch.State.TO_CONFIRM],
            "nearly": mine.sections[PolicyMatch.State.NEARLY],
            "applications": mine.applications,
            "disbursements": mine.disbursements,
        },
    )


@role_required(Role.ENTERPRISE)
def my_policy(request, policy_id):
    mine = selectors.my_policy(request.user, policy_id)
    return render(
        request,
        "policies/matching/my_policy.html",
        {
            "enterprise": mine.enterprise,
            "policy": mine.item.policy,
            "item": mine.item,
            "active": mine.active,
            "applications": mine.applications,
            "disbursements": mine.disbursements,
        },
    )


@role_required(Role.ENTERPRISE)
def policy_subscriptions(request):
    if request.method == "POST":
        try:
            services.subscriptions_set(actor=request.user, category_ids=request.POST.getlist("category"))
        except (ValidationError, ValueError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Your policy subscriptions are saved."))
            return redirect("policy_subscriptions")
    return render(
        request,
        "policies/matching/subscriptions.html",
        {"choices": selectors.subscription_choices(request.user)},
    )


# The office's list of one policy's matches.


def _filters(request):
    state = request.GET.get("state", "")
    if state not in PolicyMatch.State.values:
        state = ""
    region = None
    region_id = request.GET.get("region", "")
    if region_id.isdigit():
        region = scoped(request.user, Region.objects.all()).filter(pk=region_id).first()
    return state, region, request.GET.get("q", "").strip()


@role_required(*STAFF_ROLES)
def policy_matches(request, pk):
    policy = get_for_user(request.user, Policy, pk=pk)
    state, region, search = _filters(request)
    matches = selectors.match_list(request.user, policy, state=state, region=region, search=search)
    page = paginate(request, matches)
    tags = selectors.tag_names()
    rows = [(match, selectors.missing_text(match, tags)) for match in page]
    return render(
        request,
        "policies/matching/matches.html",
        {
            "policy": policy,
            "page": page,
            "rows": rows,
            "counts": selectors.match_counts(request.user, policy),
            "states": PolicyMatch.State.choices,
            "state": state,
            "region": region,
            "regions": selectors.match_regions(request.user, policy),
            "q": search,
            "can_rerun": is_office(request.user),
            "active": services.is_active(policy),
        },
    )


@role_required(*STAFF_ROLES)
def policy_matches_export(request, pk):
    policy = get_for_user(request.user, Policy, pk=pk)
    state, region, search = _filters(request)
    matches = selectors.match_list(request.user, policy, state=state, region=region, search=search)
    tags = selectors.tag_names()
    columns = [
        ExportColumn(_("Enterprise"), lambda m: m.enterprise.name, 36),
        ExportColumn(_("Unified social credit code"), lambda m: m.enterprise.credit_code, 22),
        ExportColumn(_("Region"), lambda m: m.enterprise.region.name, 16),
        ExportColumn(_("Industry"), lambda m: str(m.enterprise.industry or ""), 24),
        ExportColumn(_("Standing"), lambda m: m.get_state_display(), 22),
        ExportColumn(_("What is missing"), lambda m: selectors.missing_text(m, tags), 40),
        ExportColumn(_("First eligible at"), lambda m: m.first_matched_at, 18),
        ExportColumn(_("Notified at"), lambda m: m.notified_at, 18),
        ExportColumn(_("Matched at"), lambda m: m.matched_at, 18),
    ]
    return xlsx_response(
        _("policy-%(id)s-matches") % {"id": policy.pk}, _("Matches"), columns, matches.iterator(chunk_size=2000)
    )


@require_POST
@role_required(Role.OFFICE)
def policy_match_run(request, pk):
    policy = get_for_user(request.user, Policy, pk=pk)
    counts = services.policy_rematch(actor=request.user, policy_id=policy.pk)
    messages.success(
        request,
        _(
            "Matching rerun in %(seconds)s s: %(eligible)s eligible, %(to_confirm)s to be confirmed, %(nearly)s "
            "nearly eligible; %(notified)s enterprises notified."
        )
        % {
            "seconds": f"{counts.seconds:.2f}",
            "eligible": counts.eligible,
            "to_confirm": counts.to_confirm,
            "nearly": counts.nearly,
            "notified": counts.notified,
        },
    )
    return redirect(reverse("policy_matches", args=[policy.pk]))


urlpatterns = [
    path("my/policies/", my_policies, name="my_policies"),
    path("my/policies/subscriptions/", policy_subscriptions, name="policy_subscriptions"),
    path("my/policies/<int:policy_id>/", my_policy, name="my_policy"),
    path("policies/<int:pk>/matches/", policy_matches, name="policy_matches"),
    path("policies/<int:pk>/matches/export/", policy_matches_export, name="policy_matches_export"),
    path("policies/<int:pk>/matches/run/", policy_match_run, name="policy_match_run"),
]
