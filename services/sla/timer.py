"""The deadline timer: sleeps until the earliest pending instant, then fires what is due.

Time comes from a clock object, so tests drive it without sleeping for real durations.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Protocol

from services.runtime.outage import riding_out
from services.sla.due_heap import DueHeap

log = logging.getLogger(__name__)

# Fire at most this many cases per round, so agents and the web app get the loop in between.
BATCH = 2000

Fire = Callable[[Sequence[int], float], Awaitable[None]]


class Clock(Protocol):
    def now(self) -> float:
        """Epoch seconds."""
        ...

    async def wait(self, seconds: float, wake: asyncio.Event) -> None:
        """Return after `seconds`, or earlier when `wake` is set."""
        ...


class SystemClock:
    """Wall-clock time; waits on the event loop's timer."""

    def now(self) -> float:
        return time.time()

    async def wait(self, seconds: float, wake: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(wake.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            pass


class DeadlineTimer:
    """Owns the heap; `fire_due_deadlines` runs until cancelled."""

    def __init__(self, clock: Clock, fire: Fire, lock: asyncio.Lock) -> None:
        self.clock = clock
        self.heap = DueHeap()
        self._fire = fire
        self._lock = lock  # shared with the agents: one writer of case state at a time
        self._wake = asyncio.Event()
        self._waiting_until: float | None = None
        self.enabled = asyncio.Event()  # set once partitions are assigned and the heap is built

    def schedule(self, due: float | None, row_id: int) -> None:
        """Remember that a case has a stage due; wake the timer if it is sooner than planned."""
        if due is None:
            return
        self.heap.push(due, row_id)
        if self._waiting_until is None or due < self._waiting_until:
            self._wake.set()

    def rebuild(self, packed: list[int]) -> None:
        """Replace the heap (entries made with due_heap.pack) and re-plan the next wake-up."""
        self.heap.rebuild(packed)
        self._wake.set()

    async def fire_due_deadlines(self) -> None:
        """Forever: wait for the next due instant, then fire every case due by now."""
        while True:
            await self.enabled.wait()
            now = self.clock.now()
            upcoming = self.heap.next_due()
            if upcoming is None or upcoming > now:
                self._waiting_until = upcoming
                self._wake.clear()
                await self.clock.wait(3600.0 if upcoming is None else upcoming - now, self._wake)
                self._waiting_until = None
                continue
            async with self._lock:
                if not self.enabled.is_set():
                    continue  # partitions were revoked while we waited for the lock
                now = self.clock.now()
                ids = self.heap.pop_due(now, BATCH)
                if ids:
                    # The popped ids are fired again, not lost, while the database is away.
                    await riding_out(partial(self._fire, ids, now), "sla_timer")
            await asyncio.sleep(0)  # let waiting agents take the lock between batches
