"""Who reads what of the reports app (DESIGN.md §7): a unit reads its own monthly reports and assessment
evidence (a head also those of the units below); bulletins, good practices and schemes are staff reading;
enterprises read none of it."""

from django.db.models import Q

from accounts.scope import ScopeRule, register_rule
from enterprises.scope_rules import StaffRule
from reports.models import AssessmentEvidence, AssessmentItem, AssessmentScheme, Bulletin, GoodPractice, MonthlyReport


class UnitOwnedRule(ScopeRule):
    """Rows that belong to a unit: the unit (and, for a head, the units below) reads them."""

    def unit_tree(self, user):
        return Q(unit__path__startswith=user.unit.path) if user.unit_id else None

    def unit(self, user):
        return Q(unit_id=user.unit_id) if user.unit_id else None


register_rule(MonthlyReport, UnitOwnedRule())
register_rule(AssessmentEvidence, UnitOwnedRule())
register_rule(GoodPractice, StaffRule())
register_rule(Bulletin, StaffRule())
register_rule(AssessmentScheme, StaffRule())
register_rule(AssessmentItem, StaffRule())
