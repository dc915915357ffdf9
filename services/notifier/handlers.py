"""The notifier's three batch handlers, shared by the live agents and `tanggap replay notifier`.

Each turns a batch of one topic's events into deliveries and returns their outcome events
(failures send their own, through the deliverer's producer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg

from schemas.envelope import Event
from schemas.notifications import NotificationRequested
from schemas.routing import ComplaintAssigned
from services.notifier import deliveries, plan
from services.notifier.deliver import Deliverer
from services.runtime.producer import Outgoing


@dataclass
class NotifierHandlers:
    """Resources come late (they open in the worker's start hook), hence the getters."""

    pool: Callable[[], asyncpg.Pool]
    deliverer: Callable[[], Deliverer]
    reach: Callable[[], plan.Reach]

    async def notify_assignments(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        assigned = [e for e in events if isinstance(e, ComplaintAssigned)]
        await deliveries.remember_cases(self.pool(), [(e.complaint_id, e.ticket, e.agency)
                                                      for e in assigned])
        reach = self.reach()
        return await self.deliverer().deliver_batch(
            [(request, e) for e in assigned for request in plan.for_assignment(e, reach)])

    async def notify_clocks(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        reach = self.reach()
        asking = [e for e in events if plan.for_clock(e, reach, None)]
        tickets = await deliveries.tickets_of(self.pool(), [e.complaint_id for e in asking])
        return await self.deliverer().deliver_batch(
            [(request, e) for e in asking
             for request in plan.for_clock(e, reach, tickets.get(e.complaint_id))])

    async def deliver_requests(self, events: Sequence[Event]) -> Sequence[Outgoing]:
        return await self.deliverer().deliver_batch(
            [(e, e) for e in events if isinstance(e, NotificationRequested)])
