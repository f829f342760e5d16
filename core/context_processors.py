from accounts.navigation import navigation_for
from core.workdays import missing_schedule_years


def shell(request):
    """What the base layout needs on every page: the navigation of the user's roles, and the years whose
    official holiday schedule is still missing (deadlines in them are computed on weekends alone)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": navigation_for(user), "calendar_missing_years": missing_schedule_years()}
