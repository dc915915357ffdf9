"""The SLA replay's case store: the cases in memory while the log runs, written once at the end.

Live, every batch reads its cases and upserts them (the state must survive a crash between
batches). A replay starts from an empty schema, runs alone and keeps nothing if it stops,
so between batches the rows can stay in memory: each case is kept as the JSON the table
holds, and read back through the same CaseState.from_json, so the keeper sees exactly what
a database round trip gives it (next_due too, at the column's microseconds). At the end the
rows go to the fresh schema in one COPY. Row ids are handed out in first-save order, as a
sequence would, only without the gaps an upsert leaves in it; they never reach an event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from services.sla.case_state import CaseState
from services.sla.store import StoredCase, Summary


@dataclass(slots=True)
class _Row:
    id: int
    complaint_id: str
    partition: int
    state: bytes  # CaseState.to_json(), as the jsonb column keeps it
    summary: Summary


def _as_stored(summary: Summary) -> Summary:
    """The summary as the table gives it back: next_due at microsecond precision."""
    due = summary.next_due
    return summary if due is None else Summary(summary.holder, summary.open, summary.at_risk,
                                               summary.overdue, round(due, 6))


class MemoryCaseStore:
    """CaseStore's interface as ClockKeeper uses it, over a dict; `write` stores the rows."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._rows: dict[str, _Row] = {}
        self._by_id: dict[int, _Row] = {}

    def _stored(self, row: _Row) -> StoredCase:
        return StoredCase(row.id, row.partition, CaseState.from_json(row.state), row.summary)

    async def load_cases(self, complaint_ids: Iterable[str]) -> dict[str, StoredCase]:
        return {cid: self._stored(row) for cid in set(complaint_ids)
                if (row := self._rows.get(cid)) is not None}

    async def save_cases(self, cases: Sequence[tuple[CaseState, int, Summary]]
                         ) -> dict[str, int]:
        ids: dict[str, int] = {}
        for case, partition, summary in cases:
            row = self._rows.get(case.complaint_id)
            if row is None:  # an insert; an upsert keeps the row's id and partition
                row = _Row(len(self._rows) + 1, case.complaint_id, partition, b"", summary)
                self._rows[case.complaint_id] = self._by_id[row.id] = row
            row.state, row.summary = case.to_json(), _as_stored(summary)
            ids[case.complaint_id] = row.id
        return ids

    async def load_many(self, ids: Sequence[int], partitions: Iterable[int]) -> list[StoredCase]:
        owned = set(partitions)
        return [self._stored(row) for i in sorted(set(ids))
                if (row := self._by_id.get(i)) is not None and row.partition in owned]

    async def save_many(self, stored: Sequence[StoredCase], summaries: Sequence[Summary]) -> None:
        for s, summary in zip(stored, summaries, strict=True):
            row = self._by_id[s.id]
            row.state, row.summary = s.case.to_json(), _as_stored(summary)

    async def due_entries(self, partitions: Iterable[int]) -> AsyncIterator[tuple[float, int]]:
        owned = set(partitions)
        for row in list(self._by_id.values()):
            if row.partition in owned and row.summary.next_due is not None:
                yield row.summary.next_due, row.id

    async def open_counts(self, partitions: Iterable[int]) -> list[tuple[str, int, int, int]]:
        owned, counts = set(partitions), {}
        for row in self._by_id.values():
            m = row.summary
            if row.partition in owned and m.open:
                n = counts.setdefault(m.holder, [0, 0, 0])
                n[0], n[1], n[2] = n[0] + 1, n[1] + m.at_risk, n[2] + m.overdue
        return [(holder, *n) for holder, n in counts.items()]  # type: ignore[misc]

    async def write(self, pool: asyncpg.Pool) -> int:
        """The rows into the (fresh) schema's cases table in one COPY; how many."""
        def due(at: float | None) -> datetime | None:
            return None if at is None else datetime.fromtimestamp(at, UTC)

        records = [(r.id, self.namespace, r.complaint_id, r.partition, r.summary.holder,
                    r.summary.open, r.summary.at_risk, r.summary.overdue,
                    due(r.summary.next_due), r.state.decode()) for r in self._by_id.values()]
        async with pool.acquire() as conn:
            await conn.copy_records_to_table(
                "cases", records=records,
                columns=("id", "namespace", "complaint_id", "partition", "holder", "open",
                         "at_risk", "overdue", "next_due", "state"))
            await conn.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'),"
                               " greatest((SELECT max(id) FROM cases), 1))")
        return len(records)
