"""The clock keeper: applies inputs, fires deadlines, and keeps the heap in step with storage.

Order of effects, for inputs and deadlines alike: decide, send the SLA events and wait for
the broker, then write the case. A crash before the write repeats the same decision with
the same derived event ids (a duplicate consumers drop by id), never a lost event; a crash
after it finds the input remembered, or the stage already counted as fired.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from schemas.envelope import Event
from schemas.topics import SLA
from services.runtime.producer import EventProducer, Outgoing
from services.runtime.stream import crash_process
from services.sla.case_state import CaseState
from services.sla.due_heap import pack
from services.sla.metrics import (
    HEAP_SIZE,
    count_events,
    move_gauges,
    observe_lateness,
    reset_gauges,
)
from services.sla.policy import Policy
from services.sla.stages import fire_due
from services.sla.store import CaseStore, StoredCase, Summary, partition_of, summarize
from services.sla.timer import Clock, DeadlineTimer
from services.sla.transitions import apply, input_key

log = logging.getLogger(__name__)

MAX_WRITES = 4  # firings whose case writes may still be in flight


class ClockKeeper:
    """All case-state writes of one SLA instance, serialised by one lock."""

    def __init__(self, store: CaseStore, producer: EventProducer, policy: Policy, clock: Clock,
                 partitions: int, crash: Callable[[BaseException], None] = crash_process
                 ) -> None:
        self.store = store
        self.producer = producer
        self.policy = policy
        self.lock = asyncio.Lock()
        self.timer = DeadlineTimer(clock, self.fire, self.lock)
        self.partitions = partitions
        self.owned: frozenset[int] = frozenset()
        self.crash = crash
        self._writes: set[asyncio.Task[None]] = set()  # case writes after a firing
        self._writing: set[int] = set()  # their row ids

    async def handle(self, event: Event) -> Sequence[Outgoing]:
        """One input (tests and tools); the agents hand whole batches to handle_batch."""
        return await self.handle_batch([event])

    async def handle_batch(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        """Batch handler for assignments, answers, redirections, withdrawals; sends its own output.

        Its idempotency lives in the case rows (the inputs each case has seen), so the SLA
        events must be durable before the cases are written: it sends them itself, through
        `producer` (a recorder in a replay), and returns nothing for the loop to send.
        """
        async with self.lock:
            await self.settle()
            stored = await self.store.load_cases(e.complaint_id for e in events)
            cases: dict[str, CaseState] = {}
            emitted: list[Event] = []
            touched: set[str] = set()
            for event in events:
                cid = event.complaint_id
                if cid not in cases:
                    cases[cid] = stored[cid].case if cid in stored else CaseState(cid)
                case = cases[cid]
                if input_key(event) in case.seen:
                    continue  # redelivered after the case was written: already done
                touched.add(cid)
                caused = apply(case, event, self.policy, self.timer.clock.now())
                emitted += caused
                log.info("complaint_id=%s %s -> %s", cid, event.type,
                         ",".join(e.type for e in caused) or "nothing")
            await self._send(emitted)
            summaries = {cid: summarize(cases[cid], self.policy) for cid in touched}
            row_ids = await self.store.save_cases([
                (case, stored[cid].partition if cid in stored
                 else partition_of(cid, self.partitions), summaries[cid])
                for cid, case in cases.items() if cid in touched])
            for cid, summary in summaries.items():
                self.timer.schedule(summary.next_due, row_ids[cid])
                move_gauges(stored[cid].summary if cid in stored else None, summary)
            count_events(emitted)
        return []

    async def fire(self, ids: Sequence[int], now: float) -> None:
        """Timer callback (lock held): fire the due stages of these cases, if still due.

        Once the events are durable, writing the cases overlaps the next round: that round's
        rows are disjoint, because a row's next entry is pushed only after its write, and a
        stale duplicate entry of a row still being written is skipped here.
        """
        while len(self._writes) >= MAX_WRITES:
            await asyncio.wait(self._writes, return_when=asyncio.FIRST_COMPLETED)
        ids = [i for i in ids if i not in self._writing]
        stored = [s for s in await self.store.load_many(ids, self.owned)
                  if s.summary.next_due is not None and s.summary.next_due <= now]
        events: list[Event] = []
        summaries: list[Summary] = []
        for s in stored:
            events += fire_due(s.case, self.policy, now, now)
            summaries.append(summarize(s.case, self.policy))
        await self._send(events)
        observe_lateness(events, self.timer.clock.now())
        self._writing.update(s.id for s in stored)
        task = asyncio.ensure_future(self._write(stored, summaries, events))
        self._writes.add(task)
        task.add_done_callback(self._written)

    async def _write(self, stored: list[StoredCase], summaries: list[Summary],
                     events: list[Event]) -> None:
        await self.store.save_many(stored, summaries)
        self._writing.difference_update(s.id for s in stored)
        for s, summary in zip(stored, summaries, strict=True):
            self.timer.schedule(summary.next_due, s.id)
            move_gauges(s.summary, summary)
        count_events(events)
        HEAP_SIZE.set(len(self.timer.heap))
        for e in events:
            log.info("complaint_id=%s fired %s of %s", e.complaint_id, e.type,
                     getattr(e, "clock_id", "?"))

    def _written(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The events went out but the cases were not written: die, and the restart
            # repeats the same stages under the same event ids rather than lose them.
            self.crash(task.exception())  # type: ignore[arg-type]

    async def settle(self) -> None:
        """Wait until every case the timer fired is written (before reading cases again)."""
        while self._writes:
            await asyncio.wait(self._writes)

    async def _send(self, events: list[Event]) -> None:
        if events:
            await self.producer.send_many([(SLA.name, e) for e in events])

    async def take_partitions(self, partitions: frozenset[int]) -> None:
        """Own these partitions: rebuild the heap and the gauges from storage (not firing yet)."""
        async with self.lock:
            await self.settle()
            self.owned = partitions
            packed = [pack(due, row_id) async for due, row_id in
                      self.store.due_entries(partitions)]
            self.timer.rebuild(packed)
            reset_gauges(await self.store.open_counts(partitions))
            HEAP_SIZE.set(len(packed))
        log.info("owning partitions %s: %d cases with a stage pending", sorted(partitions),
                 len(packed))

    def start_firing(self) -> None:
        """Let the timer fire (once the backlog of the owned partitions has been applied)."""
        self.timer.enabled.set()

    async def release_partitions(self) -> None:
        """Stop firing until the next assignment (a rebalance is under way).

        Waits for the round in progress and its writes, so the next owner of a partition
        reads cases that already record what this instance fired.
        """
        self.timer.enabled.clear()
        async with self.lock:
            await self.settle()
            self.owned = frozenset()
