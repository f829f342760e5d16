from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiTokenForm
from accounts.models import STAFF_ROLES, Role, Unit
from accounts.scope import get_for_user
from core.pagination import paginate
from core.permissions import role_required

OVERSIGHT_ROLES = [Role.OFFICE, Role.AUDITOR]


@role_required(*STAFF_ROLES)
def unit_list(request):
    search, kind = request.GET.get("q", "").strip(), request.GET.get("kind", "")
    page = paginate(request, selectors.unit_list(user=request.user, search=search, kind=kind))
    return render(
        request,
        "accounts/unit_list.html",
        {"page": page, "q": search, "kind": kind, "kinds": Unit.Kind.choices},
    )


@role_required(*STAFF_ROLES)
def unit_detail(request, pk):
    unit = get_for_user(request.user, Unit.objects.select_related("region", "parent"), pk=pk)
    members = selectors.user_list(user=request.user, unit_id=unit.pk)
    children = selectors.unit_list(user=request.user).filter(parent=unit)
    return render(request, "accounts/unit_detail.html", {"unit": unit, "members": members, "children": children})


@role_required(*STAFF_ROLES)
def user_list(request):
    search, role = request.GET.get("q", "").strip(), request.GET.get("role", "")
    page = paginate(request, selectors.user_list(user=request.user, search=search, role=role))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "q": search, "role": role, "roles": Role.choices},
    )


@role_required(Role.OFFICE)
def token_list(request):
    created_raw = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, created_raw = services.api_token_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            user=form.cleaned_data["user"],
            expires_at=form.cleaned_data["expires_at"],
        )
        messages.success(
            request, _("Token “%(name)s” created. Copy it now: it will not be shown again.") % {"name": token.name}
        )
        form = ApiTokenForm()
    tokens = selectors.api_token_list(user=request.user)
    return render(request, "accounts/token_list.html", {"form": form, "tokens": tokens, "created_raw": created_raw})


@require_POST
@role_required(Role.OFFICE)
def token_revoke(request, pk):
    token = services.api_token_revoke(actor=request.user, token_id=pk)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("token_list")


@role_required(*OVERSIGHT_ROLES)
def login_log(request):
    username = request.GET.get("username", "").strip()
    successes = AccessLog.objects.order_by("-attempt_time")
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    if username:
        successes, failures = successes.filter(username=username), failures.filter(username=username)
    show = request.GET.get("show", "success")
    page = paginate(request, failures if show == "failure" else successes)
    return render(request, "accounts/login_log.html", {"page": page, "show": show, "username": username})


@role_required(*OVERSIGHT_ROLES)
def operation_log(request):
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    actor = request.GET.get("actor", "").strip()
    if actor:
        entries = entries.filter(actor__username=actor)
    page = paginate(request, entries)
    return render(request, "accounts/operation_log.html", {"page": page, "actor": actor})
