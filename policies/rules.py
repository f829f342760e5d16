"""The eligibility rule language of support policies (DESIGN.md §6, docs/policies/rules.md).

A rule is a JSON tree:

    {"all": [rule, …]}  {"any": [rule, …]}  {"not": rule}
    {"fact": "last_year_revenue", "op": "between", "value": [1500, 2000]}
    {"manual": "no major safety accident in the last three years"}

It is evaluated two ways that agree on every enterprise:

- `compile_q(rule, on)` / `eligible(queryset, rule, on)`: one SQL query finds every eligible enterprise;
- `evaluate(rule, facts)`: one enterprise's outcome, with the reason each condition passed or failed.

Missing facts: a comparison on a fact that is not known (NULL) is false, and `not` of it is true: each
comparison is two-valued (a NULL guard is part of its SQL), so `not` in SQL is exactly Python's `not`.

Manual conditions (kept as text, checked by a person) are "to be confirmed": the per-enterprise evaluation
combines them with Kleene's three-valued logic (pending under `not` stays pending; `all` fails if any part
fails, `any` passes if any part passes) and reports `passed=None` when the outcome depends on them. The batch
query returns the candidates: every enterprise whose outcome is passed or pending, i.e. each manual condition
is taken as whatever makes the rule pass (satisfied, or unsatisfied under an odd number of `not`s).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, Q, QuerySet, Value
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from policies import facts as F
from policies.facts import BOOL, CODE, ENUM, FACTS, ID, NUMBER, SET, EnterpriseFacts

COMBINATORS = ("all", "any", "not")
OPERATORS = ("eq", "in", "gte", "lte", "between", "has_tag", "within_region")
OPERATOR_SIGNS = {"eq": "=", "gte": "≥", "lte": "≤"}
MAX_DEPTH = 16
MAX_NUMBER = Decimal(10) ** 12
INDUSTRY_CODE = re.compile(r"^([A-T]|\d{2,4})$")

# Constant conditions: a manual condition in the batch query.
TRUE = Q(pk__isnull=False)
FALSE = Q(pk__isnull=True)


# Reading and validating.


def load(rule) -> object:
    """The parsed rule: JSON text is parsed (refused with the parser's position), anything else is kept."""
    if isinstance(rule, bytes | bytearray):
        rule = rule.decode("utf-8")
    if isinstance(rule, str):
        try:
            return json.loads(rule)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                [
                    _("malformed JSON at line %(line)s, column %(column)s: %(error)s")
                    % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
                ]
            ) from None
    return rule


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False, default=str)


def as_number(value) -> Decimal | None:
    """A JSON number as a Decimal; None when it is not a finite number of reasonable size."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        return None
    return number


class _Checker:
    def __init__(self):
        self.errors: list[str] = []
        self.tags: dict[str, str] = {}  # code → path
        self.regions: dict[int, str] = {}
        self.parks: dict[int, str] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or pgettext('eligibility', 'rule')}: {message}")

    def node(self, node, path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.error(path, _("conditions are nested more than %(depth)s deep") % {"depth": MAX_DEPTH})
            return
        if not isinstance(node, dict):
            self.error(path, _("a condition must be an object, not %(value)s") % {"value": _show(node)})
            return
        kinds = [key for key in (*COMBINATORS, "fact", "manual") if key in node]
        if len(kinds) != 1:
            self.error(path, _("a condition has exactly one of all, any, not, fact, manual"))
            return
        kind = kinds[0]
        allowed = {"fact", "op", "value"} if kind == "fact" else {kind}
        for key in node:
            if key not in allowed:
                self.error(path, _("unexpected key %(key)s") % {"key": _show(key)})
        if kind in ("all", "any"):
            children, here = node[kind], _join(path, kind)
            if not isinstance(children, list):
                self.error(here, _("must be a list of conditions"))
            elif not children:
                self.error(here, _("must not be empty"))
            else:
                for index, child in enumerate(children):
                    self.node(child, f"{here}[{index}]", depth + 1)
        elif kind == "not":
            self.node(node["not"], _join(path, "not"), depth + 1)
        elif kind == "manual":
            text = node["manual"]
            if not isinstance(text, str) or not text.strip():
                self.error(_join(path, "manual"), _("must be the text of the condition"))
        else:
            self.comparison(node, path)

    def comparison(self, node: dict, path: str) -> None:
        name, op = node["fact"], node.get("op")
        fact = FACTS.get(name) if isinstance(name, str) else None
        if fact is None:
            self.error(path, _("unknown fact %(fact)s") % {"fact": _show(name)})
            return
        if op not in OPERATORS:
            self.error(path, _("unknown operator %(op)s") % {"op": _show(op)} if op is not None else _("missing 'op'"))
            return
        if op not in fact.operators:
            self.error(
                path,
                _("operator '%(op)s' does not apply to %(fact)s (use %(ops)s)")
                % {"op": op, "fact": name, "ops": ", ".join(fact.operators)},
            )
            return
        here = _join(path, op)
        if "value" not in node:
            self.error(path, _("missing 'value'"))
            return
        value = node["value"]
        if op == "in":
            if not isinstance(value, list) or not value:
                self.error(here, _("must be a non-empty list"))
                return
            for index, item in enumerate(value):
                self.scalar(fact, item, f"{here}[{index}]", op)
        elif op == "between":
            if not isinstance(value, list) or len(value) != 2:
                self.error(here, _("must be [low, high] for %(fact)s") % {"fact": name})
                return
            low, high = (self.scalar(fact, item, f"{here}[{index}]", op) for index, item in enumerate(value))
            if low is not None and high is not None and low > high:
                self.error(
                    here,
                    _("low %(low)s is greater than high %(high)s") % {"low": _show(value[0]), "high": _show(value[1])},
                )
        else:
            self.scalar(fact, value, here, op)

    def scalar(self, fact, value, path: str, op: str):
        """Check one value for the fact; return it (as a Decimal for numbers) or None when it is wrong."""
        name = fact.name

        def wrong(what):
            self.error(
                path, _("%(value)s is not %(what)s for %(fact)s") % {"value": _show(value), "what": what, "fact": name}
            )

        if fact.type == NUMBER:
            number = as_number(value)
            if number is None:
                wrong(_("a number"))
            return number
        if fact.type == BOOL:
            if not isinstance(value, bool):
                wrong(_("true or false"))
                return None
            return value
        if fact.type == ENUM:
            if value not in fact.choices:
                wrong(_("one of %(choices)s") % {"choices": ", ".join(fact.choices)})
                return None
            return value
        if fact.type == CODE:
            if not isinstance(value, str) or not INDUSTRY_CODE.match(value):
                wrong(_("an industry code (a section letter or 2 to 4 digits)"))
                return None
            return value
        if fact.type == ID:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                wrong(_("an id"))
                return None
            (self.parks if name == "park" else self.regions).setdefault(value, path)
            return value
        if fact.type == SET:
            if not isinstance(value, str) or not value:
                wrong(_("a tag code"))
                return None
            self.tags.setdefault(value, path)
            return value
        raise AssertionError(fact.type)

    def references(self) -> None:
        """Check that the tags, regions and parks the rule names exist: one query for each kind used."""
        from accounts.models import Region, Unit
        from enterprises.models import Tag

        if self.tags:
            known = set(Tag.objects.filter(code__in=self.tags).values_list("code", flat=True))
            for code, path in self.tags.items():
                if code not in known:
                    self.error(path, _("unknown tag %(code)s") % {"code": _show(code)})
        if self.regions:
            known = set(Region.objects.filter(pk__in=self.regions).values_list("pk", flat=True))
            for pk, path in self.regions.items():
                if pk not in known:
                    self.error(path, _("unknown region %(id)s") % {"id": pk})
        if self.parks:
            known = set(Unit.objects.filter(pk__in=self.parks, kind=Unit.Kind.PARK).values_list("pk", flat=True))
            for pk, path in self.parks.items():
                if pk not in known:
                    self.error(path, _("unknown park %(id)s") % {"id": pk})


def check(rule, *, references: bool = True) -> object:
    """The parsed rule, or ValidationError with every mistake. With references=False no query is made (the
    tags, regions and parks the rule names are not looked up)."""
    rule = load(rule)
    checker = _Checker()
    checker.node(rule, "", 0)
    if references and not checker.errors:
        checker.references()
    if checker.errors:
        raise ValidationError(checker.errors)
    return rule


def validate(rule) -> None:
    """Raise ValidationError listing each mistake of the rule (JSON text or the parsed object), each message
    naming the path of the wrong part, e.g. "all[1].any: must not be empty"."""
    check(rule)


def facts_used(rule) -> set[str]:
    """The names of the facts a (valid) rule reads."""
    rule = load(rule)
    used: set[str] = set()

    def walk(node):
        if "all" in node or "any" in node:
            for child in node.get("all") or node.get("any"):
                walk(child)
        elif "not" in node:
            walk(node["not"])
        elif "fact" in node:
            used.add(node["fact"])

    walk(rule)
    return used


# The batch query.


def _number(value) -> Value:
    # An explicit decimal: on SQLite a bare Decimal parameter is bound as text, which compares as text.
    return Value(as_number(value), output_field=DecimalField())


def _known(attname: str) -> Q:
    return Q(**{f"{attname}__isnull": False})


def _industry_q(code: str) -> Q:
    if code.isalpha():
        return _known("fact_industry_section") & Q(fact_industry_section=code)
    return _known("fact_industry") & Q(fact_industry__startswith=code)


def _comparison_q(node: dict) -> Q:
    fact, op, value = FACTS[node["fact"]], node["op"], node["value"]
    if op == "has_tag":
        return F.has_tag_q(value)
    if op == "within_region":
        return Q(fact_region_path__contains=F.PATH_STEP.format(value))
    if fact.name == "industry":
        codes = value if op == "in" else [value]
        return reduce(lambda a, b: a | b, (_industry_q(code) for code in codes))
    attname = fact.attname
    if op == "in":
        return _known(attname) & Q(**{f"{attname}__in": value})
    if fact.type == NUMBER:
        if op == "between":
            low, high = value
            return _known(attname) & Q(**{f"{attname}__gte": _number(low), f"{attname}__lte": _number(high)})
        lookup = {"eq": "exact", "gte": "gte", "lte": "lte"}[op]
        return _known(attname) & Q(**{f"{attname}__{lookup}": _number(value)})
    return _known(attname) & Q(**{attname: value})


def _compile(node: dict, positive: bool) -> Q:
    if "all" in node:
        return reduce(lambda a, b: a & b, (_compile(child, positive) for child in node["all"]))
    if "any" in node:
        return reduce(lambda a, b: a | b, (_compile(child, positive) for child in node["any"]))
    if "not" in node:
        return ~_compile(node["not"], not positive)
    if "manual" in node:
        # Taken as whatever makes the rule pass: the query returns every candidate.
        return TRUE if positive else FALSE
    return _comparison_q(node)


def compile_q(rule, on: date | None = None) -> Q:
    """The rule as a Q over an Enterprise queryset annotated with the facts it uses (`annotate_used`), as of
    `on` (the annotations carry the date; the Q itself does not depend on it). Raises ValidationError for a
    malformed rule."""
    return _compile(check(rule, references=False), positive=True)


def annotate_used(queryset: QuerySet, rule, on: date, *, alias: bool = False) -> QuerySet:
    return F.annotate_facts(queryset, sorted(facts_used(rule)), on, alias=alias)


def eligible(queryset: QuerySet, rule, on: date) -> QuerySet:
    """The enterprises of `queryset` the rule selects as of `on` (passed, or pending manual conditions): one
    query, whatever the number of enterprises."""
    rule = check(rule, references=False)
    return annotate_used(queryset, rule, on, alias=True).filter(compile_q(rule, on))


# One enterprise.


@dataclass
class Outcome:
    """The outcome of one condition for one enterprise: passed (True, False, or None while a manual
    condition is to be confirmed), a sentence saying why, and the outcomes of its parts."""

    passed: bool | None
    reason: str
    path: str = ""
    children: list[Outcome] = field(default_factory=list)

    @property
    def status(self) -> str:
        return status_label(self.passed)

    def lines(self, depth: int = 0) -> Iterable[tuple[int, Outcome]]:
        """Each outcome of the tree with its depth, depth-first: for templates and plain-text output."""
        yield depth, self
        for child in self.children:
            yield from child.lines(depth + 1)

    def as_text(self) -> str:
        return "\n".join("  " * depth + outcome.reason for depth, outcome in self.lines())


def status_label(passed: bool | None) -> str:
    if passed is None:
        return pgettext("eligibility", "to be confirmed")
    return pgettext("eligibility", "passed") if passed else pgettext("eligibility", "failed")


def format_number(value) -> str:
    """2350 → "2,350"; 3.5 → "3.5"; no trailing zeros."""
    number = Decimal(value)
    text = f"{number:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _with_unit(value, fact) -> str:
    text = format_number(value)
    unit = str(fact.unit)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _display(fact, value, facts: EnterpriseFacts) -> str:
    """A fact's value (or a rule's value for the fact) as people read it."""
    if fact.type == NUMBER:
        return _with_unit(value, fact)
    if fact.type == BOOL:
        return pgettext("eligibility", "yes") if value else pgettext("eligibility", "no")
    if fact.type == ENUM:
        from enterprises.models import Enterprise

        return str(Enterprise.Size(value).label)
    if fact.name == "industry":
        if value == facts["industry"] and facts.industry_name:
            return f"{value} {facts.industry_name}"
        return str(value)
    if fact.name == "region":
        name = facts.region_names.get(value)
        return name if name else _("region #%(id)s") % {"id": value}
    if fact.name == "park":
        if value == facts["park"] and facts.park_name:
            return facts.park_name
        return _("park #%(id)s") % {"id": value}
    return str(value)


def _matches(fact, op: str, actual, value, facts: EnterpriseFacts) -> bool:
    """The comparison, with `actual` known (not None)."""
    if fact.name == "industry":
        codes = value if op == "in" else [value]
        return any(facts.industry_section == code if code.isalpha() else str(actual).startswith(code) for code in codes)
    if op == "in":
        return actual in value
    if fact.type == NUMBER:
        actual = Decimal(actual)
        if op == "between":
            return as_number(value[0]) <= actual <= as_number(value[1])
        target = as_number(value)
        return {"eq": actual == target, "gte": actual >= target, "lte": actual <= target}[op]
    return actual == value


def _evaluate_comparison(node: dict, facts: EnterpriseFacts, path: str) -> Outcome:
    fact, op, value = FACTS[node["fact"]], node["op"], node["value"]
    label = str(fact.label)
    if op == "has_tag":
        passed = value in facts["tags"]
        tag = facts.tag_names.get(value, value)
        state = pgettext("eligibility", "present") if passed else pgettext("eligibility", "missing")
        return Outcome(passed, _("tag %(tag)s: %(state)s") % {"tag": tag, "state": state}, path)
    if op == "within_region":
        passed = F.PATH_STEP.format(value) in facts.region_path
        reason = _("%(label)s %(actual)s within %(target)s: %(status)s") % {
            "label": label,
            "actual": _display(fact, facts["region"], facts),
            "target": _display(fact, value, facts),
            "status": status_label(passed),
        }
        return Outcome(passed, reason, path)
    if op == "in":
        target = _("one of %(values)s") % {"values": ", ".join(_display(fact, item, facts) for item in value)}
        sign = "∈"
    elif op == "between":
        target = _("%(low)s to %(high)s") % {
            "low": _display(fact, value[0], facts),
            "high": _display(fact, value[1], facts),
        }
        sign = "∈"
    else:
        target, sign = _display(fact, value, facts), OPERATOR_SIGNS[op]
    actual = facts[fact.name]
    if actual is None:
        reason = _("%(label)s not known, %(sign)s %(target)s required: %(status)s") % {
            "label": label,
            "sign": sign,
            "target": target,
            "status": status_label(False),
        }
        return Outcome(False, reason, path)
    passed = _matches(fact, op, actual, value, facts)
    reason = _("%(label)s %(actual)s %(sign)s %(target)s: %(status)s") % {
        "label": label,
        "actual": _display(fact, actual, facts),
        "sign": sign,
        "target": target,
        "status": status_label(passed),
    }
    return Outcome(passed, reason, path)


def _all(values: list[bool | None]) -> bool | None:
    if any(value is False for value in values):
        return False
    return None if any(value is None for value in values) else True


def _any(values: list[bool | None]) -> bool | None:
    if any(value is True for value in values):
        return True
    return None if any(value is None for value in values) else False


def _evaluate(node: dict, facts: EnterpriseFacts, path: str) -> Outcome:
    if "all" in node or "any" in node:
        kind = "all" if "all" in node else "any"
        here = _join(path, kind)
        children = [_evaluate(child, facts, f"{here}[{index}]") for index, child in enumerate(node[kind])]
        passed = (_all if kind == "all" else _any)([child.passed for child in children])
        text = _("all of the following") if kind == "all" else _("any of the following")
        return Outcome(passed, f"{text}: {status_label(passed)}", path, children)
    if "not" in node:
        child = _evaluate(node["not"], facts, _join(path, "not"))
        passed = None if child.passed is None else not child.passed
        return Outcome(passed, f"{_('not the following')}: {status_label(passed)}", path, [child])
    if "manual" in node:
        return Outcome(None, f"{node['manual']}: {status_label(None)}", path)
    return _evaluate_comparison(node, facts, path)


def evaluate(rule, facts: EnterpriseFacts) -> Outcome:
    """The rule's outcome for one enterprise (its facts from policies.facts.facts_for), with a reason for
    every condition. `passed` is None when the outcome depends on manual conditions still to be confirmed."""
    return _evaluate(check(rule, references=False), facts, "")
