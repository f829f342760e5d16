"""How each data scope reaches cases (DESIGN.md §7): a unit sees the cases it holds an assignment on (a
returned one included: it answers for what it sent back); a leader or cadre the cases of the enterprises
linked to them, and the ones they filed or listed; an enterprise its own. Whoever filed a case keeps seeing
it, so a unit's staff who recorded a problem during a visit can follow it before it is assigned."""

from django.db.models import Q

from accounts.scope import ScopeRule, ThroughRule, any_of, register, register_rule
from cases.models import (
    Assignment,
    Callback,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseReply,
    CommonIssue,
    DeadlineRule,
    ExtensionRequest,
    Supervision,
)
from enterprises.scope_rules import StaffRule, linked_enterprise_ids


@register(Case)
class CaseRule(ScopeRule):
    def unit_tree(self, user):
        if not user.unit_id:
            return None
        held = Assignment.objects.filter(unit__path__startswith=user.unit.path).values("case_id")
        return Q(pk__in=held) | Q(submitted_by_id=user.pk)

    def unit(self, user):
        if not user.unit_id:
            return None
        held = Assignment.objects.filter(unit_id=user.unit_id).values("case_id")
        return Q(pk__in=held) | Q(submitted_by_id=user.pk)

    def linked(self, user):
        return any_of(
            Q(enterprise_id__in=linked_enterprise_ids(user)), Q(submitted_by_id=user.pk), Q(listed_by_id=user.pk)
        )

    def own_enterprise(self, user):
        return Q(enterprise_id=user.enterprise_id) if user.enterprise_id else None


class InternalCaseRule(ThroughRule):
    """Follows the case, but not for the enterprise: internal working records (a unit's draft reply, the
    office's supervision notices and spot checks)."""

    def own_enterprise(self, user):
        return None


class DictionaryRule(StaffRule):
    """The category dictionary: every signed-in user reads it (an enterprise picks a category when filing)."""

    def own_enterprise(self, user):
        return Q()


@register(CommonIssue)
class CommonIssueRule(ScopeRule):
    """A common issue is visible to whoever sees one of its cases."""

    def _through_cases(self, user, kind):
        inner = getattr(CaseRule(), kind)(user)
        if inner is None:
            return None
        return Q(pk__in=Case.objects.filter(inner).exclude(common_issue=None).values("common_issue_id"))

    def unit_tree(self, user):
        return self._through_cases(user, "unit_tree")

    def unit(self, user):
        return self._through_cases(user, "unit")

    def linked(self, user):
        return self._through_cases(user, "linked")

    def own_enterprise(self, user):
        return self._through_cases(user, "own_enterprise")


register_rule(CaseCategory, DictionaryRule())
register_rule(DeadlineRule, StaffRule())
register_rule(Assignment, ThroughRule("case", Case))
register_rule(CaseEvent, ThroughRule("case", Case))
register_rule(CaseAttachment, ThroughRule("case", Case))
register_rule(ExtensionRequest, ThroughRule("case", Case))
register_rule(CaseReply, InternalCaseRule("case", Case))
register_rule(Supervision, InternalCaseRule("case", Case))
register_rule(Callback, InternalCaseRule("case", Case))
