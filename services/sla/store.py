"""PostgreSQL persistence of case clocks (sla.cases), with the columns ops and timers query.

Why PostgreSQL rather than a Faust table: a million clocks must be back in memory seconds
after a restart, and a Faust table would replay its whole changelog to get there (recovery
has also been seen to hang on empty changelogs); here a restart reads one indexed column
(`next_due`) of the partitions this instance owns, and each state change is one upsert.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass

import asyncpg

from services.runtime.partitioning import partition_of as kafka_partition
from services.sla.case_state import CaseState
from services.sla.policy import Policy
from services.sla.stages import has_fired, next_due


@dataclass(frozen=True, slots=True)
class Summary:
    """The indexed facts of a case: what gauges count and what the timer heap holds."""

    holder: str | None
    open: bool
    at_risk: bool
    overdue: bool
    next_due: float | None


def summarize(case: CaseState, policy: Policy) -> Summary:
    open_ = not case.closed and case.holder is not None and bool(case.clocks)
    overdue = open_ and any(has_fired(c, "breach") for c in case.clocks)
    at_risk = open_ and not overdue and any(has_fired(c, "warning") for c in case.clocks)
    return Summary(case.holder, open_, at_risk, overdue, next_due(case, policy))


def partition_of(complaint_id: str, partitions: int) -> int:
    """The input partition of a complaint: Kafka's default partitioner on the key."""
    return kafka_partition(complaint_id.encode(), partitions)


@dataclass(slots=True)
class StoredCase:
    id: int
    partition: int
    case: CaseState
    summary: Summary  # as stored: what the gauges and the heap were last told


_COLUMNS = ("id, partition, state, holder, open, at_risk, overdue,"
            " extract(epoch FROM next_due)::float8 AS due")


def _stored(row: asyncpg.Record) -> StoredCase:
    return StoredCase(row["id"], row["partition"], CaseState.from_json(row["state"]),
                      Summary(row["holder"], row["open"], row["at_risk"], row["overdue"],
                              row["due"]))


_UPSERT = """
INSERT INTO cases (namespace, complaint_id, partition, holder, open, at_risk, overdue,
                   next_due, state)
VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8), $9::jsonb)
ON CONFLICT (namespace, complaint_id) DO UPDATE SET
    holder = EXCLUDED.holder, open = EXCLUDED.open, at_risk = EXCLUDED.at_risk,
    overdue = EXCLUDED.overdue, next_due = EXCLUDED.next_due, state = EXCLUDED.state,
    updated_at = now()
RETURNING id
"""

_UPSERT_MANY = """
INSERT INTO cases (namespace, complaint_id, partition, holder, open, at_risk, overdue,
                   next_due, state)
SELECT $1, u.complaint_id, u.partition, u.holder, u.open, u.at_risk, u.overdue,
       to_timestamp(u.due), u.state
FROM unnest($2::text[], $3::int[], $4::text[], $5::bool[], $6::bool[], $7::bool[],
            $8::float8[], $9::jsonb[])
     AS u(complaint_id, partition, holder, open, at_risk, overdue, due, state)
ON CONFLICT (namespace, complaint_id) DO UPDATE SET
    holder = EXCLUDED.holder, open = EXCLUDED.open, at_risk = EXCLUDED.at_risk,
    overdue = EXCLUDED.overdue, next_due = EXCLUDED.next_due, state = EXCLUDED.state,
    updated_at = now()
RETURNING complaint_id, id
"""

_UPDATE_MANY = """
UPDATE cases AS c SET holder = u.holder, open = u.open, at_risk = u.at_risk,
    overdue = u.overdue, next_due = to_timestamp(u.due), state = u.state, updated_at = now()
FROM unnest($1::bigint[], $2::text[], $3::bool[], $4::bool[], $5::bool[], $6::float8[],
            $7::jsonb[]) AS u(id, holder, open, at_risk, overdue, due, state)
WHERE c.id = u.id
"""


class CaseStore:
    """Cases of one namespace (the SLA consumer group) in the `sla` schema."""

    def __init__(self, pool: asyncpg.Pool, namespace: str) -> None:
        self.pool = pool
        self.namespace = namespace

    async def load(self, complaint_id: str) -> StoredCase | None:
        row = await self.pool.fetchrow(
            f"SELECT {_COLUMNS} FROM cases WHERE namespace = $1 AND complaint_id = $2",
            self.namespace, complaint_id)
        return None if row is None else _stored(row)

    async def load_cases(self, complaint_ids: Iterable[str]) -> dict[str, StoredCase]:
        """Cases by complaint id, in one query (a batch's inputs)."""
        rows = await self.pool.fetch(
            f"SELECT complaint_id, {_COLUMNS} FROM cases WHERE namespace = $1"
            " AND complaint_id = ANY($2::text[])", self.namespace, list(set(complaint_ids)))
        return {r["complaint_id"]: _stored(r) for r in rows}

    async def save_cases(self, cases: Sequence[tuple[CaseState, int, Summary]]
                         ) -> dict[str, int]:
        """Insert or replace cases in one statement; their row ids by complaint id."""
        if not cases:
            return {}
        rows = await self.pool.fetch(
            _UPSERT_MANY, self.namespace, [c.complaint_id for c, _, _ in cases],
            [p for _, p, _ in cases], [m.holder for _, _, m in cases],
            [m.open for _, _, m in cases], [m.at_risk for _, _, m in cases],
            [m.overdue for _, _, m in cases], [m.next_due for _, _, m in cases],
            [c.to_json().decode() for c, _, _ in cases])
        return {r["complaint_id"]: r["id"] for r in rows}

    async def save(self, case: CaseState, partition: int, summary: Summary) -> int:
        """Insert or replace one case; returns its row id (the timer heap's handle)."""
        row_id: int = await self.pool.fetchval(
            _UPSERT, self.namespace, case.complaint_id, partition, summary.holder, summary.open,
            summary.at_risk, summary.overdue, summary.next_due, case.to_json().decode())
        return row_id

    async def load_many(self, ids: Sequence[int], partitions: Iterable[int]) -> list[StoredCase]:
        """Cases by row id, only those of the given partitions (the ones this instance owns)."""
        rows = await self.pool.fetch(
            f"SELECT {_COLUMNS} FROM cases WHERE id = ANY($1::bigint[])"
            " AND namespace = $2 AND partition = ANY($3::int[]) ORDER BY id",
            list(ids), self.namespace, list(partitions))
        return [_stored(r) for r in rows]

    async def save_many(self, stored: Sequence[StoredCase], summaries: Sequence[Summary]) -> None:
        """Write back cases loaded with load_many, in one statement."""
        if not stored:
            return
        await self.pool.execute(
            _UPDATE_MANY, [s.id for s in stored], [m.holder for m in summaries],
            [m.open for m in summaries], [m.at_risk for m in summaries],
            [m.overdue for m in summaries], [m.next_due for m in summaries],
            [s.case.to_json().decode() for s in stored])

    async def due_entries(self, partitions: Iterable[int]) -> AsyncIterator[tuple[float, int]]:
        """Stream (next_due, id) of every case with a stage pending in these partitions."""
        async with self.pool.acquire() as conn, conn.transaction():
            async for r in conn.cursor(
                    "SELECT extract(epoch FROM next_due)::float8, id FROM cases"
                    " WHERE namespace = $1 AND partition = ANY($2::int[])"
                    " AND next_due IS NOT NULL", self.namespace, list(partitions),
                    prefetch=20_000):
                yield r[0], r[1]

    async def open_counts(self, partitions: Iterable[int]) -> list[tuple[str, int, int, int]]:
        """(agency, open, at risk, overdue) over the open cases of these partitions."""
        rows = await self.pool.fetch(
            "SELECT holder, count(*), count(*) FILTER (WHERE at_risk),"
            " count(*) FILTER (WHERE overdue) FROM cases"
            " WHERE namespace = $1 AND partition = ANY($2::int[]) AND open GROUP BY holder",
            self.namespace, list(partitions))
        return [(r[0], r[1], r[2], r[3]) for r in rows]
