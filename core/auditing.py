"""Which models the operation log (django-auditlog) follows: who changed what, when, from where."""

from auditlog.registry import auditlog


def register_audited_models() -> None:
    from accounts.models import ApiToken, Region, Unit, User, UserRole
    from core.models import CalendarDay, CalendarYear
    from enterprises.models import Enterprise, Linkage

    auditlog.register(Region)
    auditlog.register(Unit)
    auditlog.register(User, exclude_fields=["password", "last_login"])
    auditlog.register(UserRole)
    auditlog.register(ApiToken, exclude_fields=["digest", "last_used_at"])
    auditlog.register(CalendarDay)
    auditlog.register(CalendarYear)
    auditlog.register(Enterprise)
    auditlog.register(Linkage, m2m_fields={"cadres"})
