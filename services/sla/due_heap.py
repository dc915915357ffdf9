"""The in-memory index of when each case next needs attention: a heap of packed integers.

One entry per pending case, packed as a single int (due in milliseconds << 40 | row id),
costs about 44 bytes (a 36-byte int plus an 8-byte list slot) instead of a few hundred
for tuples of objects; popping what is due is O(log n), so a million clocks never need a
scan. Entries are never updated in place: a changed case pushes a new entry, and a stale
one is recognised when popped, because the durable row no longer has a stage due.
"""

from __future__ import annotations

import heapq
import math

ID_BITS = 40
ID_MASK = (1 << ID_BITS) - 1


def pack(due: float, row_id: int) -> int:
    if not 0 <= row_id <= ID_MASK:
        raise ValueError(f"row id out of range: {row_id}")
    # Rounded up, so an entry never comes due before the instant it stands for.
    return (max(0, math.ceil(due * 1000)) << ID_BITS) | row_id


def unpack(entry: int) -> tuple[float, int]:
    return (entry >> ID_BITS) / 1000, entry & ID_MASK


class DueHeap:
    """Pending (due, row id) entries; the earliest is always at the front."""

    def __init__(self) -> None:
        self._heap: list[int] = []

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, due: float, row_id: int) -> None:
        heapq.heappush(self._heap, pack(due, row_id))

    def next_due(self) -> float | None:
        """Instant of the earliest entry (rounded up to the millisecond), if any."""
        return unpack(self._heap[0])[0] if self._heap else None

    def pop_due(self, now: float, limit: int) -> list[int]:
        """Row ids (distinct, at most `limit`) of the entries due at or before `now`.

        Some may be stale; the caller checks each row's durable `next_due`, which is
        always also in the heap, so dropping a stale entry never loses a case.
        """
        bound = (int(now * 1000) + 1) << ID_BITS
        ids: dict[int, None] = {}
        while self._heap and self._heap[0] < bound and len(ids) < limit:
            ids[heapq.heappop(self._heap) & ID_MASK] = None
        return list(ids)

    def rebuild(self, packed: list[int]) -> None:
        """Replace the content with packed entries in one O(n) heapify (restart, rebalance)."""
        heapq.heapify(packed)
        self._heap = packed
