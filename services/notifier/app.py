"""Notifier's Faust worker: three agents turn lifecycle events and requests into messages.

notify_assignment (complaints.assigned): the agency's desk, and its head for negative news.
notify_clock (sla.clocks): warnings to the desk, breaches to desk and head, escalations.
deliver_request (notifications.requests): citizens' acknowledgements and answers from intake.
Each agent delivers before it returns, so its offset is committed only after the delivery log
and the outcome events are durable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg

from schemas.enums import NotificationChannel
from schemas.envelope import Event
from schemas.notifications import NotificationRequested
from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED, NOTIFY_REQUESTS, SLA
from services.notifier import deliveries, plan
from services.notifier.channel import Channel
from services.notifier.channels import open_channels
from services.notifier.deliver import Deliverer
from services.notifier.retrying import RetryPolicy
from services.notifier.settings import NotifierSettings
from services.runtime.database import connect, migrate
from services.runtime.producer import Outgoing
from services.runtime.stream import StreamService

MIGRATIONS = Path(__file__).parent / "migrations"


def retry_policy(settings: NotifierSettings) -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.notifier_max_attempts,
                       initial=settings.notifier_backoff_initial_seconds,
                       maximum=settings.notifier_backoff_max_seconds,
                       retry_after_max=settings.notifier_retry_after_max_seconds)


def build(settings: NotifierSettings) -> StreamService:
    service = StreamService("notifier", settings, web_port=settings.notifier_web_port)
    directory = settings.directory()
    opened: dict[str, object] = {}

    async def open_resources() -> None:
        pool = await connect(settings.database_url, "notifier")
        await migrate(pool, "notifier", MIGRATIONS)
        channels = open_channels(settings)
        opened["pool"], opened["channels"] = pool, channels
        opened["deliverer"] = Deliverer(pool, service.producer, channels, directory,
                                        settings.webhook_override, retry_policy(settings))

    async def close_resources() -> None:
        channels: dict[NotificationChannel, Channel] = opened.get("channels", {})  # type: ignore[assignment]
        for channel in channels.values():
            await channel.close()
        if "pool" in opened:
            await opened["pool"].close()  # type: ignore[attr-defined]

    service.on_start(open_resources)
    service.on_stop(close_resources)

    def reach() -> plan.Reach:
        channels: dict[NotificationChannel, Channel] = opened["channels"]  # type: ignore[assignment]
        return plan.Reach(directory, frozenset(channels), settings.webhook_override)

    def deliverer() -> Deliverer:
        return opened["deliverer"]  # type: ignore[return-value]

    async def notify_assignment(event: Event) -> Sequence[Outgoing]:
        assert isinstance(event, ComplaintAssigned)
        pool: asyncpg.Pool = opened["pool"]  # type: ignore[assignment]
        await deliveries.remember_case(pool, event.complaint_id, event.ticket, event.agency)
        for request in plan.for_assignment(event, reach()):
            await deliverer().deliver(request, cause=event)
        return []

    async def notify_clock(event: Event) -> Sequence[Outgoing]:
        pool: asyncpg.Pool = opened["pool"]  # type: ignore[assignment]
        requests = plan.for_clock(event, reach(), None)
        if requests:
            ticket = await deliveries.ticket_of(pool, event.complaint_id)
            requests = plan.for_clock(event, reach(), ticket)
        for request in requests:
            await deliverer().deliver(request, cause=event)
        return []

    async def deliver_request(event: Event) -> Sequence[Outgoing]:
        assert isinstance(event, NotificationRequested)
        await deliverer().deliver(event)
        return []

    service.consume(ASSIGNED, notify_assignment, name="notify_assignment")
    service.consume(SLA, notify_clock, name="notify_clock")
    service.consume(NOTIFY_REQUESTS, deliver_request, name="deliver_request")
    return service
