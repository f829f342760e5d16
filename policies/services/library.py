"""The policy library (惠企政策库, issue 6 item 1): entering a policy with its eligibility rule and amount
formula, publishing and withdrawing it, and its clauses (each with its own public page and QR code).

Only the coordinating office writes the library; every other staff role reads it, and an enterprise reads
the published policies (policies/scope_rules.py). Every field is checked here, whatever the caller (the
pages, the API, the Excel import), and every mistake is reported at once, keyed by field.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_for_user, is_office
from policies import amounts, rules
from policies.models import Policy, PolicyCategory, PolicyClause

Status = Policy.Status

# The fields policy_save accepts, beside categories and clauses.
FIELDS = (
    "title",
    "document_number",
    "issuer",
    "level",
    "published_on",
    "effective_from",
    "expires_on",
    "summary",
    "full_text",
    "benefit_kind",
    "benefit_formula",
    "benefit_cap",
    "benefit_text",
    "obtain",
    "application_materials",
    "application_deadline",
    "interpreter_name",
    "interpreter_phone",
    "eligibility",
)
TEXT_LIMITS = {
    "title": 200,
    "document_number": 60,
    "issuer": 100,
    "benefit_text": 200,
    "interpreter_name": 40,
    "interpreter_phone": 20,
}
REQUIRED = ("title", "issuer", "level", "benefit_kind", "obtain")
LONG_TEXT_LIMIT = 100_000
MAX_CLAUSES = 300
HEADING_LIMIT = 120
# Positions are renumbered by moving every clause out of the way first (the position is unique per policy).
_OUT_OF_THE_WAY = 10_000
MAX_CAP = Decimal(10) ** 10

# A mobile number (11 digits), or a landline with its area code (0739-3612345, 07393612345), optionally with
# an extension (-801); spaces are ignored.
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


# Who may write -------------------------------------------------------------------------------------------


def can_edit_library(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and is_office(user)


def _require_office(actor) -> None:
    if not can_edit_library(actor):
        raise PermissionDenied(_("Only the coordinating office can change the policy library."))


def _locked_policy(actor, policy_id: int) -> Policy:
    _require_office(actor)
    return get_for_user(actor, Policy.objects.select_for_update(of=("self",)), pk=policy_id)


# Checking the fields -------------------------------------------------------------------------------------


class _Errors:
    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _as_date(errors: _Errors, field: str, value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, _("“%(value)s” is not a date: write it as 2026-11-02.") % {"value": value})
        return None


def _as_decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def normalise_phone(value: str) -> str:
    return (value or "").strip().replace(" ", "").replace("\u3000", "")


def check_phone(value: str) -> str | None:
    """The error message for an interpreter's phone, or None when it is fine (or blank)."""
    phone = normalise_phone(value)
    if phone and not PHONE_RE.match(phone):
        return _("Enter a mobile number of 11 digits or a landline with its area code, such as 0739-3612345.")
    return None


def check_formula(formula) -> dict:
    """The amount formula as entered (JSON text or a dict), checked by policies.amounts.check_formula: {}
    (none), {"fixed": n} or {"fact": name, "rate": r}. Raises ValidationError with every mistake."""
    if formula in (None, "", {}):
        return {}
    if isinstance(formula, str):
        try:
            formula = json.loads(formula)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("The amount formula is not valid JSON (line %(line)s, column %(column)s: %(error)s).")
                % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
            ) from None
    if not isinstance(formula, dict):
        raise ValidationError(_('The amount formula must be {"fixed": amount} or {"fact": name, "rate": rate}.'))
    if not formula:
        return {}
    checked = amounts.check_formula(formula)
    if checked.fixed is not None:
        return {"fixed": formula["fixed"]}
    return {"fact": formula["fact"], "rate": formula["rate"]}


def check_rule(rule) -> dict:
    """The eligibility rule parsed and checked (policies.rules.check): {} when there is none yet. The
    messages name each wrong part."""
    if rule in (None, "", {}) or (isinstance(rule, str) and not rule.strip()):
        return {}
    return rules.check(rule)


def _categories(errors: _Errors, values) -> list[PolicyCategory] | None:
    if values is None:
        return None
    wanted = []
    for value in values:
        if isinstance(value, PolicyCategory):
            wanted.append(value.pk)
        elif isinstance(value, int) and not isinstance(value, bool):
            wanted.append(value)
        elif isinstance(value, str) and value.isdigit():
            wanted.append(int(value))
        else:
            errors.add("categories", _("Unknown category %(value)s.") % {"value": value})
    found = {c.pk: c for c in PolicyCategory.objects.filter(pk__in=wanted)}
    for pk in wanted:
        if pk not in found:
            errors.add("categories", _("Unknown category %(value)s.") % {"value": pk})
    return [found[pk] for pk in dict.fromkeys(wanted) if pk in found]


def _clause(errors: _Errors, index: int, item) -> dict | None:
    if not isinstance(item, dict):
        errors.add("clauses", _("Clause %(n)d: give its heading and text.") % {"n": index})
        return None
    heading = str(item.get("heading") or "").strip()
    text = str(item.get("text") or "").strip()
    before = len(errors.by_field.get("clauses", []))
    if not heading:
        errors.add("clauses", _("Clause %(n)d: the heading is required.") % {"n": index})
    elif len(heading) > HEADING_LIMIT:
        errors.add(
            "clauses",
            _("Clause %(n)d: the heading has at most %(limit)d characters.") % {"n": index, "limit": HEADING_LIMIT},
        )
    if not text:
        errors.add("clauses", _("Clause %(n)d: the text is required.") % {"n": index})
    if len(errors.by_field.get("clauses", [])) != before:
        return None
    return {"heading": heading, "text": text}


def clean_policy(values: dict, *, current: Policy | None = None, categories=None, clauses=None) -> dict:
    """Every field of a policy checked at once: the cleaned values ("categories" and "clauses" included when
    given), or ValidationError keyed by field. `values` holds the fields to set; the others keep the values
    of `current` (a new policy when None) for the checks across fields."""
    errors = _Errors()
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        errors.add("__all__", _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    cleaned: dict = {}
    for name, value in values.items():
        if name not in FIELDS:
            continue
        if name in ("published_on", "effective_from", "expires_on", "application_deadline"):
            cleaned[name] = _as_date(errors, name, value)
        elif name == "benefit_cap":
            if value in (None, ""):
                cleaned[name] = None
            else:
                cap = _as_decimal(value)
                if cap is None:
                    errors.add(name, _("The cap must be a number of 10k yuan."))
                elif cap < 0:
                    errors.add(name, _("The cap cannot be negative."))
                elif cap >= MAX_CAP:
                    errors.add(name, _("The cap is too large."))
                else:
                    cleaned[name] = cap.quantize(Decimal("0.01"))
        elif name == "benefit_formula":
            try:
                cleaned[name] = check_formula(value)
            except ValidationError as error:
                for message in error.messages:
                    errors.add(name, message)
        elif name == "eligibility":
            try:
                cleaned[name] = check_rule(value)
            except ValidationError as error:
                for message in error.messages:
                    errors.add(name, message)
        elif name == "interpreter_phone":
            message = check_phone(value or "")
            if message:
                errors.add(name, message)
            cleaned[name] = normalise_phone(value or "")
        else:
            cleaned[name] = ("" if value is None else str(value)).strip()

    def current_value(name):
        if name in cleaned:
            return cleaned[name]
        if name in values:  # given but wrong: already reported
            return None
        return getattr(current, name) if current is not None else None

    for name in REQUIRED:
        if (name in values or current is None) and not current_value(name):
            errors.add(name, _("This field is required."))
    for name, limit in TEXT_LIMITS.items():
        value = cleaned.get(name)
        if value and len(value) > limit:
            errors.add(name, _("At most %(n)d characters; this has %(length)d.") % {"n": limit, "length": len(value)})
    for name in ("summary", "full_text", "application_materials"):
        if len(cleaned.get(name) or "") > LONG_TEXT_LIMIT:
            errors.add(name, _("This text is too long."))
    choices = {
        "level": Policy.Level,
        "benefit_kind": Policy.BenefitKind,
        "obtain": Policy.Obtain,
    }
    for name, enum in choices.items():
        value = cleaned.get(name)
        if value and value not in enum.values:
            errors.add(
                name,
                _("Unknown value “%(value)s”: use one of %(allowed)s.")
                % {"value": value, "allowed": ", ".join(enum.values)},
            )

    published, effective, expires = (current_value(n) for n in ("published_on", "effective_from", "expires_on"))
    deadline = current_value("application_deadline")
    if effective and expires and expires < effective:
        errors.add("expires_on", _("The policy cannot expire before it takes effect."))
    if published and expires and expires < published:
        errors.add("expires_on", _("The policy cannot expire before it is published."))
    if published and deadline and deadline < published:
        errors.add("application_deadline", _("The application deadline cannot be before the policy is published."))
    if expires and deadline and deadline > expires:
        errors.add("application_deadline", _("The application deadline cannot be after the policy expires."))
    phone, name = current_value("interpreter_phone"), current_value("interpreter_name")
    if phone and not name and "interpreter_phone" in values:
        errors.add("interpreter_name", _("Name the policy interpreter who answers this phone."))
    if (
        current is not None
        and current.status == Status.PUBLISHED
        and "eligibility" in cleaned
        and not cleaned["eligibility"]
    ):
        errors.add("eligibility", _("A published policy must keep an eligibility rule."))

    found_categories = _categories(errors, categories)
    if found_categories is not None:
        cleaned["categories"] = found_categories
    if clauses is not None:
        if len(clauses) > MAX_CLAUSES:
            errors.add("clauses", _("A policy has at most %(n)d clauses.") % {"n": MAX_CLAUSES})
        else:
            checked = [_clause(errors, index, item) for index, item in enumerate(clauses, start=1)]
            cleaned["clauses"] = checked
            if current is not None and current.status == Status.PUBLISHED:
                existing = current.clauses.count()
                if len(clauses) < existing:
                    errors.add(
                        "clauses",
                        _(
                            "A published policy keeps its %(n)d clauses: their QR codes may be printed. Withdraw it "
                            "first to remove clauses."
                        )
                        % {"n": existing},
                    )
    errors.raise_if_any()
    return cleaned


# Saving ----------------------------------------------------------------------------------------------------


def _write_clauses(policy: Policy, items: list[dict]) -> None:
    """Clause n of `items` becomes the clause at position n (same rows kept, extra ones deleted)."""
    existing = {c.position: c for c in PolicyClause.objects.select_for_update().filter(policy=policy)}
    for position, item in enumerate(items, start=1):
        clause = existing.pop(position, None)
        if clause is None:
            PolicyClause.objects.create(policy=policy, position=position, **item)
        elif (clause.heading, clause.text) != (item["heading"], item["text"]):
            clause.heading, clause.text = item["heading"], item["text"]
            clause.save(update_fields=["heading", "text"])
    if existing:
        PolicyClause.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()


@transaction.atomic
def policy_save(*, actor, policy_id: int | None = None, categories=None, clauses=None, **fields) -> Policy:
    """Create a policy (policy_id None: a draft) or change one. `categories`: category ids (None: unchanged);
    `clauses`: [{"heading", "text"}, …] in order (None: unchanged), clause n at position n. Every field is
    checked and every mistake reported at once (ValidationError keyed by field)."""
    _require_office(actor)
    policy = _locked_policy(actor, policy_id) if policy_id is not None else None
    cleaned = clean_policy(fields, current=policy, categories=categories, clauses=clauses)
    new_categories = cleaned.pop("categories", None)
    new_clauses = cleaned.pop("clauses", None)
    if policy is None:
        policy = Policy(created_by=actor, status=Status.DRAFT)
    for name, value in cleaned.items():
        setattr(policy, name, value)
    policy.save()
    if new_categories is not None:
        policy.categories.set(new_categories)
    if new_clauses is not None:
        _write_clauses(policy, new_clauses)
    return policy


@transaction.atomic
def policy_publish(*, actor, policy_id: int) -> Policy:
    """Publish a draft or withdrawn policy: its rule must validate (the tags, regions and parks it names
    still exist), an auto-grant (免申即享) policy needs its amount formula, and it must not have expired."""
    policy = _locked_policy(actor, policy_id)
    if policy.status == Status.PUBLISHED:
        raise ValidationError(_("This policy is already published."))
    if not policy.eligibility:
        raise ValidationError(
            {"eligibility": [_("Write the eligibility rule before publishing: who the policy is for.")]}
        )
    try:
        rules.validate(policy.eligibility)
    except ValidationError as error:
        raise ValidationError({"eligibility": error.messages}) from None
    if policy.obtain == Policy.Obtain.AUTO_GRANT:
        if not policy.benefit_formula:
            raise ValidationError(
                {"benefit_formula": [_("A policy granted without application needs its amount formula.")]}
            )
        try:
            check_formula(policy.benefit_formula)
        except ValidationError as error:
            raise ValidationError({"benefit_formula": error.messages}) from None
    today = timezone.localdate()
    if policy.expires_on and policy.expires_on < today:
        raise ValidationError({"expires_on": [_("This policy has expired: it cannot be published.")]})
    policy.status = Status.PUBLISHED
    policy.published_at = timezone.now()
    fields = ["status", "published_at", "updated_at"]
    if policy.published_on is None:
        policy.published_on = today
        fields.append("published_on")
    policy.save(update_fields=fields)
    return policy


@transaction.atomic
def policy_withdraw(*, actor, policy_id: int) -> Policy:
    """Take a published policy off the public pages and the enterprises' lists (it can be published again)."""
    policy = _locked_policy(actor, policy_id)
    if policy.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published policy can be withdrawn."))
    policy.status = Status.WITHDRAWN
    policy.save(update_fields=["status", "updated_at"])
    return policy


# Clauses ---------------------------------------------------------------------------------------------------


def _clean_clause(heading: str, text: str) -> dict:
    errors = _Errors()
    item = _clause(errors, 1, {"heading": heading, "text": text})
    if item is None:
        messages = errors.by_field["clauses"]
        by_field = {}
        for message in messages:
            field = "heading" if "heading" in message else "text"
            by_field.setdefault(field, []).append(message.split(": ", 1)[-1])
        raise ValidationError(by_field)
    return item


def _locked_clause(actor, policy_id: int, clause_id: int) -> tuple[Policy, PolicyClause]:
    policy = _locked_policy(actor, policy_id)
    clause = get_for_user(actor, PolicyClause.objects.select_for_update(of=("self",)), pk=clause_id, policy=policy)
    return policy, clause


def _require_unpublished(policy: Policy) -> None:
    if policy.status == Status.PUBLISHED:
        raise ValidationError(
            _(
                "The clauses of a published policy keep their places: their QR codes may be printed. Withdraw the "
                "policy to reorder or remove clauses; a wording can still be corrected."
            )
        )


def _renumber(policy: Policy, ordered_ids: list[int]) -> None:
    PolicyClause.objects.filter(policy=policy).update(position=F("position") + _OUT_OF_THE_WAY)
    for position, pk in enumerate(ordered_ids, start=1):
        PolicyClause.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def clause_add(*, actor, policy_id: int, heading: str, text: str) -> PolicyClause:
    """A new clause at the end of the policy (allowed on a published policy: the others keep their places)."""
    policy = _locked_policy(actor, policy_id)
    item = _clean_clause(heading, text)
    last = PolicyClause.objects.filter(policy=policy).aggregate(last=Max("position"))["last"] or 0
    if last >= MAX_CLAUSES:
        raise ValidationError(_("A policy has at most %(n)d clauses.") % {"n": MAX_CLAUSES})
    return PolicyClause.objects.create(policy=policy, position=last + 1, **item)


@transaction.atomic
def clause_update(*, actor, policy_id: int, clause_id: int, heading: str, text: str) -> PolicyClause:
    _policy, clause = _locked_clause(actor, policy_id, clause_id)
    item = _clean_clause(heading, text)
    clause.heading, clause.text = item["heading"], item["text"]
    clause.save(update_fields=["heading", "text"])
    return clause


@transaction.atomic
def clause_delete(*, actor, policy_id: int, clause_id: int) -> None:
    """Remove a clause of a policy that is not published; the ones after it move up."""
    policy, clause = _locked_clause(actor, policy_id, clause_id)
    _require_unpublished(policy)
    clause.delete()
    _renumber(
        policy, list(PolicyClause.objects.filter(policy=policy).order_by("position").values_list("pk", flat=True))
    )


@transaction.atomic
def clause_move(*, actor, policy_id: int, clause_id: int, position: int) -> PolicyClause:
    """Put a clause at `position` (1 = first) of a policy that is not published; the others shift."""
    policy, clause = _locked_clause(actor, policy_id, clause_id)
    _require_unpublished(policy)
    ids = list(PolicyClause.objects.filter(policy=policy).order_by("position").values_list("pk", flat=True))
    if not isinstance(position, int) or isinstance(position, bool) or not 1 <= position <= len(ids):
        raise ValidationError({"position": [_("The position must be between 1 and %(n)d.") % {"n": len(ids)}]})
    ids.remove(clause.pk)
    ids.insert(position - 1, clause.pk)
    _renumber(policy, ids)
    clause.refresh_from_db()
    return clause
