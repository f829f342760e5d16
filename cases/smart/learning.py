"""The learned suggestions: TF-IDF over jieba words and two multinomial logistic regressions (scikit-learn),
one for the category and one for the lead unit, fitted on the jurisdiction's own accepted assignments.

A fitted model is a pickle in SuggestionModel.artefact, written and read only by this module; the
database is the deployment's own, so the pickle is as trusted as the rest of its rows."""

from __future__ import annotations

import pickle
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from cases.models import Assignment, SuggestionModel
from cases.smart.catalogue import LOCALITY, LocalityIndex, Ranked
from cases.smart.text import joined_words

FORMAT = 1
# Fewer accepted cases than this, or only one category among them, and nothing is learned: the catalogue
# suggests alone until history grows.
MIN_CASES = 30


class NotEnoughHistory(Exception):
    pass


@dataclass
class Example:
    case_id: int
    words: str
    category_id: int
    lead: str
    submitted_at: datetime


def lead_label(unit_id: int, locality_ids: list[int]) -> str:
    return LOCALITY if unit_id in locality_ids else str(unit_id)


def examples(*, before: datetime | None = None, since: datetime | None = None) -> list[Example]:
    """Cases whose lead assignment was accepted and never returned: the office's confirmed dispatches,
    labelled with the case's final category and that lead unit (the enterprise's own locality as LOCALITY)."""
    rows = Assignment.objects.filter(
        role=Assignment.Role.LEAD, accepted_at__isnull=False, returned_at__isnull=True
    ).exclude(state=Assignment.State.RETURNED)
    if before is not None:
        rows = rows.filter(case__submitted_at__lt=before)
    if since is not None:
        rows = rows.filter(case__submitted_at__gte=since)
    latest: dict[int, tuple] = {}
    for row in rows.values_list(
        "case_id",
        "unit_id",
        "accepted_at",
        "case__title",
        "case__description",
        "case__category_id",
        "case__submitted_at",
        "case__enterprise__region__path",
        "case__enterprise__park_id",
    ).order_by("case_id", "accepted_at", "pk"):
        latest[row[0]] = row
    localities = LocalityIndex()
    found = []
    for case_id, unit_id, _at, title, description, category_id, submitted_at, path, park_id in latest.values():
        found.append(
            Example(
                case_id=case_id,
                words=joined_words(title, description),
                category_id=category_id,
                lead=lead_label(unit_id, localities.units_for(path, park_id)),
                submitted_at=submitted_at,
            )
        )
    found.sort(key=lambda e: (e.submitted_at, e.case_id))
    return found


class Fitted:
    """A trained pair of classifiers sharing one vocabulary."""

    def __init__(self, vectorizer, category, lead):
        self.vectorizer = vectorizer
        self.category = category
        self.lead = lead
        self.names = vectorizer.get_feature_names_out()

    @property
    def vocabulary_size(self) -> int:
        return len(self.vectorizer.vocabulary_)

    def rank(self, words: str, limit: int = 3) -> tuple[list[Ranked], list[Ranked]]:
        row = self.vectorizer.transform([words])
        return _rank(self.category, row, self.names, limit), _rank(self.lead, row, self.names, limit)

    def rank_many(self, texts: list[str], limit: int = 3) -> list[tuple[list[str], list[str]]]:
        """Only the ranked labels, for evaluation over many cases at once."""
        rows = self.vectorizer.transform(texts)
        out = []
        category_p = self.category.predict_proba(rows)
        lead_p = self.lead.predict_proba(rows) if self.lead is not None else None
        for i in range(rows.shape[0]):
            cats = [str(self.category.classes_[j]) for j in np.argsort(-category_p[i])[:limit]]
            leads = [] if lead_p is None else [str(self.lead.classes_[j]) for j in np.argsort(-lead_p[i])[:limit]]
            out.append((cats, leads))
        return out


def _class_weights(classifier, index: int) -> np.ndarray:
    coef = classifier.coef_
    if coef.shape[0] == 1:  # two classes: one row, positive for classes_[1]
        return coef[0] if index == 1 else -coef[0]
    return coef[index]


def _rank(classifier, row, names, limit: int) -> list[Ranked]:
    if classifier is None:
        return []
    probabilities = classifier.predict_proba(row)[0]
    present = row.indices
    ranked = []
    for index in np.argsort(-probabilities)[:limit]:
        weights = _class_weights(classifier, int(index))
        contributions = [(row[0, j] * weights[j], j) for j in present]
        words = [str(names[j]) for value, j in sorted(contributions, reverse=True) if value > 0][:5]
        ranked.append(Ranked(str(classifier.classes_[index]), round(float(probabilities[index]), 4), words))
    return ranked


def fit(train: list[Example]) -> Fitted:
    if len(train) < MIN_CASES or len({e.category_id for e in train}) < 2:
        raise NotEnoughHistory(len(train))
    vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform([e.words for e in train])
    category = LogisticRegression(C=8.0, max_iter=2000).fit(matrix, [str(e.category_id) for e in train])
    leads = [e.lead for e in train]
    lead = LogisticRegression(C=8.0, max_iter=2000).fit(matrix, leads) if len(set(leads)) > 1 else None
    return Fitted(vectorizer, category, lead)


def topk(ranked: list[str], truth: str, k: int) -> bool:
    return truth in ranked[:k]


def holdout_metrics(items: list[Example]) -> dict:
    """Accuracy of a model fitted on the older 80 % of `items`, tested on the newest 20 %."""
    if len(items) < MIN_CASES * 2:
        return {}
    split = int(len(items) * 0.8)
    try:
        fitted = fit(items[:split])
    except NotEnoughHistory:
        return {}
    test = items[split:]
    ranked = fitted.rank_many([e.words for e in test])
    n = len(test)
    return {
        "tested": n,
        "category_top1": round(
            sum(topk(c, str(e.category_id), 1) for (c, _), e in zip(ranked, test, strict=True)) / n, 4
        ),
        "category_top3": round(
            sum(topk(c, str(e.category_id), 3) for (c, _), e in zip(ranked, test, strict=True)) / n, 4
        ),
        "lead_top1": round(sum(topk(ld, e.lead, 1) for (_, ld), e in zip(ranked, test, strict=True)) / n, 4),
        "lead_top3": round(sum(topk(ld, e.lead, 3) for (_, ld), e in zip(ranked, test, strict=True)) / n, 4),
    }


def dumps(fitted: Fitted) -> bytes:
    return pickle.dumps(
        {"format": FORMAT, "vectorizer": fitted.vectorizer, "category": fitted.category, "lead": fitted.lead},
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def lead_classes(fitted: Fitted) -> Counter:
    return Counter(str(c) for c in (fitted.lead.classes_ if fitted.lead is not None else []))


# Keyed by id and training time: ids come back after a rollback (tests, SQLite), a training time does not.
_cache: dict[tuple[int, object], Fitted] = {}
_cache_lock = threading.Lock()


def active_model() -> tuple[SuggestionModel | None, Fitted | None]:
    """The model in use and its fitted classifiers, unpickled once per process and version."""
    model = SuggestionModel.objects.filter(is_active=True).defer("artefact").order_by("-version").first()
    if model is None:
        return None, None
    with _cache_lock:
        key = (model.pk, model.trained_at)
        fitted = _cache.get(key)
        if fitted is None:
            blob = SuggestionModel.objects.filter(pk=model.pk).values_list("artefact", flat=True).first()
            data = pickle.loads(bytes(blob))  # written by dumps() above, into our own database
            if data.get("format") != FORMAT:
                return model, None
            fitted = Fitted(data["vectorizer"], data["category"], data["lead"])
            _cache.clear()
            _cache[key] = fitted
    return model, fitted


def warm_up() -> None:
    """Load the segmenter's dictionary and the model in use (called once as a server process starts)."""
    from django.db import DatabaseError, connection

    from cases.smart.text import words

    words("预热")
    try:
        active_model()
    except DatabaseError:
        pass  # not migrated yet: the first suggestion loads it
    finally:
        connection.close()
