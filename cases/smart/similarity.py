"""How alike two problems are: cosine similarity of TF-IDF weighted jieba words (boilerplate words
dropped). The word weights come from the model in use, which learned them over the whole history, so that
a word every problem uses counts little; with no model yet, they are weighed over the texts compared."""

from __future__ import annotations

import threading

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from cases.smart.text import digest, joined_words

# Calibrated on hand-written examples (cases/tests/test_smart_similarity.py) and on the demo's paraphrases
# (cases/demo_dispatch.py): rewordings of one problem score 0.25–0.7, unrelated problems below 0.1.
DUPLICATE_THRESHOLD = 0.2
SIMILAR_THRESHOLD = 0.2
CLUSTER_THRESHOLD = 0.22

_words: dict[int, tuple[str, str]] = {}
_words_lock = threading.Lock()
CACHE_LIMIT = 100_000


def case_words(case) -> str:
    """The words of a saved case, segmented once per process while its text stays the same."""
    key = digest(case.title, case.description)
    cached = _words.get(case.pk)
    if cached is not None and cached[0] == key:
        return cached[1]
    found = joined_words(case.title, case.description)
    with _words_lock:
        if len(_words) >= CACHE_LIMIT:
            _words.clear()
        _words[case.pk] = (key, found)
    return found


def matrix(documents: list[str], vectorizer=None):
    if vectorizer is None:
        vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, sublinear_tf=True)
        return vectorizer.fit_transform(documents)
    return vectorizer.transform(documents)


def scores(query: str, pool: list[str], vectorizer=None) -> list[float]:
    """Similarity of the words `query` to each of `pool`'s."""
    if not pool:
        return []
    rows = matrix([query, *pool], vectorizer)
    return [float(s) for s in cosine_similarity(rows[0], rows[1:])[0]]


def pairwise(documents: list[str], vectorizer=None):
    return cosine_similarity(matrix(documents, vectorizer))
