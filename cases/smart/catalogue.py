"""The dispatch catalogue (派单目录) read as a suggester: categories ranked by the keywords found in the text,
each category's default units, and the locality taken from the enterprise's township, street or park."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import Unit
from cases.models import DispatchRule
from cases.smart.text import case_text

# The lead label meaning "the enterprise's own township, street or park": the same for every enterprise.
LOCALITY = "@locality"
LOCALITY_KINDS = (Unit.Kind.TOWNSHIP, Unit.Kind.PARK)


class LocalityIndex:
    """Which units are the locality (属地) of an enterprise, for many enterprises at one query."""

    def __init__(self):
        self.by_region: dict[int, list[tuple[int, int]]] = {}
        for pk, region_id, depth in (
            Unit.objects.filter(kind__in=LOCALITY_KINDS, is_active=True)
            .values_list("pk", "region_id", "region__depth")
            .order_by("pk")
        ):
            self.by_region.setdefault(region_id, []).append((depth, pk))

    def units_for(self, region_path: str, park_id: int | None) -> list[int]:
        """The enterprise's park committee first (when it lies in a park), then its township or street,
        the deepest region first."""
        found = [park_id] if park_id else []
        for region_id in reversed([int(p) for p in (region_path or "").strip("/").split("/") if p]):
            for _depth, pk in sorted(self.by_region.get(region_id, [])):
                if pk not in found:
                    found.append(pk)
        return found


def locality_of(enterprise) -> list[int]:
    return LocalityIndex().units_for(enterprise.region.path, enterprise.park_id)


@dataclass
class Rule:
    category_id: int
    category_name: str
    keywords: list[str]
    lead: str | None  # a unit id as text, LOCALITY, or None when the catalogue names none
    co_unit_ids: list[int] = field(default_factory=list)
    add_locality: bool = True


def load_rules() -> dict[int, Rule]:
    rules = {}
    for rule in (
        DispatchRule.objects.filter(category__is_active=True)
        .select_related("category")
        .prefetch_related("co_units")
        .order_by("category__sort_order", "category__code")
    ):
        lead = LOCALITY if rule.lead_is_locality else (str(rule.lead_unit_id) if rule.lead_unit_id else None)
        rules[rule.category_id] = Rule(
            category_id=rule.category_id,
            category_name=rule.category.name,
            keywords=rule.keyword_list(),
            lead=lead,
            co_unit_ids=[u.pk for u in rule.co_units.all() if u.is_active],
            add_locality=rule.add_locality,
        )
    return rules


@dataclass
class Ranked:
    key: str  # category id or lead label, as text
    probability: float
    words: list[str]


def rank_categories(rules: dict[int, Rule], title: str, description: str, limit: int = 3) -> list[Ranked]:
    """Categories by how many of their keywords the text holds (a word found in the title counts twice);
    the share of all hits is the confidence. No hit, no suggestion."""
    text = case_text(title, description)
    scored = []
    for rule in rules.values():
        hits = [w for w in rule.keywords if w in text]
        if hits:
            score = sum(min(text.count(w), 3) for w in hits)
            scored.append((score, rule.category_id, sorted(hits, key=lambda w: -text.count(w))[:5]))
    total = sum(s for s, _, _ in scored) or 1
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [Ranked(str(pk), round(score / total, 4), hits) for score, pk, hits in scored[:limit]]


def leads_for(rules: dict[int, Rule], categories: list[Ranked]) -> list[Ranked]:
    """Each suggested category's default lead unit, with that category's confidence."""
    leads: list[Ranked] = []
    for ranked in categories:
        rule = rules.get(int(ranked.key))
        if rule is None or rule.lead is None:
            continue
        existing = next((r for r in leads if r.key == rule.lead), None)
        if existing is not None:
            existing.probability = round(existing.probability + ranked.probability, 4)
        else:
            leads.append(Ranked(rule.lead, ranked.probability, list(ranked.words)))
    return leads
