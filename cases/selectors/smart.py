"""Reads of smart dispatch: possible duplicates and similar open cases of a problem, clusters of open cases
that may be one common issue, and how accurate the suggestions were (docs/cases/smart-dispatch.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.scope import scoped
from cases.models import Case, DispatchSuggestion, SuggestionModel
from cases.smart import learning, similarity
from cases.smart.text import joined_words, words

State = Case.State
OPEN_STATES = (State.SUBMITTED, State.ASSIGNED, State.IN_PROGRESS, State.WAITING, State.RETURNED)
MERGEABLE = (State.SUBMITTED, State.RETURNED)
# A repeat of an enterprise's own problem within this many days is a possible duplicate (重复件).
DUPLICATE_DAYS = 90
# Open cases of other enterprises this recent are compared; older open ones are the overdue lists' business.
SIMILAR_DAYS = 180
POOL_LIMIT = 2000
SHOWN = 5


@dataclass
class Match:
    case: Case
    score: float


@dataclass
class Similar:
    duplicates: list[Match]
    others: list[Match]


def _pool(queryset, limit: int) -> list[Case]:
    return list(
        queryset.select_related("enterprise", "category", "lead_unit")
        .only(
            "number",
            "title",
            "description",
            "state",
            "submitted_at",
            "enterprise_id",
            "enterprise__name",
            "category__name",
            "lead_unit__name",
            "common_issue_id",
        )
        .order_by("-submitted_at", "-pk")[:limit]
    )


def similar_to(
    user, *, enterprise_id: int | None, title: str, description: str, exclude_case_id=None, now: datetime | None = None
) -> Similar:
    """The enterprise's own recent cases that read alike (possible duplicates) and other enterprises' open
    cases that read alike, among the cases `user` sees, most alike first."""
    now = now or timezone.now()
    visible = scoped(user, Case.objects.all())
    if exclude_case_id is not None:
        visible = visible.exclude(pk=exclude_case_id)
    own = (
        _pool(
            visible.filter(enterprise_id=enterprise_id, submitted_at__gte=now - timedelta(days=DUPLICATE_DAYS)),
            POOL_LIMIT,
        )
        if enterprise_id
        else []
    )
    others = _pool(
        visible.filter(state__in=OPEN_STATES, submitted_at__gte=now - timedelta(days=SIMILAR_DAYS)).exclude(
            enterprise_id=enterprise_id
        ),
        POOL_LIMIT,
    )
    pool = own + others
    scores = similarity.scores(
        joined_words(title, description), [similarity.case_words(c) for c in pool], _vectorizer()
    )
    duplicates = [Match(c, s) for c, s in zip(own, scores[: len(own)], strict=True)]
    similar = [Match(c, s) for c, s in zip(others, scores[len(own) :], strict=True)]
    return Similar(
        duplicates=_best(duplicates, similarity.DUPLICATE_THRESHOLD),
        others=_best(similar, similarity.SIMILAR_THRESHOLD),
    )


def _vectorizer():
    """The word weights of the model in use (learned over the whole history), if there is one."""
    fitted = learning.active_model()[1]
    return fitted.vectorizer if fitted is not None else None


def _best(matches: list[Match], threshold: float) -> list[Match]:
    kept = [m for m in matches if m.score >= threshold]
    kept.sort(key=lambda m: (-m.score, -m.case.pk))
    return kept[:SHOWN]


@dataclass
class Cluster:
    cases: list[Case]
    score: float  # the mean similarity of the linked pairs
    words: list[str]
    categories: list[str]

    @property
    def enterprise_count(self) -> int:
        return len({c.enterprise_id for c in self.cases})

    @property
    def case_ids(self) -> list[int]:
        return [c.pk for c in self.cases]

    @property
    def title(self) -> str:
        return self.cases[0].title


def clusters(user, *, now: datetime | None = None, threshold: float | None = None) -> list[Cluster]:
    """Open cases awaiting dispatch, of at least two enterprises, that read alike: candidates for one
    common issue (点办理、批处理). A case joins a cluster through any case it resembles enough."""
    now = now or timezone.now()
    threshold = similarity.CLUSTER_THRESHOLD if threshold is None else threshold
    cases = _pool(
        scoped(user, Case.objects.all()).filter(
            state__in=MERGEABLE, common_issue__isnull=True, submitted_at__gte=now - timedelta(days=SIMILAR_DAYS)
        ),
        POOL_LIMIT,
    )
    if len(cases) < 2:
        return []
    matrix = similarity.pairwise([similarity.case_words(c) for c in cases], _vectorizer())
    parent = list(range(len(cases)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links: list[tuple[int, int, float]] = []
    for i, j in np.argwhere(np.triu(matrix >= threshold, 1)):
        if cases[i].enterprise_id != cases[j].enterprise_id:
            links.append((int(i), int(j), float(matrix[i, j])))
            parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {root(i): [] for i, _j, _s in links}
    for i in range(len(cases)):
        if root(i) in groups:
            groups[root(i)].append(i)
    found = []
    for members in groups.values():
        member_cases = sorted((cases[i] for i in members), key=lambda c: (c.submitted_at, c.pk))
        if len({c.enterprise_id for c in member_cases}) < 2:
            continue
        scores = [s for i, j, s in links if i in members and j in members]
        found.append(
            Cluster(
                cases=member_cases,
                score=round(sum(scores) / len(scores), 3),
                words=_shared_words(member_cases),
                categories=[name for name, _n in Counter(c.category.name for c in member_cases).most_common()],
            )
        )
    found.sort(key=lambda c: (-len(c.cases), -c.score, c.cases[0].pk))
    return found


def _shared_words(cases: list[Case], limit: int = 6) -> list[str]:
    """The words most of the cluster's texts use: what the problem they share is about."""
    counts = Counter()
    for case in cases:
        counts.update(set(words(f"{case.title}。{case.description}")))
    needed = max(2, (len(cases) + 1) // 2)
    return [w for w, n in counts.most_common() if n >= needed][:limit]


# Accuracy --------------------------------------------------------------------------------------------------


@dataclass
class Accuracy:
    decided: int = 0
    category_top1: int = 0
    category_top3: int = 0
    lead_top1: int = 0
    lead_top3: int = 0
    confirmed: int = 0
    months: list[dict] = field(default_factory=list)
    model: SuggestionModel | None = None

    def share(self, name: str) -> float | None:
        return getattr(self, name) / self.decided if self.decided else None

    @property
    def category_top1_share(self):
        return self.share("category_top1")

    @property
    def category_top3_share(self):
        return self.share("category_top3")

    @property
    def lead_top1_share(self):
        return self.share("lead_top1")

    @property
    def lead_top3_share(self):
        return self.share("lead_top3")

    @property
    def confirmed_share(self):
        return self.share("confirmed")


def _counts():
    return {
        "decided": Count("pk"),
        "category_top1": Count("pk", filter=Q(category_rank=1)),
        "category_top3": Count("pk", filter=Q(category_rank__lte=3)),
        "lead_top1": Count("pk", filter=Q(lead_rank=1)),
        "lead_top3": Count("pk", filter=Q(lead_rank__lte=3)),
        "confirmed": Count("pk", filter=Q(confirmed=True)),
    }


def accuracy(user, date_from: date | None = None, date_to: date | None = None) -> Accuracy:
    """How often the office's choice was the first (or among the three) suggested, over the suggestions it
    decided in the period on cases `user` sees; by month too. Three queries whatever the period."""
    decided = DispatchSuggestion.objects.filter(
        decided_at__isnull=False, case__in=scoped(user, Case.objects.all()).values("pk")
    )
    if date_from is not None:
        decided = decided.filter(decided_at__date__gte=date_from)
    if date_to is not None:
        decided = decided.filter(decided_at__date__lte=date_to)
    result = Accuracy(**decided.aggregate(**_counts()))
    for row in decided.annotate(month=TruncMonth("decided_at")).values("month").annotate(**_counts()).order_by("month"):
        month = row.pop("month")
        row["month"] = timezone.localtime(month).strftime("%Y-%m") if isinstance(month, datetime) else str(month)[:7]
        row["category_top1_share"] = row["category_top1"] / row["decided"] if row["decided"] else None
        row["lead_top1_share"] = row["lead_top1"] / row["decided"] if row["decided"] else None
        result.months.append(row)
    result.model = SuggestionModel.objects.filter(is_active=True).defer("artefact").order_by("-version").first()
    return result
