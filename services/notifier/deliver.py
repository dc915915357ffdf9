"""Notification requests to delivered (or dead-lettered) messages, exactly once logged.

Order of effects, chosen so that a crash at any point loses nothing and repeats nothing that
the receiver cannot recognise: 'sending' is logged before the call (a batch's claims in one
statement); after a success the log says 'delivered' before the outcome event is produced
(the batch's outcome events together; a redelivered request then re-produces the same
outcome event, same id); after a failure the dead letter and the outcome event are durable
before the log says 'failed'. A crash during the call itself leaves 'sending': the next
process sends again with the same idempotency key, which the receiver must dedupe on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import asyncpg
import orjson

from schemas.codec import encode
from schemas.directory import Directory
from schemas.enums import NotificationChannel
from schemas.envelope import Event, derived_id, utcnow
from schemas.notifications import NotificationDelivered, NotificationFailed, NotificationRequested
from schemas.topics import NOTIFY_OUTCOMES, NOTIFY_REQUESTS
from services.notifier import deliveries
from services.notifier.channel import Channel, Message
from services.notifier.contacts import (
    Destination,
    Unreachable,
    destination,
    recipient_reference,
    redacted,
)
from services.notifier.metrics import (
    DEAD_LETTERS,
    DELIVERIES,
    LATENCY_SECONDS,
    RESENDS,
    RETRIES,
    SEND_SECONDS,
)
from services.notifier.render import RenderError, render
from services.notifier.retrying import Exhausted, RetryPolicy, Sleep, with_retries
from services.runtime.deadletter import dead_letter_headers
from services.runtime.producer import EventProducer, Outgoing

log = logging.getLogger(__name__)
# How a finished delivery is written to the log: deliveries.finish, at once, live.
Finish = Callable[..., Awaitable[None]]


def fallback_of(context: Mapping[str, object]) -> tuple[NotificationChannel, str] | None:
    """The citizen's other way to be reached, as intake put it in the notice."""
    channel, address = context.get("fallback_channel"), context.get("fallback_recipient")
    if not channel or not address:
        return None
    try:
        return NotificationChannel(str(channel)), str(address)
    except ValueError:
        return None


def _scrub(text: str, request: NotificationRequested, label: str) -> str:
    """The text with the citizen's address replaced by its reference."""
    if request.recipient and label != request.recipient:
        return text.replace(request.recipient, label)
    return text


@dataclass(frozen=True)
class _Job:
    request: NotificationRequested
    cause: Event
    dest: Destination | None
    problem: str | None  # why it cannot be delivered, if known before trying
    address: str
    label: str
    delivery_id: uuid.UUID


@dataclass
class Deliverer:
    pool: asyncpg.Pool
    producer: EventProducer
    channels: Mapping[NotificationChannel, Channel]
    directory: Directory
    webhook_override: Callable[[str], str | None]
    policy: RetryPolicy
    sleep: Sleep | None = None  # tests inject a fast clock; production uses asyncio.sleep
    concurrency: int = 16  # deliveries of a batch in flight at once
    finish: Finish | None = None  # None: deliveries.finish; a replay (nothing sent) batches

    @property
    def _finish(self) -> Finish:
        return self.finish or deliveries.finish

    def _resolve(self, request: NotificationRequested) -> Destination:
        return destination(request, self.directory, self.webhook_override(request.recipient))

    async def deliver(self, request: NotificationRequested, cause: Event | None = None) -> None:
        """Deliver one request and send its outcome (tools and tests; agents use batches)."""
        outcomes = await self.deliver_batch([(request, cause or request)])
        await self.producer.send_many(outcomes)

    async def deliver_batch(self, items: Sequence[tuple[NotificationRequested, Event]]
                            ) -> list[Outgoing]:
        """Deliver a batch's requests (each with the event that caused it); the outcome
        events of the delivered ones are returned for the batch loop to send.

        One statement claims them all; recipients are served concurrently (one lane per
        address, in order within it), so a failing endpoint retrying with backoff holds up
        only its own lane, for at most its retry policy. Each message is marked 'delivered'
        as soon as it is, before the outcome events are returned.
        """
        jobs: dict[uuid.UUID, _Job] = {}
        order: list[uuid.UUID] = []
        for request, cause in items:
            job = self._job(request, cause)
            jobs.setdefault(job.delivery_id, job)  # a repeat in the batch is the same delivery
            order.append(job.delivery_id)
        claims = await deliveries.claim_many(self.pool, [
            (j.delivery_id, j.request.event_id, j.request.complaint_id, j.request.channel,
             j.label, j.request.template) for j in jobs.values()])
        lanes: dict[tuple[str, str], list[_Job]] = {}
        for job in jobs.values():
            lanes.setdefault((job.request.channel, job.address), []).append(job)
        outcomes: dict[uuid.UUID, Outgoing] = {}
        permits = asyncio.Semaphore(self.concurrency)

        async def lane(queue: list[_Job]) -> None:
            for job in queue:
                async with permits:
                    outcome = await self._run(job, claims[job.delivery_id])
                if outcome is not None:
                    outcomes[job.delivery_id] = outcome

        await asyncio.gather(*(lane(queue) for queue in lanes.values()))
        # A repeat re-states the same outcome event (same id), as a redelivery would.
        return [outcomes[i] for i in order if i in outcomes]

    def _job(self, request: NotificationRequested, cause: Event) -> _Job:
        try:
            dest: Destination | None = self._resolve(request)
            problem = None
        except Unreachable as exc:
            dest, problem = None, str(exc)
        address = dest.address if dest else "-"
        # Logs, the delivery log, outcome events and dead letters name a reference, never the
        # address (an unreachable recipient may itself be a private address).
        label = recipient_reference(request, self.directory, dest.label if dest else None)
        delivery_id = derived_id(request.event_id, "deliver", request.channel, address)
        return _Job(request, cause, dest, problem, address, label, delivery_id)

    async def _run(self, job: _Job, claim: deliveries.Claim) -> Outgoing | None:
        """One delivery; its outcome event if delivered (failures send their own)."""
        request, cause, dest, label, delivery_id = (job.request, job.cause, job.dest,
                                                    job.label, job.delivery_id)
        problem = job.problem
        if claim.finished:
            DELIVERIES.labels(channel=request.channel, outcome="duplicate").inc()
            if claim.status == "delivered":  # the outcome event may not have been produced
                return self._delivered(request, label, delivery_id, claim.attempts)
            return None
        if claim.claims > 1:
            RESENDS.labels(channel=request.channel).inc()
            log.warning("resending %s to %s for %s after an interrupted send (claim %s)",
                        request.channel, label, request.complaint_id, claim.claims)
        channel = self.channels.get(request.channel)
        if problem is None and channel is None:
            problem = f"channel {request.channel} is not configured"
        if problem is not None or dest is None or channel is None:
            await self._failed(request, label, delivery_id, 0, problem or "unreachable", "refused")
            return None
        try:
            message = self._message(request, cause, dest, delivery_id)
        except RenderError as exc:
            await self._failed(request, label, delivery_id, 0, str(exc), "refused")
            return None
        started = time.monotonic()
        try:
            provider_id, attempts = await with_retries(
                lambda: channel.send(message), self.policy,
                on_retry=lambda n, exc: self._retrying(request, label, n, exc), sleep=self.sleep)
        except Exhausted as exc:
            SEND_SECONDS.labels(channel=request.channel).observe(time.monotonic() - started)
            await self._failed(request, label, delivery_id, exc.attempts, str(exc), "failed")
            return None
        SEND_SECONDS.labels(channel=request.channel).observe(time.monotonic() - started)
        # Marked at once, not with the batch: a crash later in the batch must not make this
        # message go out again (the log is per message; only the claims are batched).
        await self._finish(self.pool, delivery_id, "delivered", attempts,
                           provider_message_id=provider_id)
        DELIVERIES.labels(channel=request.channel, outcome="delivered").inc()
        LATENCY_SECONDS.labels(channel=request.channel).observe(
            max(0.0, (utcnow() - cause.occurred_at).total_seconds()))
        log.info("delivered %s %s to %s for %s in %s attempt(s)", request.template,
                 request.channel, label, request.complaint_id, attempts)
        return self._delivered(request, label, delivery_id, claim.attempts + attempts)

    def _message(self, request: NotificationRequested, cause: Event, dest: Destination,
                 delivery_id: uuid.UUID) -> Message:
        regency = self.directory.regency
        context = dict(request.context)
        named = self.directory.get(str(context.get("agency") or ""))
        if named is not None and not context.get("agency_name"):
            context["agency_name"] = named.name  # intake sends codes; citizens read names
        rendered = render(request.template, context, regency.name, regency.timezone)
        document = orjson.dumps({
            "delivery_id": str(delivery_id), "template": request.template,
            "audience": request.audience, "subject": rendered.subject, "text": rendered.body,
            "event": orjson.loads(encode(cause)),
        })
        return Message(delivery_id=delivery_id, address=dest.address,
                       subject=rendered.subject, body=rendered.body, event_type=cause.type,
                       document=document, trusted_address=dest.trusted,
                       reply_to=str(context.get("reply_to") or context.get("in_reply_to") or "")
                       or None, template=request.template, context=context,
                       fallback=fallback_of(context))

    def _retrying(self, request: NotificationRequested, label: str, attempt: int,
                  exc: BaseException) -> None:
        RETRIES.labels(channel=request.channel).inc()
        log.warning("attempt %s of %s to %s for %s failed: %s", attempt, request.channel, label,
                    request.complaint_id, _scrub(str(exc), request, label))

    def _delivered(self, request: NotificationRequested, label: str,
                   delivery_id: uuid.UUID, attempts: int) -> Outgoing:
        return (NOTIFY_OUTCOMES.name, NotificationDelivered(
            **request.caused(f"delivered:{delivery_id}"), source_event_id=str(request.event_id),
            channel=request.channel, recipient=label, attempts=max(1, attempts),
            delivery_id=str(delivery_id)))

    async def _failed(self, request: NotificationRequested, label: str, delivery_id: uuid.UUID,
                      attempts: int, reason: str, outcome: str) -> None:
        """Dead-letter the request and announce the failure, then (only then) log it failed."""
        reason = _scrub(reason, request, label)  # a provider's error may quote the address
        log.error("giving up %s %s to %s for %s after %s attempt(s): %s", request.template,
                  request.channel, label, request.complaint_id, attempts, reason)
        headers = dead_letter_headers(reason, NOTIFY_REQUESTS.name, None, None, "notifier")
        headers += [("dlq.delivery_id", str(delivery_id).encode()),
                    ("dlq.channel", str(request.channel).encode()),
                    ("dlq.attempts", str(attempts).encode())]
        await self.producer.send_raw(NOTIFY_REQUESTS.dlq, request.complaint_id.encode(),
                                     encode(redacted(request, self.directory)), headers)
        failed = NotificationFailed(
            **request.caused(f"failed:{delivery_id}"), source_event_id=str(request.event_id),
            channel=request.channel, recipient=label, attempts=attempts,
            reason=reason[:2000], delivery_id=str(delivery_id))
        await self.producer.send(NOTIFY_OUTCOMES.name, failed)
        await self._finish(self.pool, delivery_id, "failed", attempts, error=reason[:2000])
        DELIVERIES.labels(channel=request.channel, outcome=outcome).inc()
        DEAD_LETTERS.labels(channel=request.channel).inc()
