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

from dataclasses import dataclass, field
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


def parse_formula(formula, cap=None) -> Formula:
    """The checked formula, or ValidationError naming what is wrong with it. An empty formula is refused:
    a policy whose benefit is not money has nothing to compute."""
    if not isinstance(formula, dict) or not formula:
        raise ValidationError(_('The policy has no amount formula: set {"fixed": n} or {"fact": …, "rate": r}.'))
    cap_value = None
    if cap is not None:
        cap_value = Decimal(cap)
        if cap_value < 0:
            raise ValidationError(_("The cap cannot be negative."))
    keys = set(formula)
    if keys == {"fixed"}:
        fixed = as_number(formula["fixed"])
        if fixed is None or fixed < 0:
            raise ValidationError(_("The fixed amount must be a number of at least 0 (10k yuan)."))
        return Formula(fixed=fixed, cap=cap_value)
    if keys == {"fact", "rate"}:
        fact = FACTS.get(formula["fact"]) if isinstance(formula["fact"], str) else None
        if fact is None or fact.type != NUMBER:
            numeric = ", ".join(name for name, f in FACTS.items() if f.type == NUMBER)
            raise ValidationError(
                _("The amount can only be a rate of a numeric fact (%(facts)s), not %(fact)s.")
                % {"facts": numeric, "fact": formula["fact"]}
            )
        rate = as_number(formula["rate"])
        if rate is None or rate <= 0:
            raise ValidationError(_("The rate must be a number greater than 0 (0.1 is 10 %)."))
        return Formula(fact=fact.name, rate=rate, cap=cap_value)
    raise ValidationError(
        _('An amount formula is {"fixed": n} or {"fact": name, "rate": r}, not %(keys)s.')
        % {"keys": ", ".join(sorted(map(str, keys)))}
    )


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
