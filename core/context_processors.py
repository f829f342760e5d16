from django.utils.functional import SimpleLazyObject

from accounts.models import Role
from accounts.navigation import navigation_for
from accounts.scope import user_roles
from core.notifications import unread_count
from core.workdays import missing_schedule_years


def shell(request):
    """What the base layout needs on every page: the navigation of the user's roles, for staff the years
    whose official holiday schedule is still missing (deadlines in them count weekends only), and the number
    of unread in-app notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {
        "nav_items": navigation_for(user),
        # Counted only when a template shows it, and then once: a page that does not pays no query.
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
    # Enterprise users cannot act on the calendar; the warning is for those who set or meet deadlines.
    if user.is_superuser or user_roles(user) - {Role.ENTERPRISE}:
        context["calendar_missing_years"] = missing_schedule_years()
    return context
