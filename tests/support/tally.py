"""Counts of what the pipeline did with accepted complaints, read from topics, the citizen's
status projection and the agency inbox: lost, doubled and the totals, printed as one line each.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.codec import DecodeError, decode
from schemas.topics import ASSIGNED, EXTERNAL, SLA, SUPPRESSED, TRIAGE, agency_topic, catalogue
from services.notifier.webhook import IDEMPOTENCY_HEADER
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import Watcher
from tests.support.pipeline import SHORT_POLICY_STAGES
from tests.support.receiver import Receiver

ROUTING = (ASSIGNED.name, TRIAGE.name, SUPPRESSED.name, EXTERNAL.name)
ROUTED_KINDS = ("assigned", "triage", "not_answered", "external")


@dataclass
class Check:
    """One count: expected items, how many were missing and how many came more than once."""

    name: str
    expected: int
    missing: int = 0
    doubled: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.doubled == 0

    def line(self) -> str:
        more = "".join(f", {k} {v}" for k, v in self.extra.items())
        return (f"{self.name:28} expected {self.expected:6d}  missing {self.missing:4d}  "
                f"doubled {self.doubled:4d}{more}  {'OK' if self.ok else 'FAIL'}")


def once(name: str, expected: set[str], seen: Iterable[str], **extra: int) -> Check:
    counts = Counter(s for s in seen if s in expected)
    return Check(name, len(expected), len(expected - set(counts)),
                 sum(1 for n in counts.values() if n > 1), dict(extra))


async def end_offsets(settings: RuntimeSettings, topics: Iterable[str]) -> dict[str, int]:
    """Records each topic holds right now (this run's topics start empty)."""
    parts = {s.name: s.partitions for s in catalogue(settings.directory())}
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        totals = {}
        for topic in topics:
            tps = [TopicPartition(settings.topic(topic), p) for p in range(parts[topic])]
            totals[topic] = sum((await consumer.end_offsets(tps)).values())
        return totals
    finally:
        await consumer.stop()


async def settle(watch: Watcher, topics: Iterable[str], timeout: float = 60) -> None:
    """Wait until the watcher has read every record the broker holds on `topics` now."""
    for topic, total in (await end_offsets(watch.settings, topics)).items():
        name = watch.settings.topic(topic)
        await watch.wait_for(lambda r, n=name: r.topic == n, count=total, timeout=timeout)


_DECODED: dict[tuple[str, int, int], Any] = {}  # records are immutable: decode each once


def decoded(watch: Watcher, topic: str) -> list[Any]:
    """The valid events the watcher saw on a catalogue topic (poison passed over)."""
    name = watch.settings.topic(topic)
    found = []
    for record in watch.records:
        if record.topic == name:
            key = (record.topic, record.partition, record.offset)
            if key not in _DECODED:
                try:
                    _DECODED[key] = decode(record.value)
                except DecodeError:
                    _DECODED[key] = None
            if _DECODED[key] is not None:
                found.append(_DECODED[key])
    return found


async def wait_until(condition: Callable[[], bool], timeout: float, what: str,
                     progress: Callable[[], str] = lambda: "") -> None:
    """Poll `condition` (cheap, synchronous) until true; a clear error if it never is."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what}: not reached in {timeout:.0f} s; {progress()}")
        await asyncio.sleep(0.5)


def stage_of(event: Any) -> tuple[str, object]:
    return event.type, getattr(event, "fraction", None) or getattr(event, "level", None)


def routing_checks(watch: Watcher, ids: set[str]) -> tuple[list[Check], set[str]]:
    """Each accepted complaint on exactly one routing topic, once; the assigned ones once on
    their agency's topic. Returns the checks and the ids of the assigned complaints."""
    routed = [e.complaint_id for t in ROUTING for e in decoded(watch, t)]
    assigned = {e.complaint_id: e.agency for e in decoded(watch, ASSIGNED.name)
                if e.complaint_id in ids}
    agencies = sorted(set(assigned.values()))
    on_agency = [e.complaint_id for a in agencies for e in decoded(watch, agency_topic(a))]
    by_topic = {t: sum(1 for e in decoded(watch, t) if e.complaint_id in ids) for t in ROUTING}
    return [once("routing topics (records)", ids, routed,
                 **{t.split(".")[-1]: n for t, n in by_topic.items()}),
            once("agency topics (records)", set(assigned), on_agency)], set(assigned)


def sla_check(watch: Watcher, assigned: set[str], stages: Iterable[tuple[str, object]]
              ) -> Check:
    """Every stage of every clock emitted: once by event id (what consumers dedupe on); raw
    records that repeat an id are counted apart."""
    wanted = set(stages)
    ids: dict[tuple[str, tuple[str, object]], set[str]] = defaultdict(set)
    records: Counter[tuple[str, tuple[str, object]]] = Counter()
    for event in decoded(watch, SLA.name):
        if event.complaint_id in assigned and stage_of(event) in wanted:
            ids[(event.complaint_id, stage_of(event))].add(str(event.event_id))
            records[(event.complaint_id, stage_of(event))] += 1
    expected = {(c, s) for c in assigned for s in wanted}
    return Check("sla stages (by event id)", len(expected), len(expected - set(ids)),
                 sum(1 for v in ids.values() if len(v) > 1),
                 {"repeated records": sum(n - 1 for n in records.values())})


async def projection_check(pool: asyncpg.Pool, ids: set[str], tickets: dict[str, str]
                           ) -> Check:
    """The citizen's view: one row per case with its own ticket, routed, and exactly one
    routing line in its public history."""
    rows = await pool.fetch("SELECT complaint_id, ticket, status FROM case_status"
                            " WHERE complaint_id = ANY($1::text[])", list(ids))
    lines = await pool.fetch(
        "SELECT complaint_id, count(*) AS n FROM case_updates WHERE complaint_id = ANY($1::text[])"
        " AND kind = ANY($2::text[]) GROUP BY complaint_id", list(ids), list(ROUTED_KINDS))
    routed = {r["complaint_id"] for r in rows if r["status"] != "received"}
    wrong_ticket = sum(1 for r in rows if tickets.get(r["complaint_id"]) != r["ticket"])
    per_case = {r["complaint_id"]: r["n"] for r in lines}
    return Check("status projection", len(ids), len(ids - routed),
                 sum(1 for n in per_case.values() if n > 1),
                 {"wrong ticket": wrong_ticket, "rows": len(rows)})


# Webhooks one assigned case calls for under SHORT_POLICY with only webhooks enabled (heads
# and the regional secretary are reached by e-mail or WhatsApp, which the pipeline turns off).
WEBHOOKS_PER_CASE = {"agency_assigned": 1, "sla_warning": 2, "sla_breached": 1}


def inbox_check(inbox: Receiver, assigned: set[str]) -> Check:
    """Webhook deliveries by Idempotency-Key: a resend after a kill carries the same key, so
    raw requests may exceed keys by the sends a kill cut off; keys may not repeat a message."""
    keys: Counter[str] = Counter()
    by_message: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    per_case: dict[str, Counter[str]] = defaultdict(Counter)
    for request in inbox.requests:
        if not request.path.startswith("/hooks/"):
            continue
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        keys[key] += 1
        document = orjson.loads(request.body)
        event = document["event"]
        message = (document["template"], str(document["audience"]), event["event_id"])
        if key not in by_message[message]:
            per_case[event["complaint_id"]][document["template"]] += 1
        by_message[message].add(key)
    missing = sum(1 for c in assigned
                  if any(per_case[c][t] < n for t, n in WEBHOOKS_PER_CASE.items()))
    doubled = sum(1 for k in by_message.values() if len(k) > 1)
    return Check("webhooks (by Idempotency-Key)", len(assigned), missing, doubled,
                 {"raw requests": sum(keys.values()), "keys": len(keys),
                  "resent keys": sum(1 for n in keys.values() if n > 1)})


LAST_STAGE = SHORT_POLICY_STAGES[-1]


async def drained(pipeline: Any, watch: Watcher, inbox: Receiver, ids: set[str],
                  timeout: float, full: bool = True) -> str:
    """Wait until everything the accepted complaints call for has happened (or time is up);
    returns how far it got, for the record. `full=False`: routed and projected only."""
    deadline = time.monotonic() + timeout

    def routed() -> set[str]:
        return {e.complaint_id for t in ROUTING for e in decoded(watch, t)} & ids

    def assigned() -> set[str]:
        return {e.complaint_id for e in decoded(watch, ROUTING[0])} & ids

    def clocks_done() -> bool:
        last = {e.complaint_id for e in decoded(watch, SLA.name) if stage_of(e) == LAST_STAGE}
        return assigned() <= last

    def webhooks_done() -> bool:
        return inbox_check(inbox, assigned()).missing == 0

    async def projected() -> bool:
        assert pipeline.pool is not None
        try:
            n = await pipeline.pool.fetchval(
                "SELECT count(*) FROM case_status WHERE complaint_id = ANY($1::text[])"
                " AND status <> 'received'", list(ids))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False  # a connection a database restart broke; the pool makes a new one
        return bool(n == len(ids))

    steps: list[tuple[str, Callable[[], bool]]] = [("routed", lambda: routed() == ids)]
    if full:
        steps += [("clocks", clocks_done), ("webhooks", webhooks_done)]
    for name, condition in steps:
        while not condition():
            if time.monotonic() > deadline:
                return f"timed out waiting for {name}"
            await asyncio.sleep(0.25)
    while not await projected():
        if time.monotonic() > deadline:
            return "timed out waiting for the status projection"
        await asyncio.sleep(0.25)
    return "drained"
