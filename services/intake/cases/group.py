"""Group commit: concurrent requests share one lookup, one transaction and one Kafka send.

Each request hands its new case to `CaseGroups.open` and awaits a future for its own case.
A flusher takes everything that queued up while the previous group was in flight, so under
load groups grow by themselves and a lone request pays only its own round trips. A 202 still
means what it meant: the case is committed and its events are acknowledged by Kafka.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
from prometheus_client import Histogram

from services.intake.cases import outbox
from services.intake.cases.registry import Case, MessageKey, NewCase, create_cases, find_cases
from services.runtime.producer import EventProducer

log = logging.getLogger(__name__)
GROUP_SIZE = Histogram("intake_group_commit_size", "Requests sharing one group commit",
                       buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))


@dataclass
class _Request:
    prefix: str
    year: int
    new: NewCase
    future: asyncio.Future[Case] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    @property
    def key(self) -> MessageKey:
        return (self.new.channel, self.new.channel_message_id)


def _settle(requests: Sequence[_Request], case: Case | None = None,
            error: BaseException | None = None) -> None:
    for request in requests:
        if request.future.done():
            continue
        if error is not None:
            request.future.set_exception(error)
        elif case is not None:
            request.future.set_result(case)


class CaseGroups:
    """The micro-batcher; its flushers start on first use and stop with the app."""

    def __init__(self, pool: asyncpg.Pool, producer: EventProducer, max_group: int = 256,
                 flushers: int = 1) -> None:
        self._pool = pool
        self._producer = producer
        self._max = max_group
        self._queue: asyncio.Queue[_Request] = asyncio.Queue()
        self._count = flushers
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self, prefix: str, year: int, new: NewCase) -> Case:
        """The case of this message, created if new, its events durable in Kafka."""
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._run(), name=f"case-groups-{n}")
                           for n in range(self._count)]
        request = _Request(prefix, year, new)
        self._queue.put_nowait(request)
        return await request.future

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        while not self._queue.empty():
            self._queue.get_nowait().future.cancel()

    async def _run(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < self._max and not self._queue.empty():
                group.append(self._queue.get_nowait())
            GROUP_SIZE.observe(len(group))
            await self._flush_or_split(group)

    async def _flush_or_split(self, group: list[_Request]) -> None:
        """Flush the group; if the database refuses it, flush its requests one by one, so
        that a request it cannot store fails alone (flushing again is idempotent)."""
        try:
            await self._flush(group)
        except asyncpg.PostgresError as exc:
            if len(group) == 1:
                _settle(group, error=exc)
                return
            log.warning("group of %d refused (%r); its requests go one by one", len(group), exc)
            for request in group:
                if not request.future.done():
                    await self._flush_or_split([request])
        except Exception as exc:  # noqa: BLE001 - each request answers for its own case
            log.warning("group commit of %d requests failed: %r", len(group), exc)
            _settle(group, error=exc)

    async def _flush(self, group: list[_Request]) -> None:
        # The same message twice in one group: the first one decides, the others follow it.
        leaders: dict[MessageKey, _Request] = {}
        followers: dict[MessageKey, list[_Request]] = {}
        for request in group:
            if request.key in leaders:
                followers.setdefault(request.key, []).append(request)
            else:
                leaders[request.key] = request
        cases = await find_cases(self._pool, list(leaders))  # redeliveries: this query only
        self._answer_published(cases, leaders, followers)
        new = [r for k, r in leaders.items() if k not in cases]
        created: dict[MessageKey, Case] = {}
        lost: list[MessageKey] = []
        by_year: dict[tuple[str, int], list[_Request]] = {}
        for request in new:
            by_year.setdefault((request.prefix, request.year), []).append(request)
        for (prefix, year), requests in by_year.items():
            made = await create_cases(self._pool, prefix, year, [r.new for r in requests])
            for request, case in zip(requests, made, strict=True):
                if case is None:
                    lost.append(request.key)  # another process inserted it first
                else:
                    created[request.key] = case
        if lost:
            found = await find_cases(self._pool, lost)
            self._answer_published(found, leaders, followers)
            cases.update(found)
        publish = {**{k: c for k, c in cases.items() if c.pending}, **created}
        try:
            await outbox.publish_cases(self._pool, self._producer,
                                       [c.complaint_id for c in publish.values()])
        except Exception as exc:  # noqa: BLE001 - stored: the sweep or a retry completes it
            for key in publish:
                _settle([leaders[key], *followers.get(key, ())], error=exc)
            return
        for key, case in publish.items():
            done = Case(case.complaint_id, case.ticket, case.event, pending=False,
                        created=case.created)
            _settle([leaders[key]], done)
            _settle(followers.get(key, ()), Case(case.complaint_id, case.ticket, case.event,
                                                 pending=False, created=False))
        for key in leaders.keys() - cases.keys() - created.keys():  # defensive, not expected
            _settle([leaders[key], *followers.get(key, ())],
                    error=RuntimeError(f"case of {key} neither found nor created"))

    @staticmethod
    def _answer_published(cases: dict[MessageKey, Case], leaders: dict[MessageKey, _Request],
                          followers: dict[MessageKey, list[_Request]]) -> None:
        """Cases whose events Kafka already has: answered at once."""
        for key, case in cases.items():
            if not case.pending:
                _settle([leaders[key], *followers.get(key, ())], case)
