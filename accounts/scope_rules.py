"""How each data scope reaches the organisation's own records."""

from django.db.models import Q

from accounts.models import ApiToken, Region, Unit, User
from accounts.scope import EveryoneRule, ScopeRule, any_of, register, register_rule, unit_tree_q

register_rule(Region, EveryoneRule())


@register(Unit)
class UnitRule(ScopeRule):
    def unit_tree(self, user):
        return Q(path__startswith=user.unit.path) if user.unit_id else None

    def unit(self, user):
        return Q(pk=user.unit_id) if user.unit_id else None

    # A cadre or leader works from a unit too: they see it, but not its sub-units.
    linked = unit


@register(User)
class UserRule(ScopeRule):
    """Everyone sees themselves; unit scopes see the people of those units; an enterprise user sees the
    other accounts of the same enterprise."""

    def unit_tree(self, user):
        return any_of(Q(pk=user.pk), unit_tree_q(user))

    def unit(self, user):
        return any_of(Q(pk=user.pk), Q(unit_id=user.unit_id) if user.unit_id else None)

    def linked(self, user):
        return Q(pk=user.pk)

    def own_enterprise(self, user):
        return any_of(Q(pk=user.pk), Q(enterprise_id=user.enterprise_id) if user.enterprise_id else None)


@register(ApiToken)
class ApiTokenRule(ScopeRule):
    """Integration tokens are the office's business: only the whole-jurisdiction scope lists them."""
