"""Time-split evaluation of the suggestions: learn from the cases submitted before a date, test on the cases
submitted from that date, and compare with the dispatch catalogue alone (docs/cases/smart-dispatch.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cases.models import Case
from cases.smart import catalogue, learning


@dataclass
class Row:
    name: str
    category_top1: float
    category_top3: float
    lead_top1: float
    lead_top3: float


@dataclass
class Evaluation:
    split: datetime
    trained: int
    tested: int
    rows: list[Row]


def _row(name: str, ranked: list[tuple[list[str], list[str]]], test: list[learning.Example]) -> Row:
    n = len(test) or 1

    def share(part: int, k: int) -> float:
        truths = [str(e.category_id) if part == 0 else e.lead for e in test]
        return round(sum(learning.topk(r[part], t, k) for r, t in zip(ranked, truths, strict=True)) / n, 4)

    return Row(name, share(0, 1), share(0, 3), share(1, 1), share(1, 3))


def evaluate(split: datetime, threshold: float) -> Evaluation:
    train = learning.examples(before=split)
    test = learning.examples(since=split)
    fitted = learning.fit(train)
    rules = catalogue.load_rules()
    texts = dict(Case.objects.filter(pk__in=[e.case_id for e in test]).values_list("pk", "title"))
    descriptions = dict(Case.objects.filter(pk__in=[e.case_id for e in test]).values_list("pk", "description"))
    listed, learned, served = [], [], []
    learned_ranked = fitted.rank_many([e.words for e in test])
    for example, (cats, leads) in zip(test, learned_ranked, strict=True):
        categories = catalogue.rank_categories(rules, texts[example.case_id], descriptions[example.case_id])
        listed_leads = [r.key for r in catalogue.leads_for(rules, categories)]
        listed_cats = [r.key for r in categories]
        listed.append((listed_cats, listed_leads))
        learned.append((cats, leads))
        # As served: the learned ranking where its top probability reaches the threshold.
        category_p, lead_p = fitted.rank(example.words, limit=1)
        use_cats = cats if (category_p and category_p[0].probability >= threshold) or not listed_cats else listed_cats
        use_leads = leads if (lead_p and lead_p[0].probability >= threshold) or not listed_leads else listed_leads
        served.append((use_cats, use_leads))
    return Evaluation(
        split=split,
        trained=len(train),
        tested=len(test),
        rows=[
            _row("catalogue", listed, test),
            _row("learned", learned, test),
            _row("served", served, test),
        ],
    )
