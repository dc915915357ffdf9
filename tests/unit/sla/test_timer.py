"""The due heap and the deadline timer, driven by a fake clock (no real waiting)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import TopicPartition

from services.sla.catch_up import behind
from services.sla.due_heap import DueHeap, pack, unpack
from services.sla.timer import DeadlineTimer


class FakeClock:
    """Time moves only when the test says so; waits end when time passes their end."""

    def __init__(self, now: float) -> None:
        self._now = now
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self._now

    async def wait(self, seconds: float, wake: asyncio.Event) -> None:
        until = self._now + seconds
        while self._now < until and not wake.is_set():
            self._moved.clear()
            waiters = [asyncio.ensure_future(self._moved.wait()),
                       asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()

    async def advance(self, seconds: float) -> None:
        self._now += seconds
        self._moved.set()
        for _ in range(5):  # let the timer task run what became due
            await asyncio.sleep(0)


def test_entries_pack_into_one_int_and_never_come_due_early() -> None:
    entry = pack(1_756_713_600.0004, 12345)
    due, row_id = unpack(entry)
    assert row_id == 12345 and due >= 1_756_713_600.0004 and due - 1_756_713_600.0004 < 0.001
    heap = DueHeap()
    heap.push(1_756_713_600.0004, 7)
    assert heap.pop_due(1_756_713_600.0003, 10) == []
    assert heap.pop_due(1_756_713_600.001, 10) == [7]


def test_heap_pops_in_due_order_up_to_now_once_per_row() -> None:
    heap = DueHeap()
    for due, row_id in [(30.0, 3), (10.0, 1), (20.0, 2), (10.5, 1), (99.0, 9)]:
        heap.push(due, row_id)
    assert heap.pop_due(25.0, 100) == [1, 2]
    assert heap.next_due() == 30.0
    assert heap.pop_due(1000.0, 1) == [3]
    assert len(heap) == 1


async def test_timer_fires_at_the_due_instant_not_before() -> None:
    clock = FakeClock(1000.0)
    fired: list[tuple[list[int], float]] = []

    async def fire(ids: Sequence[int], now: float) -> None:
        fired.append((list(ids), now))

    timer = DeadlineTimer(clock, fire, asyncio.Lock())
    timer.schedule(1010.0, 1)
    timer.schedule(1005.0, 2)
    timer.enabled.set()
    task = asyncio.create_task(timer.fire_due_deadlines())
    try:
        await clock.advance(4.999)
        assert fired == []
        await clock.advance(0.001)
        assert fired == [([2], 1005.0)]
        timer.schedule(1006.0, 3)  # sooner than the planned wake-up: the timer re-plans
        await clock.advance(1.0)
        assert fired[-1] == ([3], 1006.0)
        await clock.advance(10.0)
        assert fired[-1] == ([1], 1016.0)  # late only because the fake clock jumped
    finally:
        task.cancel()


async def test_overdue_entries_fire_at_once_when_the_timer_is_enabled() -> None:
    clock = FakeClock(5000.0)
    fired: list[list[int]] = []

    async def fire(ids: Sequence[int], now: float) -> None:
        fired.append(list(ids))

    timer = DeadlineTimer(clock, fire, asyncio.Lock())
    timer.rebuild([pack(4000.0, 1), pack(4500.0, 2), pack(9000.0, 3)])  # as after a restart
    task = asyncio.create_task(timer.fire_due_deadlines())
    try:
        await clock.advance(0)
        assert fired == []  # partitions not assigned yet
        timer.enabled.set()
        await clock.advance(0)
        assert fired == [[1, 2]]
    finally:
        task.cancel()


def test_backlog_is_behind_until_committed_offsets_reach_the_ends_seen() -> None:
    a, b, c = (TopicPartition("complaints.assigned", n) for n in range(3))
    ends = {a: 5, b: 0, c: 7}  # b never had a record: nothing to wait for
    assert behind(ends, {}) == [a, c]
    assert behind(ends, {a: 5, c: 6}) == [c]
    assert behind(ends, {a: 5, c: 9}) == []
