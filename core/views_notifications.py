"""The in-app inbox: every signed-in user's own messages, newest first; opening one marks it read and goes
to what it is about."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import notifications
from core.pagination import paginate

PAGE_SIZE = 20


def _safe(request, target: str) -> str | None:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _back_to_inbox(request) -> str:
    return _safe(request, request.POST.get("next", "")) or reverse("notification_list")


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, notifications.inbox(request.user, unread_only=unread_only), PAGE_SIZE)
    return render(request, "core/notifications.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def notification_open(request, pk: int):
    notification = notifications.mark_read(user=request.user, notification_id=pk)
    return redirect(_safe(request, notification.link) or _back_to_inbox(request))


@login_required
@require_POST
def notification_read_all(request):
    marked = notifications.mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return redirect(_back_to_inbox(request))
