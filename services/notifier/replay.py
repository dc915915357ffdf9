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

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from itertools import groupby
from typing import Any

import asyncpg

from schemas.enums import NotificationChannel
from schemas.envelope import Event
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
from services.runtime.producer import Outgoing
from services.runtime.replay import UNCOMPARED, Recorded, Recorder, ReplayTarget, by_case

NOTIFIER_UNCOMPARED = UNCOMPARED | {"attempts"}  # retries follow the provider, not the code
# What the handlers act on (handlers.py); an SLA clock's other events are only counted.
CONSUMED = frozenset({ComplaintAssigned, NotificationRequested, *CLOCK_STAGES})
SHARDS = 2  # parts of the cases delivered at once (see handle)


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
    pool = await connect(conf.database_url, fresh_schema, max_size=SHARDS + 1)
    await migrate(pool, fresh_schema, MIGRATIONS)
    directory = conf.directory()
    reach = Reach(directory, frozenset(channels), conf.webhook_override)
    carried = {kind: spec.name for spec in INPUTS for kind in spec.carries}

    def shard() -> Callable[[Sequence[Event]], Awaitable[list[Outgoing]]]:
        """The handlers of one part of the cases, with their own deliverer and recorder."""
        recorder, ends = Recorder(), BatchedFinish()
        deliverer = Deliverer(pool, recorder, channels, directory,  # type: ignore[arg-type]
                              conf.webhook_override, retry_policy(conf), sleep=_no_sleep,
                              finish=ends)
        handlers = NotifierHandlers(lambda: pool, lambda: deliverer, lambda: reach)
        by_topic = {"complaints.assigned": handlers.notify_assignments,
                    "sla.clocks": handlers.notify_clocks,
                    "notifications.requests": handlers.deliver_requests}

        async def handle(events: Sequence[Event]) -> list[Outgoing]:
            # The live agents take one topic each; a replay batch mixes them, in log order.
            out: list[Outgoing] = []
            for _, run in groupby(events, key=lambda e: carried[type(e)]):
                chunk = list(run)
                out += await by_topic[carried[type(chunk[0])]](chunk)
                await ends.flush(pool)
                out += recorder.take()  # failures announce themselves through the producer
            return out

        return handle

    shards = [shard() for _ in range(SHARDS)]

    def prepare(recorded: Recorded) -> None:
        for (topic, _), doc in recorded.items():
            if (topic == NOTIFY_OUTCOMES.name and doc.get("type") == "NotificationFailed"
                    and int(doc.get("attempts") or 0) > 0):
                failed[str(doc["delivery_id"])] = str(doc.get("reason", ""))

    async def handle(events: Sequence[Event]) -> Sequence[Outgoing]:
        # Deliveries are per case (a request's id derives from its case's events): the
        # cases' parts run at once, so PostgreSQL writes one part's log as the next is planned.
        done = await asyncio.gather(*(run(part) for run, part in
                                      zip(shards, by_case(events, SHARDS), strict=False)))
        return [outcome for outcomes in done for outcome in outcomes]

    async def close() -> None:
        await pool.execute(f'DROP SCHEMA IF EXISTS "{fresh_schema}" CASCADE')
        await pool.close()

    return ReplayTarget(inputs=INPUTS, outputs=(NOTIFY_OUTCOMES,), handler=handle,
                        live_schema=None, close=close, uncompared=NOTIFIER_UNCOMPARED,
                        prepare=prepare, consumes=CONSUMED)
