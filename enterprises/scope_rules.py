"""How each data scope reaches enterprises, and everything that hangs off an enterprise."""

from django.db.models import Q

from accounts.models import Unit
from accounts.scope import (
    EveryoneRule,
    ScopeRule,
    ThroughRule,
    any_of,
    current_year,
    regions_q,
    register,
    register_rule,
    territory_region_paths,
)
from enterprises.models import (
    AssistancePlan,
    CultivationPool,
    Enterprise,
    EnterpriseWarning,
    Industry,
    Linkage,
    MonthlyFigure,
    PlanGoal,
    PlanProgress,
    PoolMembership,
    Tag,
    Visit,
    VisitProblem,
)


def linked_enterprise_ids(user):
    """Enterprises the user is linked to this year, as leader or as cadre (包联)."""
    return (
        Linkage.objects.filter(year=current_year())
        .filter(Q(leader_id=user.pk) | Q(cadres__id=user.pk))
        .values("enterprise_id")
    )


@register(Enterprise)
class EnterpriseRule(ScopeRule):
    """A unit answers for the enterprises it leads the linkage of this year, and a territorial unit
    (township, park, government) also for every enterprise located in its territory (属地)."""

    def _for_units(self, units):
        led = Q(pk__in=Linkage.objects.filter(year=current_year(), lead_unit__in=units).values("enterprise_id"))
        return any_of(led, regions_q(territory_region_paths(units)))

    def unit_tree(self, user):
        if not user.unit_id:
            return None
        return self._for_units(Unit.objects.filter(path__startswith=user.unit.path))

    def unit(self, user):
        if not user.unit_id:
            return None
        return self._for_units(Unit.objects.filter(pk=user.unit_id))

    def linked(self, user):
        return Q(pk__in=linked_enterprise_ids(user))

    def own_enterprise(self, user):
        return Q(pk=user.enterprise_id) if user.enterprise_id else None


class StaffRule(ScopeRule):
    """Working lists of the programs (the pools themselves) that every staff member may read."""

    def unit_tree(self, user):
        return Q()

    unit = linked = unit_tree


class InternalThroughRule(ThroughRule):
    """Visible through the enterprise, but to staff only: an enterprise does not read the government's
    own assessment of it (its warnings, its place on a 易退库 list)."""

    def own_enterprise(self, user):
        return None


class VisitRule(ThroughRule):
    """Visits follow their enterprise; a visitor also keeps seeing the visits they made themselves after
    their linkage to that enterprise has ended."""

    def _with_own(self, user, kind):
        through = self._through(user, kind)
        if through is not None and not through:  # already every row
            return through
        return any_of(through, Q(visitor_id=user.pk))

    def unit_tree(self, user):
        return self._with_own(user, "unit_tree")

    def unit(self, user):
        return self._with_own(user, "unit")

    def linked(self, user):
        return self._with_own(user, "linked")


register_rule(Industry, EveryoneRule())
register_rule(Tag, EveryoneRule())
register_rule(CultivationPool, StaffRule())
register_rule(Linkage, ThroughRule("enterprise", Enterprise))
register_rule(MonthlyFigure, ThroughRule("enterprise", Enterprise))
register_rule(AssistancePlan, ThroughRule("enterprise", Enterprise))
register_rule(PlanGoal, ThroughRule("plan__enterprise", Enterprise))
register_rule(PlanProgress, ThroughRule("plan__enterprise", Enterprise))
register_rule(Visit, VisitRule("enterprise", Enterprise))
register_rule(VisitProblem, ThroughRule("visit", Visit))
register_rule(PoolMembership, InternalThroughRule("enterprise", Enterprise))
register_rule(EnterpriseWarning, InternalThroughRule("enterprise", Enterprise))
