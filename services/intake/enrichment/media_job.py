"""The whatsapp_media look-up: download a message's media, keep it, and say so on the log.

The ComplaintEnriched it makes keeps the case's text as it is now (masked, edits included)
and names the stored media in its attachments, so agencies know what they can fetch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import orjson

from schemas.envelope import derived_id
from schemas.intake import Attachment, ComplaintEnriched, ComplaintReceived
from services.intake.enrichment import media, media_store
from services.intake.enrichment.store import Pending
from services.intake.state import IntakeState

# (sha256, mime type, size) of each stored media of a case, by its media id.
Stored = Mapping[str, tuple[str, str, int]]


def with_stored(attachments: Sequence[Attachment], stored: Stored) -> tuple[Attachment, ...]:
    """The case's attachments, those intake holds the bytes of named by their sha256."""
    return tuple(a.model_copy(update={"sha256": stored[a.media_id][0],
                                      "mime_type": stored[a.media_id][1],
                                      "size": stored[a.media_id][2], "stored": True})
                 if a.media_id in stored else a for a in attachments)


def media_event(received: ComplaintReceived, text: str, media_id: str, stored: Stored,
                tenant: str, now: datetime) -> ComplaintEnriched:
    """The event saying one media of the case is stored; its id is derived from the case and
    the media id, so a repeated download is recognised."""
    return ComplaintEnriched(
        event_id=derived_id(received.complaint_id, "enriched", media.MEDIA_LOOKUP, media_id),
        tenant=tenant, complaint_id=received.complaint_id, occurred_at=now,
        ticket=received.ticket, channel=received.channel,
        channel_message_id=received.channel_message_id, lookup=media.MEDIA_LOOKUP, text=text,
        attachments=with_stored(received.attachments, stored))


async def complete(state: IntakeState, pending: Pending, now: datetime) -> ComplaintEnriched:
    """Download and keep the media of `pending`; the event that completes the case."""
    conf = state.settings
    if conf.meta_access_token is None:
        raise media.MediaFailed("no Meta access token is configured (TANGGAP_META_ACCESS_TOKEN)")
    media_id = str(pending.params.get("media_id") or pending.item)
    got = await media.download(state.http, conf.meta_graph_url,
                               conf.meta_access_token.get_secret_value(), media_id,
                               {base.lower() for base in conf.intake_media_types},
                               conf.intake_media_max_bytes, conf.intake_media_hosts)
    # Kept before the event is recorded: no event ever names media that is not there.
    await media_store.keep(state.pool, pending.complaint_id, media_id,
                           str(pending.params.get("kind") or "document"), got.sha256,
                           got.info.mime_type, got.content)
    case = await state.pool.fetchrow(
        "SELECT c.event, s.description FROM cases c"
        " LEFT JOIN case_status s ON s.complaint_id = c.complaint_id"
        " WHERE c.complaint_id = $1", pending.complaint_id)
    rows = await state.pool.fetch(
        "SELECT m.media_id, b.sha256, b.mime_type, b.size FROM case_media m"
        " JOIN media_blobs b ON b.sha256 = m.sha256 WHERE m.complaint_id = $1",
        pending.complaint_id)
    received = ComplaintReceived.model_validate(orjson.loads(case["event"]))
    return media_event(received, case["description"] or received.text, media_id,
                       {r["media_id"]: (r["sha256"], r["mime_type"], r["size"]) for r in rows},
                       conf.tenant, now)
