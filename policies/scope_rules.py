"""Who reads what of the policies (DESIGN.md §7): staff read the whole library, drafts included; an
enterprise reads the published policies, and its own matches, subscriptions, applications and payments.
A 免申即享 list is the office's working paper until it is paid."""

from django.db.models import Q

from accounts.scope import EveryoneRule, ScopeRule, ThroughRule, register_rule
from enterprises.models import Enterprise
from enterprises.scope_rules import InternalThroughRule, StaffRule
from policies.models import (
    Application,
    Disbursement,
    GrantBatch,
    GrantLine,
    Policy,
    PolicyCategory,
    PolicyClause,
    PolicyMatch,
    PolicySubscription,
)


class PolicyRule(ScopeRule):
    def unit_tree(self, user):
        return Q()

    unit = linked = unit_tree

    def own_enterprise(self, user):
        return Q(status=Policy.Status.PUBLISHED)


register_rule(Policy, PolicyRule())
register_rule(PolicyClause, ThroughRule("policy", Policy))
register_rule(PolicyCategory, EveryoneRule())
register_rule(PolicyMatch, ThroughRule("enterprise", Enterprise))
register_rule(PolicySubscription, ThroughRule("enterprise", Enterprise))
register_rule(Application, ThroughRule("enterprise", Enterprise))
register_rule(GrantBatch, StaffRule())
register_rule(GrantLine, InternalThroughRule("enterprise", Enterprise))
register_rule(Disbursement, ThroughRule("enterprise", Enterprise))
