from django.db.models import F, Max, Q

from accounts.models import Unit, User
from accounts.scope import current_year, scoped
from enterprises.models import Enterprise, WarningLevel


def home_overview(*, user) -> dict:
    """Counts of what the user's scope reaches, for the home page."""
    enterprises = scoped(user, Enterprise.objects.all())
    return {
        "units": scoped(user, Unit.objects.filter(is_active=True)).count(),
        "users": scoped(user, User.objects.filter(is_active=True)).count(),
        "enterprises": enterprises.count(),
        "at_risk": enterprises.filter(warning_level__gte=WarningLevel.ORANGE).count(),
    }


def my_linked_enterprises(*, user, limit: int = 20) -> list[Enterprise]:
    """The enterprises the user is linked to this year (as leader or cadre), the least recently visited
    first, each with `last_visit` (None when never visited)."""
    year = current_year()
    linked = Q(linkages__year=year) & (Q(linkages__leader=user) | Q(linkages__cadres=user))
    return list(
        scoped(user, Enterprise.objects.filter(linked))
        .distinct()
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by(F("last_visit").asc(nulls_first=True), "name")[:limit]
    )
