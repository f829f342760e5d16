"""Ranking with ties: equal values share a rank and the next rank skips (competition ranking 1, 1, 3), as
DESIGN.md §5 reads the assessment and as the bulletin ranks units and localities."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Ranked(Generic[T]):
    rank: int | None  # None: the row has no value and is not ranked
    value: object
    item: T


def competition_rank(
    items: Iterable[T], value: Callable[[T], object], *, highest_first: bool = False
) -> list[Ranked[T]]:
    """Rank `items` by `value` (lowest first unless `highest_first`). Equal values share the better rank and
    the next distinct value takes its position (1, 1, 3). Rows whose value is None come last, unranked. The
    order among equal values is the order given."""
    rows = [(value(item), item) for item in items]
    present = [row for row in rows if row[0] is not None]
    missing = [row for row in rows if row[0] is None]
    present.sort(key=lambda row: row[0], reverse=highest_first)
    ranked: list[Ranked[T]] = []
    previous = object()
    rank = 0
    for position, (val, item) in enumerate(present, start=1):
        if val != previous:
            rank, previous = position, val
        ranked.append(Ranked(rank, val, item))
    ranked.extend(Ranked(None, val, item) for val, item in missing)
    return ranked


def points_by_rank(rank: int | None, *, first: float, step: float = 1) -> float:
    """The seed's rank scoring: the first gets `first`, each next rank `step` less, never below 0; an
    unranked row gets 0."""
    if rank is None:
        return 0
    return max(0, first - (rank - 1) * step)


def ranks_of(ranked: Sequence[Ranked[T]]) -> dict[int, int | None]:
    """id(item) → rank, for looking a row's rank up after sorting."""
    return {id(row.item): row.rank for row in ranked}
