"""enrich_cases: retry deferred look-ups with backoff and complete their cases when they succeed.

A completed look-up becomes a ComplaintEnriched event (id derived from the case and the
look-up, so a repeat is recognised) with the masked text; the citizen's view is updated with it.
Two look-ups: an Instagram mention's text (its read failed when the webhook came) and a
WhatsApp message's media (downloaded and stored, services/intake/enrichment/media.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from schemas.enums import Channel
from schemas.envelope import derived_id, utcnow
from schemas.intake import Attachment, ComplaintEnriched
from services.intake.cases.amend import masked, record
from services.intake.channels import instagram
from services.intake.enrichment import media, media_job, store
from services.intake.enrichment.backoff import next_attempt
from services.intake.metrics import ENRICHMENTS
from services.intake.state import IntakeState

log = logging.getLogger(__name__)
Completion = Callable[[IntakeState, store.Pending, datetime], Awaitable[ComplaintEnriched]]


class GivenUp(Exception):
    """The look-up cannot succeed (no completion for it, or refused for good)."""


def enriched_event(complaint_id: str, ticket: str, channel_message_id: str,
                   content: dict[str, object], tenant: str, now: datetime,
                   names: tuple[str, ...] = ()) -> ComplaintEnriched:
    """The event completing a mention's case with what the Graph API finally said."""
    attachments = content.get("attachments") or []
    assert isinstance(attachments, list)
    return ComplaintEnriched(
        event_id=derived_id(complaint_id, "enriched", instagram.MENTION_LOOKUP), tenant=tenant,
        complaint_id=complaint_id, occurred_at=now, ticket=ticket, channel=Channel.INSTAGRAM,
        channel_message_id=channel_message_id, lookup=instagram.MENTION_LOOKUP,
        text=masked(str(content["text"]), names),
        attachments=tuple(Attachment.model_validate(a) for a in attachments),
        submitted_at=content.get("timestamp"))


def mention_completion(lookup: instagram.MentionLookup) -> Completion:
    """Read the mention again; its text completes the case."""

    async def complete(state: IntakeState, pending: store.Pending,
                       now: datetime) -> ComplaintEnriched:
        params = pending.params
        found = await lookup(str(params.get("account")), params.get("comment_id"),
                             params.get("media_id") or "")
        content = instagram.mention_content(found)
        if not content["text"]:
            raise instagram.LookupFailed("the Graph API answered without text")
        case = await state.pool.fetchrow(
            "SELECT c.ticket, c.channel_message_id, r.name FROM cases c"
            " LEFT JOIN reporters r ON r.reporter_id = c.reporter_id"
            " WHERE c.complaint_id = $1", pending.complaint_id)
        # Masked with the reporter's registered name, as the case's own text would be.
        names = (case["name"],) if case["name"] else ()
        return enriched_event(pending.complaint_id, case["ticket"], case["channel_message_id"],
                              content, state.settings.tenant, now, names)

    return complete


def mention_lookup(state: IntakeState) -> instagram.MentionLookup:
    token = state.settings.meta_access_token
    return instagram.graph_lookup(state.http, state.settings.meta_graph_url,
                                  token.get_secret_value() if token else None)


def completions(state: IntakeState,
                lookup: instagram.MentionLookup | None = None) -> dict[str, Completion]:
    """The completion of each kind of look-up, by its name."""
    return {instagram.MENTION_LOOKUP: mention_completion(lookup or mention_lookup(state)),
            media.MEDIA_LOOKUP: media_job.complete}


async def enrich_due(state: IntakeState, now: datetime,
                     lookup: instagram.MentionLookup | None = None) -> int:
    """One pass over the look-ups due now; returns how many cases were completed."""
    conf = state.settings
    known = completions(state, lookup)
    completed = 0
    for pending in await store.claim_due(state.pool, now, 50):
        try:
            complete = known.get(pending.lookup)
            if complete is None:
                raise GivenUp(f"no completion for look-up {pending.lookup!r}")
            event = await complete(state, pending, now)
        except (GivenUp, media.MediaRefused) as exc:
            # Trying again cannot help (a type intake does not keep, a file over the cap).
            await store.failed(state.pool, pending, None, f"given up: {exc}", now)
            ENRICHMENTS.labels(outcome="given_up").inc()
            log.warning("look-up %s of complaint_id=%s given up: %s", pending.lookup,
                        pending.complaint_id, exc)
            continue
        except (instagram.LookupFailed, media.MediaFailed, ValidationError) as exc:
            retry = next_attempt(pending.attempts + 1, now, conf.enrichment_backoff_seconds,
                                 conf.enrichment_backoff_max_seconds,
                                 conf.enrichment_max_attempts)
            await store.failed(state.pool, pending, retry, str(exc), now)
            ENRICHMENTS.labels(outcome="retry" if retry else "given_up").inc()
            log.warning("look-up %s of complaint_id=%s failed (attempt %d), next %s: %s",
                        pending.lookup, pending.complaint_id, pending.attempts + 1, retry, exc)
            continue
        await record(state, event)
        await store.succeeded(state.pool, pending, now)
        ENRICHMENTS.labels(outcome="completed").inc()
        completed += 1
        log.info("case completed complaint_id=%s lookup=%s item=%s", pending.complaint_id,
                 pending.lookup, pending.item)
    return completed


async def enrich_cases(state: IntakeState) -> None:
    """Background task: a pass every enrichment_poll_seconds, until cancelled."""
    while True:
        try:
            await enrich_due(state, utcnow())
        except (KafkaError, OSError, asyncpg.PostgresError) as exc:
            # The rows stay leased and come back after the lease; nothing is lost.
            log.warning("enrichment pass failed: %s", exc)
        await asyncio.sleep(state.settings.enrichment_poll_seconds)
