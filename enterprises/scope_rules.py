"""How each data scope reaches enterprises, and everything that hangs off an enterprise."""

from django.db.models import Q

from accounts.models import Unit
from accounts.scope import (
    ScopeRule,
    ThroughRule,
    any_of,
    current_year,
    regions_q,
    register,
    register_rule,
    territory_region_paths,
)
from enterprises.models import Enterprise, Linkage


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


register_rule(Linkage, ThroughRule("enterprise", Enterprise))
