"""One consumed batch: decode, dead-letter the poison, hand the rest over, send everything.

Kafka-free on purpose: Faust agents (stream.py), intake's aiokafka consumers and a replay
tool all run the same step, and unit tests drive it with plain objects. The caller acks or
commits the batch only after the step returned, that is once the handler's database work
is committed and Kafka acknowledged every output (and every dead letter).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import Counter, Histogram

from schemas.codec import DecodeError, decode
from schemas.envelope import Event
from schemas.topics import TopicSpec
from services.runtime.deadletter import DEAD_LETTERS, dead_letter_record
from services.runtime.outage import riding_out
from services.runtime.producer import Outgoing, RawRecord

log = logging.getLogger(__name__)

# A batch's handler: one database transaction for all its events, returning what to send.
# It never publishes itself, so a replay can feed it recorded events and collect outputs.
BatchHandler = Callable[[Sequence[Event]], Awaitable[Sequence[Outgoing]]]
# Called once the outputs of a batch are durable (e.g. mark an outbox sent), before the ack.
AfterSent = Callable[[Sequence[Event]], Awaitable[None]]
Handler = Callable[[Event], Awaitable[Sequence[Outgoing]]]

BATCH_RECORDS = Histogram("tanggap_batch_records", "Records per consumed batch", ["consumer"],
                          buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000))
HANDLED = Counter("tanggap_batch_events_total", "Events handed to batch handlers", ["consumer"])


class Sender(Protocol):
    async def send_many(self, outgoing: Sequence[Outgoing],
                        raw: Sequence[RawRecord] = ()) -> None: ...


def one_by_one(handler: Handler) -> BatchHandler:
    """A per-event handler as a batch handler: events in order, outputs concatenated."""
    async def batch(events: Sequence[Event]) -> Sequence[Outgoing]:
        outputs: list[Outgoing] = []
        for event in events:
            outputs.extend(await handler(event))
        return outputs

    return batch


def decode_batch(records: Sequence[Any], spec_of: Callable[[Any], TopicSpec], service: str
                 ) -> tuple[list[Event], list[RawRecord]]:
    """The batch's events in record order, and a dead letter for each that cannot decode."""
    events: list[Event] = []
    dead: list[RawRecord] = []
    for record in records:
        spec = spec_of(record)
        try:
            events.append(decode(record.value, spec.carries))
        except DecodeError as exc:
            log.warning("dead-lettering %s@%s/%s: %s", spec.name,
                        getattr(record, "partition", "?"), record.offset, exc)
            dead.append(dead_letter_record(spec.name, record, str(exc), service))
    return events, dead


@dataclass
class BatchStep:
    """Decode → handle → send outputs and dead letters together → after_sent."""

    consumer: str  # agent or group name, for metrics
    service: str
    spec_of: Callable[[Any], TopicSpec]
    handler: BatchHandler
    producer: Sender
    after_sent: AfterSent | None = None

    async def __call__(self, records: Sequence[Any]) -> None:
        """Raises on anything unexpected (a database away for longer than the outage limit
        too); the caller must then not ack (it crashes)."""
        if not records:
            return
        BATCH_RECORDS.labels(consumer=self.consumer).observe(len(records))
        events, dead = decode_batch(records, self.spec_of, self.service)
        # The handler's transaction and after_sent are each run again while the database is
        # away (a rolled-back batch, or a mark of what Kafka already has: both idempotent).
        outputs = await riding_out(lambda: self.handler(events), self.consumer) if events else ()
        if outputs or dead:
            await self.producer.send_many(outputs, dead)
        for record in dead:
            DEAD_LETTERS.labels(topic=record.topic.removesuffix(".dlq")).inc()
        HANDLED.labels(consumer=self.consumer).inc(len(events))
        if self.after_sent is not None and events:
            after_sent = self.after_sent
            await riding_out(lambda: after_sent(events), self.consumer)
