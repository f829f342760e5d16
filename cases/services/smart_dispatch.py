"""Smart dispatch (智能派单, docs/cases/smart-dispatch.md): suggest a case's category and units, confirm a
suggestion in one click, record what the office chose, keep the dispatch catalogue and train the model."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit
from accounts.scope import get_for_user
from cases.models import Case, CaseCategory, DispatchRule, DispatchSuggestion, SuggestionModel
from cases.services.base import State, require_office
from cases.smart import catalogue, learning, text

SUGGESTIBLE = (State.SUBMITTED, State.RETURNED)
Source = DispatchSuggestion.Source


def threshold() -> float:
    return settings.DISPATCH_CONFIDENCE_PERCENT / 100


@dataclass
class Suggested:
    """A suggestion before it is recorded: ranked entries are dicts ready for JSON and templates."""

    categories: list[dict]
    leads: list[dict]
    co_unit_ids: list[int]
    locality_unit_ids: list[int]
    category_source: str
    lead_source: str
    model: SuggestionModel | None

    def fill(self, record: DispatchSuggestion) -> DispatchSuggestion:
        """Write this suggestion onto its record (not saved)."""
        record.model = self.model
        record.model_version = self.model.version if self.model else None
        record.category_source, record.lead_source = self.category_source, self.lead_source
        record.categories, record.leads = self.categories, self.leads
        record.co_unit_ids, record.locality_unit_ids = self.co_unit_ids, self.locality_unit_ids
        return record


def _entries(ranked: list[catalogue.Ranked]) -> list[dict]:
    return [{"key": r.key, "p": r.probability, "words": r.words} for r in ranked]


def suggest_for_text(title: str, description: str, enterprise, *, rules=None, fitted=None, model=None) -> Suggested:
    """What smart dispatch suggests for a problem of `enterprise`: the learned ranking where it is confident
    (top probability at or above DISPATCH_CONFIDENCE_PERCENT), the catalogue otherwise; the catalogue's
    co-handling units of the top category; the enterprise's locality when the catalogue adds it."""
    rules = catalogue.load_rules() if rules is None else rules
    if fitted is None and model is None:
        model, fitted = learning.active_model()
    learned_categories, learned_leads = [], []
    if fitted is not None:
        learned_categories, learned_leads = fitted.rank(text.joined_words(title, description))
    limit = threshold()
    listed_categories = catalogue.rank_categories(rules, title, description)
    if learned_categories and (learned_categories[0].probability >= limit or not listed_categories):
        categories, category_source = learned_categories, Source.MODEL
    else:
        categories, category_source = listed_categories, Source.CATALOGUE
    listed_leads = catalogue.leads_for(rules, categories)
    if learned_leads and (learned_leads[0].probability >= limit or not listed_leads):
        leads, lead_source = learned_leads, Source.MODEL
    else:
        leads, lead_source = listed_leads, Source.CATALOGUE

    localities = catalogue.locality_of(enterprise)
    category_entries = _resolve_categories(_entries(categories))
    lead_entries = _resolve_leads(_entries(leads), localities)
    lead_id = lead_entries[0]["unit_id"] if lead_entries else None
    top_rule = rules.get(int(category_entries[0]["id"])) if category_entries else None
    co_ids = [pk for pk in (top_rule.co_unit_ids if top_rule else []) if pk != lead_id]
    locality_ids = []
    if localities and (top_rule is None or top_rule.add_locality) and localities[0] != lead_id:
        locality_ids = [localities[0]]
    co_ids = [pk for pk in co_ids if pk not in locality_ids]
    return Suggested(category_entries, lead_entries, co_ids, locality_ids, category_source, lead_source, model)


def _resolve_categories(entries: list[dict]) -> list[dict]:
    names = dict(
        CaseCategory.objects.filter(pk__in=[int(e["key"]) for e in entries], is_active=True).values_list("pk", "name")
    )
    return [{**e, "id": int(e["key"]), "name": names[int(e["key"])]} for e in entries if int(e["key"]) in names]


def _resolve_leads(entries: list[dict], localities: list[int]) -> list[dict]:
    ids = {int(e["key"]) for e in entries if e["key"] != catalogue.LOCALITY}
    if localities:
        ids.add(localities[0])
    units = {
        u.pk: u.name
        for u in Unit.objects.filter(pk__in=ids, is_active=True).exclude(kind=Unit.Kind.OFFICE).only("name")
    }
    resolved, seen = [], set()
    for entry in entries:
        is_locality = entry["key"] == catalogue.LOCALITY
        unit_id = (localities[0] if localities else None) if is_locality else int(entry["key"])
        if unit_id not in units or unit_id in seen:
            continue
        seen.add(unit_id)
        resolved.append({**entry, "unit_id": unit_id, "name": units[unit_id], "locality": is_locality})
    return resolved


def _case_for_office(actor, case_id: int) -> Case:
    require_office(actor)
    return get_for_user(actor, Case.objects.select_related("enterprise__region", "category"), pk=case_id)


@transaction.atomic
def dispatch_suggest(*, actor, case_id: int) -> DispatchSuggestion:
    """The suggestion for a case awaiting dispatch, recorded as shown. The record stands until the case is
    assigned, unless its text changed or a newer model is in use, when it is suggested afresh."""
    case = _case_for_office(actor, case_id)
    if case.state not in SUGGESTIBLE:
        raise ValidationError(_("Only a case awaiting dispatch gets suggestions."))
    digest = text.digest(case.title, case.description)
    model = SuggestionModel.objects.filter(is_active=True).defer("artefact").order_by("-version").first()
    version = model.version if model else None
    open_record = (
        DispatchSuggestion.objects.select_for_update()
        .filter(case=case, decided_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if open_record is not None and open_record.text_digest == digest and open_record.model_version == version:
        return open_record
    suggested = suggest_for_text(case.title, case.description, case.enterprise)
    record = suggested.fill(open_record or DispatchSuggestion(case=case))
    record.created_at = timezone.now()
    record.text_digest = digest
    record.save()
    return record


@transaction.atomic
def dispatch_confirm(*, actor, case_id: int, suggestion_id: int, note: str = "") -> Case:
    """Assign the case exactly as suggested (top category, top lead unit, the suggested co-handling and
    locality units): the one-click path."""
    from cases.services.dispatch import case_assign

    case = _case_for_office(actor, case_id)
    record = DispatchSuggestion.objects.filter(case=case, pk=suggestion_id).first()
    if record is None:
        raise ValidationError(_("No such suggestion on this case."))
    if record.decided_at is not None:
        raise ValidationError(_("This suggestion was already decided: refresh the page."))
    if not record.leads or not record.categories:
        raise ValidationError(_("The suggestion names no lead unit or no category: assign the case by hand."))
    lead_id = record.leads[0]["unit_id"]
    case_assign(
        actor=actor,
        case_id=case.pk,
        lead_unit_id=lead_id,
        co_unit_ids=[pk for pk in record.co_unit_ids if pk != lead_id],
        locality_unit_ids=[pk for pk in record.locality_unit_ids if pk != lead_id],
        category_id=record.categories[0]["id"],
        note=note,
        suggestion_confirmed=True,
    )
    return Case.objects.get(pk=case.pk)


# The catalogue ---------------------------------------------------------------------------------------------


def _clean_keywords(value: str) -> str:
    words = []
    for word in (value or "").replace("，", " ").replace(",", " ").replace("、", " ").split():
        if len(word) > 20:
            raise ValidationError(
                {"keywords": _("“%(word)s” is too long for a keyword (20 characters at most).") % {"word": word[:30]}}
            )
        if word not in words:
            words.append(word)
    if len(words) > 200:
        raise ValidationError({"keywords": _("At most 200 keywords per category.")})
    return " ".join(words)


def _handling_units(ids, field: str) -> list[Unit]:
    try:
        wanted = [int(pk) for pk in ids or []]
    except (TypeError, ValueError):
        raise ValidationError({field: _("Units are given by their ids.")}) from None
    found = {u.pk: u for u in Unit.objects.filter(pk__in=wanted, is_active=True).exclude(kind=Unit.Kind.OFFICE)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError(
            {field: _("No active handling unit with id %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    return [found[pk] for pk in wanted]


@transaction.atomic
def dispatch_rule_save(
    *,
    actor,
    category_id: int,
    keywords: str = "",
    lead_unit_id: int | None = None,
    lead_is_locality: bool = False,
    co_unit_ids=(),
    add_locality: bool = True,
) -> DispatchRule:
    """Create or change the catalogue entry of one category."""
    require_office(actor)
    try:
        category = CaseCategory.objects.get(pk=int(category_id))
    except (CaseCategory.DoesNotExist, TypeError, ValueError):
        raise ValidationError({"category": _("Unknown category.")}) from None
    keywords = _clean_keywords(keywords)
    lead = None
    if lead_unit_id not in (None, ""):
        if lead_is_locality:
            raise ValidationError({"lead_unit": _("Either a lead unit or the locality leads, not both.")})
        lead = _handling_units([lead_unit_id], "lead_unit")[0]
    co_units = _handling_units(co_unit_ids, "co_units")
    if lead is not None and lead in co_units:
        raise ValidationError({"co_units": _("The lead unit cannot also be a co-handling unit.")})
    rule, _created = DispatchRule.objects.select_for_update().get_or_create(category=category)
    rule.keywords = keywords
    rule.lead_unit = lead
    rule.lead_is_locality = bool(lead_is_locality)
    rule.add_locality = bool(add_locality)
    rule.updated_by = actor
    rule.save()
    rule.co_units.set(co_units)
    return rule


# Training --------------------------------------------------------------------------------------------------


def suggestion_model_train(*, trained_by: str = "", cutoff=None, items=None, holdout: bool = True) -> SuggestionModel:
    """Fit a new version on the accepted assignments of cases submitted before `cutoff` (now by default)
    and put it in use; `holdout` also measures a fit on the older 80 % against the newest 20 %. `items`
    are the examples when the caller has read them already. Raises learning.NotEnoughHistory while
    history is too thin."""
    cutoff = cutoff or timezone.now()
    items = learning.examples(before=cutoff) if items is None else [e for e in items if e.submitted_at < cutoff]
    fitted = learning.fit(items)
    metrics = learning.holdout_metrics(items) if holdout else {}
    blob = learning.dumps(fitted)
    with transaction.atomic():
        last = SuggestionModel.objects.select_for_update().order_by("-version").values_list("version", flat=True)
        version = (last.first() or 0) + 1
        SuggestionModel.objects.filter(is_active=True).update(is_active=False)
        return SuggestionModel.objects.create(
            version=version,
            trained_at=timezone.now(),
            trained_by=trained_by[:60],
            cutoff=cutoff,
            case_count=len(items),
            category_count=len({e.category_id for e in items}),
            lead_count=len({e.lead for e in items}),
            vocabulary_size=fitted.vocabulary_size,
            metrics=metrics,
            artefact=blob,
            is_active=True,
        )
