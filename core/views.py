from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from accounts.models import STAFF_ROLES, Role
from accounts.scope import user_roles
from cases.selectors.lists import queue_counts
from core import selectors
from core.notifications import unread_count

# The order in which a user with several roles sees their home panels: the busiest desk first.
ROLE_ORDER = [Role.OFFICE, Role.UNIT_HEAD, Role.UNIT_HANDLER, Role.LEADER, Role.CADRE, Role.AUDITOR, Role.ENTERPRISE]


@login_required
def home(request):
    """Each role's desk. Later issues fill each panel with its work queue."""
    roles = set(Role.values) if request.user.is_superuser else user_roles(request.user)
    panels = [role for role in ROLE_ORDER if role in roles]
    context = {
        "panels": panels,
        "role_labels": dict(Role.choices),
        "overview": selectors.home_overview(user=request.user),
        # Warnings are the government's own assessment: enterprise users never see them.
        "shows_warnings": bool(roles & STAFF_ROLES),
        # The user's case queues with their counts (one query), each a link to that tab of the case list.
        "case_queues": queue_counts(request.user),
        "unread": unread_count(request.user),
    }
    if Role.LEADER in roles or Role.CADRE in roles:
        context["linked_enterprises"] = selectors.my_linked_enterprises(user=request.user)
    return render(request, "core/home.html", context)


def healthz(request):
    """For the load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
