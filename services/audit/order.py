"""The order of a case's timeline: by occurred_at, ties broken by cause, then log position."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar


@dataclass(frozen=True)
class Placed:
    """What ordering needs to know of one record of the case."""

    event_id: uuid.UUID
    causation_id: uuid.UUID | None
    occurred_at: datetime
    topic: str
    partition: int
    offset: int


T = TypeVar("T", bound=Placed)


def depth(item: Placed, by_id: dict[uuid.UUID, Placed]) -> int:
    """How many causes precede the event within the case (0: its cause is outside it)."""
    seen: set[uuid.UUID] = {item.event_id}
    steps = 0
    cause = item.causation_id
    while cause is not None and cause in by_id and cause not in seen:  # a cycle cannot loop
        seen.add(cause)
        steps += 1
        cause = by_id[cause].causation_id
    return steps


def ordered(items: Sequence[T]) -> list[T]:
    """Sort by time; at equal times an event follows the event that caused it."""
    by_id = {i.event_id: i for i in items}
    return sorted(items, key=lambda i: (i.occurred_at, depth(i, by_id), i.topic, i.partition,
                                        i.offset))


def duplicates(items: Sequence[Placed]) -> set[tuple[str, int, int]]:
    """Positions of records that repeat an earlier record's event id (a producer retry)."""
    first: set[uuid.UUID] = set()
    repeated: set[tuple[str, int, int]] = set()
    for item in items:
        if item.event_id in first:
            repeated.add((item.topic, item.partition, item.offset))
        first.add(item.event_id)
    return repeated
