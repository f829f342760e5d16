"""Which models the operation log (django-auditlog) follows: who changed what, when, from where."""

from auditlog.registry import auditlog


def register_audited_models() -> None:
    from accounts.models import ApiToken, Region, Unit, User, UserRole
    from cases.models import CaseCategory, DeadlineRule
    from core.models import CalendarDay, CalendarYear
    from enterprises.models import (
        AssistancePlan,
        CultivationPool,
        Enterprise,
        EnterpriseWarning,
        Linkage,
        MonthlyFigure,
        PlanGoal,
        PlanProgress,
        PoolMembership,
        Tag,
        Visit,
    )
    from policies.models import Disbursement, GrantBatch, Policy, PolicyCategory, PolicyClause
    from reports.models import (
        AssessmentEvidence,
        AssessmentItem,
        AssessmentScheme,
        Bulletin,
        GoodPractice,
        MonthlyReport,
    )

    auditlog.register(Region)
    auditlog.register(Unit)
    auditlog.register(User, exclude_fields=["password", "last_login"])
    auditlog.register(UserRole)
    auditlog.register(ApiToken, exclude_fields=["digest", "last_used_at"])
    auditlog.register(CalendarDay)
    auditlog.register(CalendarYear)
    auditlog.register(Enterprise, m2m_fields={"tags"}, exclude_fields=["warning_level", "updated_at"])
    auditlog.register(Tag)
    auditlog.register(MonthlyFigure, exclude_fields=["updated_at"])
    auditlog.register(CultivationPool)
    auditlog.register(PoolMembership)
    auditlog.register(EnterpriseWarning)
    auditlog.register(AssistancePlan, exclude_fields=["updated_at"])
    auditlog.register(PlanGoal)
    auditlog.register(PlanProgress)
    auditlog.register(Visit)
    auditlog.register(Linkage, m2m_fields={"cadres"}, exclude_fields=["updated_at"])
    # Cases keep their own hash-chained trail (CaseEvent); only the office's settings go to the operation log.
    auditlog.register(CaseCategory)
    auditlog.register(DeadlineRule)
    # The assessment is read by everyone it scores: who changed a scheme or entered evidence is on record.
    auditlog.register(AssessmentScheme)
    auditlog.register(AssessmentItem)
    auditlog.register(AssessmentEvidence)
    auditlog.register(MonthlyReport, exclude_fields=["updated_at", "snapshot"])
    auditlog.register(Bulletin, exclude_fields=["updated_at"])
    auditlog.register(GoodPractice)
    auditlog.register(Policy, m2m_fields={"categories"}, exclude_fields=["updated_at"])
    auditlog.register(PolicyClause)
    auditlog.register(PolicyCategory)
    auditlog.register(GrantBatch)
    auditlog.register(Disbursement)
