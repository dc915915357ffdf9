"""The notifier's replay target: its recorded inputs through its own handlers, nothing sent.

`tanggap replay notifier` runs complaints.assigned, sla.clocks and notifications.requests (the
notifier's own inputs, contact data included, read with its own credentials) through the
live handlers, with the delivery log in a fresh schema and every configured channel replaced
by a recorder of the same name (wrapped for fallbacks as live), so no message leaves. The
outcomes are compared where they are decisions: which requests were planned, to which channel
and recipient (the delivery id derives from them), and which were refused before any send
(unreachable, channel not configured, template error). Whether a provider accepted a send is
the world's answer, not the code's: a recorder fails exactly the deliveries the log records as
failed after attempts, with the recorded reason, and the attempt count is not compared.
Since nothing is sent, a delivery's end is not written to the log one by one (live, a crash
must not send it again): each batch's ends are written together once it is done.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from schemas.enums import NotificationChannel
from schemas.notifications import NotificationRequested
from schemas.routing import ComplaintAssigned
from schemas.topics import NOTIFY_OUTCOMES
from services.notifier.app import INPUTS, MIGRATIONS, retry_policy
from services.notifier.channel import Channel, Message, PermanentFailure
from services.notifier.channels import plain_channels, with_fallbacks
from services.notifier.deliver import Deliverer
from services.notifier.deliveries import Finished, finish_many
from services.notifier.handlers import NotifierHandlers
from services.notifier.plan import CLOCK_STAGES, Reach
from services.notifier.settings import NotifierSettings
from services.runtime.database import connect, migrate
from services.runtime.replay import UNCOMPARED, Recorded, Recorder, ReplayTarget

NOTIFIER_UNCOMPARED = UNCOMPARED | {"attempts"}  # retries follow the provider, not the code
# What the handlers act on (handlers.py); an SLA clock's other events are only counted.
CONSUMED = frozenset({ComplaintAssigned, NotificationRequested, *CLOCK_STAGES})


class RecordingChannel(Channel):
    """Keeps each message instead of sending it; fails those the log says failed."""

    def __init__(self, name: NotificationChannel, failed: dict[str, str]) -> None:
        self.name = name
        self.failed = failed  # delivery id -> recorded reason
        self.sent: list[Message] = []

    async def send(self, message: Message) -> str | None:
        reason = self.failed.get(str(message.delivery_id))
        if reason is not None:
            raise PermanentFailure(reason)
        self.sent.append(message)
        return f"replay:{message.delivery_id}"


async def _no_sleep(seconds: float) -> None:
    """Retries wait for nobody in a replay."""


class BatchedFinish:
    """deliveries.finish, kept until the batch is done and then written in one statement."""

    def __init__(self) -> None:
        self.rows: list[Finished] = []

    async def __call__(self, pool: asyncpg.Pool, delivery_id: uuid.UUID, status: str,
                       attempts: int, error: str | None = None,
                       provider_message_id: str | None = None) -> None:
        self.rows.append((delivery_id, status, attempts, error, provider_message_id))

    async def flush(self, pool: asyncpg.Pool) -> None:
        # One batch's deliveries have distinct ids (deliver_batch merges repeats), and the
        # next batch claims only after this: as if each had been written when it ended.
        rows, self.rows = self.rows, []
        await finish_many(pool, rows)


async def target(settings: Any, fresh_schema: str) -> ReplayTarget:
    """The notifier's replay target (see services/runtime/replay.py)."""
    conf = NotifierSettings.model_validate(settings.model_dump())
    configured = plain_channels(conf)  # only to learn their names: closed unused
    for channel in configured.values():
        await channel.close()
    failed: dict[str, str] = {}
    recorders: dict[NotificationChannel, Channel] = {
        name: RecordingChannel(name, failed) for name in configured}
    channels = with_fallbacks(recorders, conf)
    pool = await connect(conf.database_url, fresh_schema, max_size=2)
    await migrate(pool, fresh_schema, MIGRATIONS)
    recorder, ends = Recorder(), BatchedFinish()
    directory = conf.directory()
    deliverer = Deliverer(pool, recorder, channels, directory,  # type: ignore[arg-type]
                          conf.webhook_override, retry_policy(conf), sleep=_no_sleep,
                          finish=ends)
    reach = Reach(directory, frozenset(channels), conf.webhook_override)
    handlers = NotifierHandlers(lambda: pool, lambda: deliverer, lambda: reach)
    by_topic = {"complaints.assigned": handlers.notify_assignments,
                "sla.clocks": handlers.notify_clocks,
                "notifications.requests": handlers.deliver_requests}
    carried = {kind: spec.name for spec in INPUTS for kind in spec.carries}

    def prepare(recorded: Recorded) -> None:
        for (topic, _), doc in recorded.items():
            if (topic == NOTIFY_OUTCOMES.name and doc.get("type") == "NotificationFailed"
                    and int(doc.get("attempts") or 0) > 0):
                failed[str(doc["delivery_id"])] = str(doc.get("reason", ""))

    async def handle(events: Any) -> Any:
        # The live agents take one topic each; a replay batch mixes them, in log order.
        out: list[Any] = []
        run: list[Any] = []
        for event in [*events, None]:
            if run and (event is None or carried[type(event)] != carried[type(run[0])]):
                out += await by_topic[carried[type(run[0])]](run)
                await ends.flush(pool)
                out += recorder.take()  # failures announce themselves through the producer
                run = []
            if event is not None:
                run.append(event)
        return out

    async def close() -> None:
        await pool.execute(f'DROP SCHEMA IF EXISTS "{fresh_schema}" CASCADE')
        await pool.close()

    return ReplayTarget(inputs=INPUTS, outputs=(NOTIFY_OUTCOMES,), handler=handle,
                        live_schema=None, close=close, uncompared=NOTIFIER_UNCOMPARED,
                        prepare=prepare, consumes=CONSUMED)
