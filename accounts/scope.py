"""Data scope (DESIGN.md §7): the one mechanism every list, detail, export and API query goes through.

Each scoped model registers a ScopeRule that says how each scope kind narrows it. A user's scopes come
from their roles; several roles give the union. Objects outside the scope are not "forbidden", they do
not exist for that user: detail lookups answer 404.

    enterprises = scoped(request.user, Enterprise.objects.all())
    enterprise = get_for_user(request.user, Enterprise, pk=pk)
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import DEFAULT_SCOPE, Role, Scope, Unit

_RULES: dict[type[Model], ScopeRule] = {}


class ScopeRule:
    """How each scope kind narrows one model. A method returns a Q, or None when that kind reaches no row
    of the model. ALL reaches everything unless a rule says otherwise."""

    def all(self, user) -> Q | None:
        return Q()

    def unit_tree(self, user) -> Q | None:
        return None

    def unit(self, user) -> Q | None:
        return None

    def linked(self, user) -> Q | None:
        return None

    def own_enterprise(self, user) -> Q | None:
        return None


class EveryoneRule(ScopeRule):
    """Reference data (regions, dictionaries) that every signed-in user may read."""

    def unit_tree(self, user):
        return Q()

    unit = linked = own_enterprise = unit_tree


class ThroughRule(ScopeRule):
    """A model visible exactly when the object its foreign key points at is visible."""

    def __init__(self, field: str, target: type[Model]):
        self.field, self.target = field, target

    def _through(self, user, kind: str) -> Q | None:
        inner = getattr(rule_for(self.target), kind)(user)
        if inner is None:
            return None
        if not inner:  # Q() reaches every row of the target
            return Q()
        return Q(**{f"{self.field}__in": self.target._default_manager.filter(inner).values("pk")})

    def all(self, user):
        return self._through(user, Scope.ALL)

    def unit_tree(self, user):
        return self._through(user, Scope.UNIT_TREE)

    def unit(self, user):
        return self._through(user, Scope.UNIT)

    def linked(self, user):
        return self._through(user, Scope.LINKED)

    def own_enterprise(self, user):
        return self._through(user, Scope.OWN_ENTERPRISE)


def register(model: type[Model]) -> Callable[[type[ScopeRule]], type[ScopeRule]]:
    def decorate(rule_class: type[ScopeRule]) -> type[ScopeRule]:
        _RULES[model] = rule_class()
        return rule_class

    return decorate


def register_rule(model: type[Model], rule: ScopeRule) -> None:
    _RULES[model] = rule


def rule_for(model: type[Model]) -> ScopeRule:
    try:
        return _RULES[model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} has no data-scope rule; register one in its app.") from None


def user_roles(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        grants = list(user.role_grants.values_list("role", "scope"))
        cached = user._roles_cache = frozenset(role for role, _ in grants)
        user._scopes_cache = frozenset(scope or DEFAULT_SCOPE[role] for role, scope in grants)
    return cached


def user_scopes(user) -> frozenset[str]:
    """The scope kinds a user holds: the union over their roles. Superusers see everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset({Scope.ALL})
    user_roles(user)
    return user._scopes_cache


def has_role(user, *roles: str) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or bool(user_roles(user) & set(roles))


def is_office(user) -> bool:
    return has_role(user, Role.OFFICE)


def scope_q(user, model: type[Model]) -> Q | None:
    """The filter that narrows `model` to what `user` may see; None when they may see nothing."""
    rule = rule_for(model)
    combined: Q | None = None
    for kind in sorted(user_scopes(user)):
        part = getattr(rule, kind)(user)
        if part is None:
            continue
        if not part:  # an empty Q reaches every row: nothing to combine
            return Q()
        combined = part if combined is None else combined | part
    return combined


def scoped(user, queryset: QuerySet) -> QuerySet:
    q = scope_q(user, queryset.model)
    return queryset.none() if q is None else queryset.filter(q)


def get_for_user(user, queryset_or_model: QuerySet | type[Model], **lookup) -> Model:
    """Fetch one object and check the user's scope in the same query; out of scope is 404."""
    queryset = (
        queryset_or_model if isinstance(queryset_or_model, QuerySet) else queryset_or_model._default_manager.all()
    )
    try:
        return scoped(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.") from None


# Building blocks the rules of several apps share.


def current_year() -> int:
    return timezone.localdate().year


def unit_tree_q(user, field: str = "unit") -> Q | None:
    if not user.unit_id:
        return None
    return Q(**{f"{field}__path__startswith": user.unit.path})


def territory_region_paths(units: QuerySet) -> list[str]:
    """Region paths that the territorial units among `units` answer for, nested ones dropped."""
    paths = sorted(set(units.filter(kind__in=Unit.TERRITORIAL_KINDS).values_list("region__path", flat=True)))
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def regions_q(paths: list[str], field: str = "region") -> Q | None:
    combined: Q | None = None
    for path in paths:
        part = Q(**{f"{field}__path__startswith": path})
        combined = part if combined is None else combined | part
    return combined


def any_of(*parts: Q | None) -> Q | None:
    combined: Q | None = None
    for part in parts:
        if part is not None:
            combined = part if combined is None else combined | part
    return combined
