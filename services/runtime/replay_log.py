"""Reading a log back for a replay: topics from offset zero to their end now, in big batches.

Records come in getmany batches as large as the broker serves them; inputs are decoded
per topic straight from their bytes (schemas.codec.Decoder), and a reader task runs a
batch ahead of the handler, so decoding the next batch overlaps the handler's waits on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.codec import DecodeError, Decoder
from schemas.envelope import Event
from schemas.topics import TopicSpec
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings

Progress = Callable[[int, int], None]  # (records read, records in total)
Recorded = dict[tuple[str, str], dict[str, Any]]  # (catalogue topic, event id) -> document
FETCH = 20_000  # records per getmany: the per-call overhead matters at 100k records/s
AHEAD = 2  # decoded batches the reader may hold before the handler takes them
# How our encoder starts every record: the envelope's first two fields (see schemas/envelope.py).
_HEAD, _TYPE = b'{"event_id":"', b'","type":"'


async def partitions(settings: RuntimeSettings, topics: Sequence[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                **kafka_client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [TopicPartition(d["topic"], p["partition"]) for d in described
            for p in d["partitions"]]


def consumer(settings: RuntimeSettings) -> AIOKafkaConsumer:
    """A group-less reader with large fetches (the log is read once, front to back)."""
    return AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                            **kafka_client_options(settings),
                            group_id=None, enable_auto_commit=False,
                            auto_offset_reset="earliest", isolation_level="read_committed",
                            max_partition_fetch_bytes=16 * 1024 * 1024,
                            fetch_max_bytes=64 * 1024 * 1024)


async def chunks(settings: RuntimeSettings, specs: Sequence[TopicSpec],
                 progress: Progress | None = None
                 ) -> AsyncIterator[list[tuple[ConsumerRecord[Any, Any], str]]]:
    """The topics' records from offset zero to their end now, a getmany batch at a time,
    each with its catalogue topic name."""
    names = {settings.topic(s.name): s.name for s in specs}
    if not names:
        return  # a target that compares no outputs
    reader = consumer(settings)
    await reader.start()
    try:
        tps = await partitions(settings, list(names))
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        ends = dict(await reader.end_offsets(tps)) if tps else {}
        total, read = sum(ends.values()), 0
        todo = {tp for tp, end in ends.items() if end > 0}
        while todo:
            batches = await reader.getmany(*todo, timeout_ms=1000, max_records=FETCH)
            chunk = []
            for tp, records in batches.items():
                name, end = names[tp.topic], ends[tp]
                chunk += [(r, name) for r in records if r.offset < end]
                if records and records[-1].offset >= end - 1:
                    todo.discard(tp)
            for tp in [tp for tp in todo if tp not in batches]:
                if await reader.position(tp) >= ends[tp]:
                    todo.discard(tp)
            read += len(chunk)
            if progress is not None:
                progress(read, total)
            if chunk:
                yield chunk
    finally:
        await reader.stop()


async def read_recorded(settings: RuntimeSettings, specs: Sequence[TopicSpec]) -> Recorded:
    """Every output the log holds, by (catalogue topic, event id)."""
    recorded: Recorded = {}
    async for chunk in chunks(settings, specs):
        for record, name in chunk:
            try:
                doc = orjson.loads(record.value or b"null")
            except orjson.JSONDecodeError:
                continue
            if isinstance(doc, dict) and "event_id" in doc:
                recorded.setdefault((name, str(doc["event_id"])), doc)
    return recorded


def peek(raw: bytes | None) -> tuple[str, str] | None:
    """(event id, type) read off the front of a record our encoder wrote; None otherwise."""
    if raw is None or not raw.startswith(_HEAD) or raw[49:59] != _TYPE:
        return None
    end = raw.find(b'"', 59)
    return (raw[13:49].decode(), raw[59:end].decode()) if end > 59 else None


class Ignored:
    """The inputs of types the handler takes no notice of, read but never validated: an
    event the live consumer ignores changes nothing whether it is valid or not."""

    def __init__(self, specs: Sequence[TopicSpec], consumes: frozenset[type[Event]] | None
                 ) -> None:
        self.types = {s.name: frozenset(c.model_fields["type"].default for c in s.carries
                                        if consumes is not None and c not in consumes)
                      for s in specs}
        self.ids: list[str] = []  # of the inputs passed over

    def passes_over(self, name: str, raw: bytes | None) -> bool:
        if not self.types[name]:
            return False
        head = peek(raw)
        if head is None or head[1] not in self.types[name]:
            return False
        self.ids.append(head[0])
        return True


async def _decoded(settings: RuntimeSettings, specs: Sequence[TopicSpec], batch: int,
                   progress: Progress | None, ignored: Ignored
                   ) -> AsyncIterator[list[Event]]:
    decoders = {s.name: Decoder(s.carries) for s in specs}
    pending: list[Event] = []
    async for chunk in chunks(settings, specs, progress):
        for record, name in chunk:
            if ignored.passes_over(name, record.value):
                continue
            try:
                pending.append(decoders[name](record.value))
            except DecodeError:
                continue  # the live consumer dead-lettered it: it caused nothing
        while len(pending) >= batch:
            yield pending[:batch]
            pending = pending[batch:]
    if pending:
        yield pending


async def events(settings: RuntimeSettings, specs: Sequence[TopicSpec], batch: int,
                 progress: Progress | None = None, ignored: Ignored | None = None
                 ) -> AsyncIterator[list[Event]]:
    """The topics' valid events in batches of `batch` (the last one shorter), read and
    decoded by a task of their own that stays up to AHEAD batches ahead of the caller;
    those `ignored` passes over are only counted there."""
    ignored = ignored or Ignored(specs, None)
    queue: asyncio.Queue[list[Event] | BaseException | None] = asyncio.Queue(AHEAD)

    async def read() -> None:
        try:
            async for decoded in _decoded(settings, specs, batch, progress, ignored):
                await queue.put(decoded)
                await asyncio.sleep(0)  # let a handler whose answer came in go on
            await queue.put(None)
        except Exception as exc:  # handed to the caller, raised there  # noqa: BLE001
            await queue.put(exc)

    reader = asyncio.ensure_future(read())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
