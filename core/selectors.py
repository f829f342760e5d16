from accounts.models import Unit, User
from accounts.scope import scoped
from enterprises.models import Enterprise


def home_overview(*, user) -> dict:
    """Counts of what the user's scope reaches, for the home page."""
    return {
        "units": scoped(user, Unit.objects.filter(is_active=True)).count(),
        "users": scoped(user, User.objects.filter(is_active=True)).count(),
        "enterprises": scoped(user, Enterprise.objects.all()).count(),
    }
