"""The supply-and-demand pages (供需对接): the board of posts with its filters, posting and editing an offer
or a need, closing it, a post's page with its matches, the office's list of matches with the totals, a
match's page, and brokering a match and recording what came of it.

Every staff role reads every post and match; an enterprise user reads its own posts and the matches the
office has taken up that involve them (chains.selectors.market). Who writes is decided in
chains.services.market: an enterprise user its own posts, the office every post and every match; anyone
else gets 403 on the writing pages. A post or match outside the reader's scope is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from chains.forms import market as forms
from chains.models import MarketMatch, MarketPost
from chains.selectors import market as selectors
from chains.services import market as services
from core.pagination import paginate
from core.permissions import role_required

EVERYONE = tuple(Role.values)
POSTERS = (Role.OFFICE, Role.ENTERPRISE)
PAGE_SIZE = 30


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


# The board -------------------------------------------------------------------------------------------------


@role_required(*EVERYONE)
def market_list(request):
    filters = {
        "kind": request.GET.get("kind", ""),
        "status": request.GET.get("status", "open"),
        "chain": request.GET.get("chain", ""),
        "node": request.GET.get("node", ""),
        "search": request.GET.get("q", "").strip()[: selectors.SEARCH_LIMIT],
    }
    posts = selectors.post_list(user=request.user, **filters)
    context = {
        "page": paginate(request, posts, PAGE_SIZE),
        "filters": filters,
        "kinds": MarketPost.Kind.choices,
        "statuses": MarketPost.Status.choices,
        "can_post": services.can_post(request.user),
        "staff": selectors.reads_proposals(request.user),
    }
    if _is_htmx(request):
        return render(request, "chains/market/_post_table.html", context)
    context["chains"] = selectors.chain_choices(user=request.user)
    context["nodes"] = selectors.node_choices(user=request.user)
    if context["staff"]:
        context["totals"] = selectors.totals(user=request.user)
    return render(request, "chains/market/list.html", context)


# Posting -----------------------------------------------------------------------------------------------------


def _post_form_page(request, form, post=None):
    return render(request, "chains/market/post_form.html", {"form": form, "post": post})


@role_required(*POSTERS)
def market_post_create(request):
    with_enterprise = services.can_broker(request.user)
    nodes = selectors.node_choices(user=request.user)
    if request.method == "POST":
        form = forms.PostForm(request.POST, nodes=nodes, with_enterprise=with_enterprise)
        if form.is_valid():
            try:
                post = services.post_save(actor=request.user, **form.service_fields())
            except ValidationError as error:
                form.apply_errors(error)
            else:
                messages.success(
                    request,
                    _("“%(title)s” is posted: matching posts are proposed to the office.") % {"title": post.title},
                )
                return redirect("market_post_detail", post.pk)
    else:
        initial = {"kind": request.GET.get("kind", MarketPost.Kind.OFFER)}
        if request.GET.get("node", "").isdigit():
            initial["node"] = int(request.GET["node"])
        form = forms.PostForm(initial=initial, nodes=nodes, with_enterprise=with_enterprise)
    return _post_form_page(request, form)


@role_required(*POSTERS)
def market_post_edit(request, pk):
    post = selectors.post_for(user=request.user, pk=pk)
    nodes = selectors.node_choices(user=request.user)
    if request.method == "POST":
        form = forms.PostForm(request.POST, nodes=nodes)
        if form.is_valid():
            try:
                services.post_save(actor=request.user, post_id=post.pk, **form.service_fields())
            except ValidationError as error:
                form.apply_errors(error)
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": form.cleaned_data["title"]})
                return redirect("market_post_detail", post.pk)
    else:
        if not services.can_edit_post(request.user, post):
            raise PermissionDenied(
                _("Only the enterprise that posted it and the coordinating office may change this post.")
            )
        if post.status == MarketPost.Status.CLOSED:
            messages.error(request, _("This post is closed: it changes no more."))
            return redirect("market_post_detail", post.pk)
        form = forms.PostForm(initial=forms.PostForm.initial_for(post), nodes=nodes)
    return _post_form_page(request, form, post)


@require_POST
@role_required(*POSTERS)
def market_post_close(request, pk):
    post = selectors.post_for(user=request.user, pk=pk)
    try:
        services.post_close(actor=request.user, post_id=post.pk)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("“%(title)s” is closed.") % {"title": post.title})
    return redirect("market_post_detail", post.pk)


@role_required(*EVERYONE)
def market_post_detail(request, pk):
    post = selectors.post_for(user=request.user, pk=pk)
    matches = list(selectors.match_list(user=request.user, post=post.pk))
    waiting = 0
    if not selectors.reads_proposals(request.user):
        waiting = MarketMatch.objects.filter(Q(offer=post) | Q(need=post), status=MarketMatch.Status.PROPOSED).count()
    return render(
        request,
        "chains/market/post_detail.html",
        {
            "post": post,
            "matches": matches,
            "waiting": waiting,
            "can_edit": services.can_edit_post(request.user, post) and post.status == MarketPost.Status.OPEN,
            "can_broker": services.can_broker(request.user),
        },
    )


# Matches -----------------------------------------------------------------------------------------------------


@role_required(*EVERYONE)
def market_match_list(request):
    status = request.GET.get("status", "open")
    search = request.GET.get("q", "").strip()[: selectors.SEARCH_LIMIT]
    matches = selectors.match_list(user=request.user, status=status, search=search)
    context = {
        "page": paginate(request, matches, PAGE_SIZE),
        "status": status,
        "search": search,
        "statuses": MarketMatch.Status.choices,
        "can_broker": services.can_broker(request.user),
    }
    if _is_htmx(request):
        return render(request, "chains/market/_match_table.html", context)
    context["totals"] = selectors.totals(user=request.user)
    return render(request, "chains/market/match_list.html", context)


def _match_page(request, match, record_form=None):
    return render(
        request,
        "chains/market/match_detail.html",
        {
            "match": match,
            "can_broker": services.can_broker(request.user),
            "can_record": services.can_broker(request.user) and match.status in services.TRANSITIONS,
            "broker_form": forms.BrokerForm(),
            "record_form": record_form or forms.RecordForm(),
        },
    )


@role_required(*EVERYONE)
def market_match_detail(request, pk):
    return _match_page(request, selectors.match_for(user=request.user, pk=pk))


@require_POST
@role_required(Role.OFFICE)
def market_match_broker(request, pk):
    match = selectors.match_for(user=request.user, pk=pk)
    form = forms.BrokerForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.match_broker(actor=request.user, match_id=match.pk, note=note)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(
            request,
            _("Brokered: %(offer)s and %(need)s are told.")
            % {"offer": match.offer.enterprise.name, "need": match.need.enterprise.name},
        )
    if request.POST.get("next") == "list":
        return redirect("market_match_list")
    return redirect("market_match_detail", match.pk)


@require_POST
@role_required(Role.OFFICE)
def market_match_record(request, pk):
    match = selectors.match_for(user=request.user, pk=pk)
    form = forms.RecordForm(request.POST)
    if form.is_valid():
        try:
            services.match_record(actor=request.user, match_id=match.pk, **form.service_fields())
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect("market_match_detail", match.pk)
    # The form comes back with what was typed and the messages on it.
    return _match_page(request, match, form)


urlpatterns = [
    path("chains/market/", market_list, name="market_list"),
    path("chains/market/new/", market_post_create, name="market_post_create"),
    path("chains/market/<int:pk>/", market_post_detail, name="market_post_detail"),
    path("chains/market/<int:pk>/edit/", market_post_edit, name="market_post_edit"),
    path("chains/market/<int:pk>/close/", market_post_close, name="market_post_close"),
    path("chains/market/matches/", market_match_list, name="market_match_list"),
    path("chains/market/matches/<int:pk>/", market_match_detail, name="market_match_detail"),
    path("chains/market/matches/<int:pk>/broker/", market_match_broker, name="market_match_broker"),
    path("chains/market/matches/<int:pk>/record/", market_match_record, name="market_match_record"),
]
