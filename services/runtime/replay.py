"""Verified replay: recorded inputs through a batch handler, outputs checked against the log.

A replay reads a consumer's input topics from offset zero, in batches as the live loop does,
and hands each batch to the service's BatchHandler (handlers return what they would publish
and never publish themselves), whose store points at a fresh PostgreSQL schema. Each output is
compared with the record of the same derived event id on its topic in the log; afterwards,
`table_checksums` compares each rebuilt table with the live one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.codec import DecodeError, decode, encode
from schemas.envelope import Event
from schemas.topics import TopicSpec
from services.runtime.kafka_security import kafka_client_options
from services.runtime.producer import Outgoing
from services.runtime.settings import RuntimeSettings

BatchHandler = Callable[[Sequence[Event]], Awaitable[Sequence[Outgoing]]]
Progress = Callable[[int, int], None]  # (records read, records in total)
Recorded = dict[tuple[str, str], dict[str, Any]]  # (catalogue topic, event id) -> document
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


def _comparable(doc: dict[str, Any], uncompared: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in uncompared}


async def _partitions(settings: RuntimeSettings, topics: Sequence[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [TopicPartition(d["topic"], p["partition"]) for d in described
            for p in d["partitions"]]


async def read_recorded(settings: RuntimeSettings, specs: Sequence[TopicSpec]) -> Recorded:
    """Every output the log holds, by (catalogue topic, event id)."""
    recorded: Recorded = {}
    async for record, name in _read(settings, specs, 5000):
        try:
            doc = orjson.loads(record.value or b"null")
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict) and "event_id" in doc:
            recorded.setdefault((name, str(doc["event_id"])), doc)
    return recorded


async def _read(settings: RuntimeSettings, specs: Sequence[TopicSpec], batch: int,
                progress: Progress | None = None) -> Any:
    """Records of the topics from offset zero to their end now, in getmany batches."""
    names = {settings.topic(s.name): s.name for s in specs}
    if not names:
        return  # a target that compares no outputs
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings),
                                group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level="read_committed",
                                max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        tps = await _partitions(settings, list(names))
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = dict(await consumer.end_offsets(tps)) if tps else {}
        total, read = sum(ends.values()), 0
        todo = {tp for tp, end in ends.items() if end > 0}
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=1000, max_records=batch)
            for tp, records in batches.items():
                for record in records:
                    if record.offset < ends[tp]:
                        read += 1
                        yield record, names[tp.topic]
                if records and records[-1].offset >= ends[tp] - 1:
                    todo.discard(tp)
            for tp in [tp for tp in todo if tp not in batches]:
                if await consumer.position(tp) >= ends[tp]:
                    todo.discard(tp)
            if progress is not None:
                progress(read, total)
    finally:
        await consumer.stop()


async def replay(settings: RuntimeSettings, inputs: Sequence[TopicSpec],
                 outputs: Sequence[TopicSpec], handler: BatchHandler, batch: int = 2000,
                 progress: Progress | None = None, *, uncompared: frozenset[str] = UNCOMPARED,
                 prepare: Callable[[Recorded], None] | None = None,
                 finish: Finish | None = None, in_time_order: bool = False) -> ReplayResult:
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
    pending: list[Event] = []

    def compare(outgoing: Sequence[Outgoing]) -> None:
        for topic, out in outgoing:
            result.outputs += 1
            key = (topic, str(out.event_id))
            emitted.add(key)
            causes.add(str(out.causation_id))
            if topic not in watched:
                continue  # not compared: not worth encoding
            doc = orjson.loads(encode(out))
            logged = recorded.get(key)
            if logged is None:
                result.unrecorded.append({"topic": topic, "event": doc})
            elif _comparable(logged, uncompared) != _comparable(doc, uncompared):
                result.differing.append({"topic": topic, "recorded": logged, "replayed": doc})
            else:
                result.matched += 1

    carries = {s.name: s.carries for s in inputs}
    with _quiet_handlers():
        async for record, name in _read(settings, inputs, batch, progress):
            try:
                event = decode(record.value, carries[name])
            except DecodeError:
                continue  # the live consumer dead-lettered it: it caused nothing
            seen_inputs.add(str(event.event_id))
            result.inputs += 1
            pending.append(event)
            if len(pending) >= batch and not in_time_order:
                compare(await handler(pending))
                pending = []
        if in_time_order:
            pending.sort(key=lambda e: e.occurred_at)  # stable: ties keep their log order
        for n in range(0, len(pending), batch):
            compare(await handler(pending[n:n + batch]))
        if finish is not None:
            compare(await finish())
    result.seconds = time.perf_counter() - started
    # Expected again: what a replayed input caused, what a re-emitted output caused (an SLA
    # clock's stages name its SlaStarted), and what shares a cause with a re-emitted output
    # (a notification request the handler planned internally, now delivered elsewhere).
    causes |= seen_inputs | {event_id for _, event_id in emitted}
    for (topic, event_id), doc in recorded.items():
        if str(doc.get("causation_id")) in causes and (topic, event_id) not in emitted:
            result.not_reproduced.append({"topic": topic, "recorded": doc})
    return result


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
