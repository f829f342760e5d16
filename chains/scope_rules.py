"""Who reads what of the chains app (DESIGN.md §7).

Chains, their maps and the placements on them, the supply-and-demand board, events and targets are the
jurisdiction's shared working picture: every staff member reads all of them (a township sees the whole
chain, not only its own enterprises on it). An enterprise reads the chain maps (to say where it sits and post
on a node), its own placements and posts, the matches that involve one of its posts, the events it was
invited to and its own participation and outcomes. Who may change what is decided in the services.
"""

from django.db.models import Q

from accounts.scope import ScopeRule, register_rule
from chains.models import (
    ChainNode,
    ChainPlacement,
    Event,
    EventOutcome,
    EventParticipant,
    EventTarget,
    IndustryChain,
    MarketMatch,
    MarketPost,
)
from enterprises.scope_rules import StaffRule


class StaffAndEnterprise(ScopeRule):
    """Every staff member reads every row; an enterprise user the rows `enterprise_q` gives."""

    def __init__(self, enterprise_q):
        self.enterprise_q = enterprise_q

    def unit_tree(self, user):
        return Q()

    unit = linked = unit_tree

    def own_enterprise(self, user):
        return self.enterprise_q(user.enterprise_id) if user.enterprise_id else None


register_rule(IndustryChain, StaffAndEnterprise(lambda own: Q(is_active=True)))
register_rule(ChainNode, StaffAndEnterprise(lambda own: Q(chain__is_active=True)))
register_rule(ChainPlacement, StaffAndEnterprise(lambda own: Q(enterprise_id=own)))
register_rule(MarketPost, StaffAndEnterprise(lambda own: Q(enterprise_id=own)))
register_rule(MarketMatch, StaffAndEnterprise(lambda own: Q(offer__enterprise_id=own) | Q(need__enterprise_id=own)))
register_rule(Event, StaffAndEnterprise(lambda own: Q(participants__enterprise_id=own)))
register_rule(EventParticipant, StaffAndEnterprise(lambda own: Q(enterprise_id=own)))
register_rule(EventOutcome, StaffAndEnterprise(lambda own: Q(enterprise_id=own)))
register_rule(EventTarget, StaffRule())
