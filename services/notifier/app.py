"""Notifier's Faust worker: notify_assignment consumes complaints.assigned."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg
import httpx
from prometheus_client import Counter

from schemas.enums import NotificationChannel
from schemas.envelope import Event
from schemas.notifications import NotificationDelivered, NotificationFailed
from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED, NOTIFY_OUTCOMES
from services.notifier import deliveries
from services.notifier.settings import NotifierSettings
from services.notifier.webhook import DeliveryFailed, post_event
from services.runtime.database import connect, migrate
from services.runtime.producer import Outgoing
from services.runtime.stream import StreamService

MIGRATIONS = Path(__file__).parent / "migrations"
DELIVERIES = Counter("notifier_deliveries_total", "Notification deliveries",
                     ["channel", "outcome"])


def build(settings: NotifierSettings) -> StreamService:
    service = StreamService("notifier", settings, web_port=settings.notifier_web_port)
    resources: dict[str, object] = {}

    async def open_resources() -> None:
        pool = await connect(settings.database_url, "notifier")
        await migrate(pool, "notifier", MIGRATIONS)
        resources["pool"] = pool
        resources["http"] = httpx.AsyncClient(timeout=10.0)

    async def close_resources() -> None:
        await resources["http"].aclose()  # type: ignore[attr-defined]
        await resources["pool"].close()  # type: ignore[attr-defined]

    service.on_start(open_resources)
    service.on_stop(close_resources)
    secret = settings.notifier_webhook_secret

    async def notify_assignment(event: Event) -> Sequence[Outgoing]:
        assert isinstance(event, ComplaintAssigned)
        pool: asyncpg.Pool = resources["pool"]  # type: ignore[assignment]
        recipient = event.agency
        if await deliveries.already_delivered(pool, event.event_id, recipient):
            return []
        url = settings.webhook_for(recipient)
        channel = NotificationChannel.WEBHOOK
        try:
            attempts = await post_event(resources["http"], url, event,  # type: ignore[arg-type]
                                        secret.get_secret_value() if secret else None,
                                        settings.notifier_max_attempts)
        except DeliveryFailed as exc:
            await deliveries.record(pool, event.event_id, recipient, channel, "failed",
                                    exc.attempts, str(exc))
            DELIVERIES.labels(channel=channel, outcome="failed").inc()
            failed = NotificationFailed(**event.caused(f"notify-failed:{recipient}"),
                                        source_event_id=str(event.event_id), channel=channel,
                                        recipient=recipient, attempts=exc.attempts,
                                        reason=str(exc))
            return [(NOTIFY_OUTCOMES.name, failed)]
        await deliveries.record(pool, event.event_id, recipient, channel, "delivered", attempts)
        DELIVERIES.labels(channel=channel, outcome="delivered").inc()
        delivered = NotificationDelivered(**event.caused(f"notified:{recipient}"),
                                          source_event_id=str(event.event_id), channel=channel,
                                          recipient=recipient, attempts=attempts)
        return [(NOTIFY_OUTCOMES.name, delivered)]

    service.consume(ASSIGNED, notify_assignment, name="notify_assignment")
    return service
