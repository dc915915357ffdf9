"""Notifier's Faust worker: three agents turn lifecycle events and requests into messages.

notify_assignment (complaints.assigned): the agency's desk, and its head for negative news.
notify_clock (sla.clocks): warnings to the desk, breaches to desk and head, escalations.
deliver_request (notifications.requests): citizens' acknowledgements and answers from intake.
Each agent takes batches: it delivers a batch's messages (recipients concurrently) and returns
their outcome events, so its offsets are acked only once the delivery log and the outcome
events are durable.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg

from schemas.enums import NotificationChannel
from schemas.topics import ASSIGNED, NOTIFY_REQUESTS, SLA
from services.notifier import plan
from services.notifier.channel import Channel
from services.notifier.channels import open_channels
from services.notifier.deliver import Deliverer
from services.notifier.handlers import NotifierHandlers
from services.notifier.retrying import RetryPolicy
from services.notifier.settings import NotifierSettings
from services.runtime.database import connect, migrate
from services.runtime.stream import StreamService

MIGRATIONS = Path(__file__).parent / "migrations"
# The agents' inputs, in one place: the live worker and `tanggap replay notifier` read these.
INPUTS = (ASSIGNED, SLA, NOTIFY_REQUESTS)


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

    def pool() -> asyncpg.Pool:
        return opened["pool"]  # type: ignore[return-value]

    handlers = NotifierHandlers(pool, deliverer, reach)
    service.consume_batch(ASSIGNED, handlers.notify_assignments, name="notify_assignment")
    service.consume_batch(SLA, handlers.notify_clocks, name="notify_clock")
    service.consume_batch(NOTIFY_REQUESTS, handlers.deliver_requests, name="deliver_request")
    return service
