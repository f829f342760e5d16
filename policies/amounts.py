"""What one enterprise gets from a policy for one period, by the policy's amount formula (docs/policies/grants.md).

`Policy.benefit_formula` is one of

    {"fixed": 20}                                  20 万元 to every enterprise
    {"fact": "last_year_tax", "rate": 0.1}         10 % of a numeric fact of the enterprise (policies.facts)

and the result is capped by `Policy.benefit_cap` when that is set, then rounded half away from zero to 2
decimals (万元). An enterprise whose fact is not known gets no amount: it is left off with a reason. So does
one whose amount comes to zero or less (a rate of a loss, say): nothing is paid out of a negative figure.

The figures are computed two ways that agree, as the facts are: `amount_for(policy, facts_for(...))` for one
enterprise in Python, and `annotate_amount_fact(queryset, formula, on)` + `amount_from_value(...)` for many
at once (the fact as one SQL annotation, so a whole list costs one query).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from policies.facts import FACTS, NUMBER, EnterpriseFacts, annotate_facts
from policies.rules import as_number

TWO_DECIMALS = Decimal("0.01")
# GrantLine/Disbursement amounts are DecimalField(max_digits=12, decimal_places=2).
MAX_AMOUNT = Decimal("9999999999.99")
MAX_FIXED = Decimal(10) ** 10
MAX_RATE = 1000


@dataclass(frozen=True)
class Formula:
    """A checked amount formula: a fixed amount, or a rate of a numeric fact; and the cap."""

    fixed: Decimal | None = None
    fact: str | None = None
    rate: Decimal | None = None
    cap: Decimal | None = None

    def as_json(self) -> dict:
        if self.fixed is not None:
            return {"fixed": str(self.fixed)}
        return {"fact": self.fact, "rate": str(self.rate)}


@dataclass(frozen=True)
class Amount:
    """One enterprise's amount (None when it gets none), the figures it came from, and, when it gets none,
    why (a sentence for the office)."""

    amount: Decimal | None
    basis: dict = field(default_factory=dict)
    reason: str = ""

    @property
    def granted(self) -> bool:
        return self.amount is not None


def numeric_facts() -> list[str]:
    """The facts an amount formula may take a rate of."""
    return [name for name, fact in FACTS.items() if fact.type == NUMBER]


def _shown(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def check_formula(formula: dict) -> Formula:
    """A non-empty formula checked: ValidationError with every mistake in it, each naming the wrong part.
    The one checker, used when a policy is saved (services.library) and when amounts are computed."""
    messages = []
    if "fixed" in formula:
        extra = sorted(set(formula) - {"fixed"})
        if extra:
            messages.append(
                _("A fixed amount takes no other keys (remove %(keys)s).") % {"keys": ", ".join(map(str, extra))}
            )
        fixed = as_number(formula["fixed"])
        if fixed is None or fixed < 0 or fixed >= MAX_FIXED:
            messages.append(
                _("The fixed amount must be a number of 10k yuan, at least 0, not %(value)s.")
                % {"value": _shown(formula["fixed"])}
            )
        if messages:
            raise ValidationError(messages)
        return Formula(fixed=fixed)
    if "fact" in formula or "rate" in formula:
        extra = sorted(set(formula) - {"fact", "rate"})
        if extra:
            messages.append(
                _("Unexpected key(s) in the amount formula: %(keys)s.") % {"keys": ", ".join(map(str, extra))}
            )
        name = formula.get("fact")
        allowed = ", ".join(numeric_facts())
        if name is None:
            messages.append(_("A rate needs the fact it applies to (one of %(facts)s).") % {"facts": allowed})
        elif not isinstance(name, str) or name not in FACTS:
            messages.append(
                _("Unknown fact %(fact)s in the amount formula (use one of %(facts)s).")
                % {"fact": _shown(name), "facts": allowed}
            )
        elif FACTS[name].type != NUMBER:
            messages.append(
                _("The fact %(fact)s is not a number: a rate can only apply to %(facts)s.")
                % {"fact": name, "facts": allowed}
            )
        rate = as_number(formula.get("rate"))
        if "rate" not in formula:
            messages.append(_("The amount formula needs a rate, such as 0.1 for 10%."))
        elif rate is None or rate <= 0 or rate > MAX_RATE:
            messages.append(
                _("The rate must be a number greater than 0, such as 0.1 for 10%%, not %(value)s.")
                % {"value": _shown(formula["rate"])}
            )
        if messages:
            raise ValidationError(messages)
        return Formula(fact=name, rate=rate)
    raise ValidationError(_('The amount formula must be {"fixed": amount} or {"fact": name, "rate": rate}.'))


def parse_formula(formula, cap=None) -> Formula:
    """The checked formula with its cap, or ValidationError naming what is wrong with it. An empty formula is
    refused: a policy whose benefit is not money has nothing to compute."""
    if not isinstance(formula, dict) or not formula:
        raise ValidationError(_('The policy has no amount formula: set {"fixed": n} or {"fact": …, "rate": r}.'))
    cap_value = None
    if cap is not None:
        cap_value = Decimal(cap)
        if cap_value < 0:
            raise ValidationError(_("The cap cannot be negative."))
    return replace(check_formula(formula), cap=cap_value)


def formula_of(policy) -> Formula:
    return parse_formula(policy.benefit_formula, policy.benefit_cap)


def round2(value: Decimal) -> Decimal:
    return value.quantize(TWO_DECIMALS, ROUND_HALF_UP)


def amount_from_value(formula: Formula, value) -> Amount:
    """The amount for an enterprise whose formula fact is `value` (ignored for a fixed amount)."""
    basis: dict = {"formula": formula.as_json()}
    if formula.cap is not None:
        basis["cap"] = str(formula.cap)
    if formula.fixed is not None:
        raw = formula.fixed
    else:
        basis["fact"] = formula.fact
        if value is None:
            basis["value"] = None
            return Amount(
                None,
                basis,
                _("%(fact)s is not known for this enterprise.") % {"fact": FACTS[formula.fact].label},
            )
        value = Decimal(value)
        basis["value"] = str(round2(value))
        raw = value * formula.rate
    basis["computed"] = str(round2(raw))
    capped = raw
    if formula.cap is not None and raw > formula.cap:
        capped = formula.cap
        basis["capped"] = True
    amount = min(round2(capped), MAX_AMOUNT)
    basis["amount"] = str(amount)
    if amount <= 0:
        return Amount(None, basis, _("The formula gives no amount (%(amount)s).") % {"amount": amount})
    return Amount(amount, basis)


def amount_for(policy, facts: EnterpriseFacts) -> Amount:
    """One enterprise's amount from its facts (policies.facts.facts_for(enterprise, on))."""
    formula = formula_of(policy)
    return amount_from_value(formula, facts.values.get(formula.fact) if formula.fact else None)


def annotate_amount_fact(queryset: QuerySet, formula: Formula, on: date) -> QuerySet:
    """The Enterprise queryset with the formula's fact as the annotation `fact_<name>` (nothing for a fixed
    amount): read it under `amount_attname(formula)`."""
    if formula.fact is None:
        return queryset
    return annotate_facts(queryset, [formula.fact], on)


def amount_attname(formula: Formula) -> str | None:
    return FACTS[formula.fact].attname if formula.fact else None
