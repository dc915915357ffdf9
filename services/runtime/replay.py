"""Verified replay: recorded inputs through a batch handler, outputs checked against the log.

A replay reads a consumer's input topics from offset zero (services/runtime/replay_log.py: big
fetches, decoded a batch ahead), and hands each batch to the service's BatchHandler (handlers
return what they would publish and never publish themselves), whose store points at a fresh
PostgreSQL schema. Each output is
compared with the record of the same derived event id on its topic in the log; afterwards,
`table_checksums` compares each rebuilt table with the live one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import aclosing, contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from schemas.envelope import Event
from schemas.topics import TopicSpec
from services.runtime.producer import Outgoing
from services.runtime.replay_log import Ignored, Progress, Recorded, events, read_recorded
from services.runtime.settings import RuntimeSettings

__all__ = ["Progress", "Recorded", "ReplayTarget", "Recorder", "ReplayResult", "replay",
           "replay_target", "table_checksums", "differing_rows"]
BatchHandler = Callable[[Sequence[Event]], Awaitable[Sequence[Outgoing]]]
Finish = Callable[[], Awaitable[Sequence[Outgoing]]]
# The time an event was emitted is the wall clock of the run, and a replay under candidate
# rules names their version: everything else must be equal (that is the decision).
UNCOMPARED = frozenset({"occurred_at", "rules_version"})


@dataclass
class ReplayTarget:
    """What a service offers `tanggap replay`: its inputs and outputs, its batch handler with
    a store on a fresh schema, and the live schema to compare tables with (None: do not)."""

    inputs: Sequence[TopicSpec]
    outputs: Sequence[TopicSpec]
    handler: BatchHandler
    live_schema: str | None
    close: Callable[[], Awaitable[None]]
    uncompared: frozenset[str] = UNCOMPARED  # fields that are not the decision
    # Shown the log's outputs before the inputs run (e.g. how far the live timer got).
    prepare: Callable[[Recorded], None] | None = None
    # Outputs owed once the inputs end (e.g. a timer's firings up to the log's horizon).
    finish: Finish | None = None
    in_time_order: bool = False  # see replay()
    # The tables to compare with the live schema, each restricted to the rows matching a SQL
    # condition (where live tables are shared by namespaces); None: every table, whole.
    tables: Mapping[str, str] | None = None
    note: str | None = None  # printed beside differences: what they may mean for this target
    # Inputs per handler call: a replay may hand over far more than the live loop does.
    batch: int = 2000
    # The input types the handler acts on (None: all); the others are counted, not decoded.
    consumes: frozenset[type[Event]] | None = None


class Recorder:
    """An EventProducer stand-in for handlers that send their own output: keeps, never sends."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, topic: str, event: Event) -> None:
        self.sent.append((topic, event))

    async def send_many(self, outgoing: Any, *_: Any, **__: Any) -> None:
        self.sent.extend(outgoing)

    async def send_raw(self, *_: Any, **__: Any) -> None:
        """Dead letters: not a decision the log is compared on."""

    def take(self) -> list[Outgoing]:
        taken, self.sent = self.sent, []
        return taken


@dataclass
class ReplayResult:
    inputs: int = 0
    outputs: int = 0
    seconds: float = 0.0
    matched: int = 0
    differing: list[dict[str, Any]] = field(default_factory=list)  # same id, other content
    unrecorded: list[dict[str, Any]] = field(default_factory=list)  # the log does not have it
    not_reproduced: list[dict[str, Any]] = field(default_factory=list)  # logged, not re-emitted

    @property
    def events_per_second(self) -> float:
        return self.inputs / self.seconds if self.seconds else 0.0

    @property
    def reproduced(self) -> bool:
        return not (self.differing or self.unrecorded or self.not_reproduced)


@contextmanager
def _quiet_handlers() -> Iterator[None]:
    """The services' own loggers at WARNING while a replay runs: a line per replayed input
    (the SLA keeper's, a delivery's) is the live service's account, and on a terminal it
    costs more than many a handler."""
    logger = logging.getLogger("services")
    level = logger.level
    logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        logger.setLevel(level)


def as_logged(event: Event) -> dict[str, Any]:
    """An event as the log holds it, in plain JSON values (what orjson reads back from its
    encoding), made in one pass without the bytes in between."""
    return event.model_dump(mode="json")


def _same(logged: dict[str, Any], replayed: dict[str, Any], uncompared: frozenset[str]) -> bool:
    """Equal in every field but the uncompared ones (the same fields, the same values)."""
    return (logged.keys() - uncompared == replayed.keys() - uncompared
            and all(v == replayed[k] for k, v in logged.items() if k not in uncompared))


async def replay(settings: RuntimeSettings, inputs: Sequence[TopicSpec],
                 outputs: Sequence[TopicSpec], handler: BatchHandler, batch: int = 2000,
                 progress: Progress | None = None, *, uncompared: frozenset[str] = UNCOMPARED,
                 prepare: Callable[[Recorded], None] | None = None,
                 finish: Finish | None = None, in_time_order: bool = False,
                 consumes: frozenset[type[Event]] | None = None) -> ReplayResult:
    """Run the recorded inputs through `handler` (publishing nothing) and compare outputs.

    `in_time_order` holds every input and hands them over by `occurred_at`: a log read
    partition by partition is in order within a partition only, and a handler whose inputs
    on several topics must meet in the order they happened needs the whole log in memory.
    """
    recorded = await read_recorded(settings, outputs)
    if prepare is not None:
        prepare(recorded)
    watched = {s.name for s in outputs}
    result = ReplayResult()
    seen_inputs: set[str] = set()
    emitted: set[tuple[str, str]] = set()
    causes: set[str] = set()  # of the re-emitted outputs
    started = time.perf_counter()

    def compare(outgoing: Sequence[Outgoing]) -> None:
        result.outputs += len(outgoing)
        for topic, out in outgoing:
            if topic not in watched:  # not compared: not worth encoding
                emitted.add((topic, str(out.event_id)))
                causes.add(str(out.causation_id))
                continue
            doc = as_logged(out)  # its ids as text already, as the log's
            key = (topic, doc["event_id"])
            emitted.add(key)
            causes.add(str(doc["causation_id"]))
            logged = recorded.get(key)
            if logged is None:
                result.unrecorded.append({"topic": topic, "event": doc})
            elif not _same(logged, doc, uncompared):
                result.differing.append({"topic": topic, "recorded": logged, "replayed": doc})
            else:
                result.matched += 1

    async def run(chunk: Sequence[Event]) -> None:
        seen_inputs.update(str(e.event_id) for e in chunk)
        result.inputs += len(chunk)
        compare(await handler(chunk))

    # aclosing: a handler that raises stops the reader task and its consumer at once.
    ignored = Ignored(inputs, consumes)
    with _quiet_handlers():
        async with aclosing(events(settings, inputs, batch, progress, ignored)) as batches:
            if in_time_order:
                held = [e async for chunk in batches for e in chunk]
                held.sort(key=lambda e: e.occurred_at)  # stable: ties keep their log order
                for n in range(0, len(held), batch):
                    await run(held[n:n + batch])
            else:
                async for chunk in batches:
                    await run(chunk)
        if finish is not None:
            compare(await finish())
    result.seconds = time.perf_counter() - started
    result.inputs += len(ignored.ids)
    seen_inputs.update(ignored.ids)
    # Expected again: what a replayed input caused, what a re-emitted output caused (an SLA
    # clock's stages name its SlaStarted), and what shares a cause with a re-emitted output
    # (a notification request the handler planned internally, now delivered elsewhere).
    causes |= seen_inputs | {event_id for _, event_id in emitted}
    for (topic, event_id), doc in recorded.items():
        if str(doc.get("causation_id")) in causes and (topic, event_id) not in emitted:
            result.not_reproduced.append({"topic": topic, "recorded": doc})
    return result


async def replay_target(settings: RuntimeSettings, target: ReplayTarget,
                        progress: Progress | None = None) -> ReplayResult:
    """replay() with everything a target says about itself."""
    return await replay(settings, target.inputs, target.outputs, target.handler, target.batch,
                        progress, uncompared=target.uncompared, prepare=target.prepare,
                        finish=target.finish, in_time_order=target.in_time_order,
                        consumes=target.consumes)


async def table_checksums(pool: asyncpg.Pool, schema: str,
                          only: Mapping[str, str] | None = None) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the rows in order) per table of a schema, its migrations excepted;
    `only`: just these tables, each restricted to its rows matching a SQL condition."""
    tables = list(only) if only is not None else [r["table_name"] for r in await pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND "
        "table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1", schema)]
    sums = {}
    for table in tables:
        where = (only or {}).get(table, "true")
        row = await pool.fetchrow(
            f'SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY '
            f't::text), \'\')) AS sum FROM "{schema}"."{table}" t WHERE {where}')
        sums[table] = (row["n"], row["sum"])
    return sums


async def differing_rows(pool: asyncpg.Pool, live: str, rebuilt: str, table: str,
                         limit: int = 20, where: str = "true") -> list[tuple[str, str]]:
    """Rows of one table in one schema and not the other: ("live"|"rebuilt", row text)."""
    rows = await pool.fetch(
        f'(SELECT \'live\' AS side, t::text AS row FROM "{live}"."{table}" t WHERE {where} '
        f'EXCEPT SELECT \'live\', t::text FROM "{rebuilt}"."{table}" t) UNION ALL '
        f'(SELECT \'rebuilt\', t::text FROM "{rebuilt}"."{table}" t EXCEPT '
        f'SELECT \'rebuilt\', t::text FROM "{live}"."{table}" t WHERE {where}) '
        f'LIMIT {int(limit)}')
    return [(r["side"], r["row"]) for r in rows]
