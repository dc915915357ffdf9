"""WhatsApp media on the real stack: the webhook is answered at once, the enrichment job
downloads the media from a Graph API stand-in that fails first, stores it, says so once on
the log, and serves it to the center's operators and the agency holding the case only."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

from schemas.intake import ComplaintEnriched
from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED, UPDATED
from services.intake.answers.keys import create_agency_key
from services.intake.enrichment.store import state_of
from tests.integration.intake.conftest import (
    GRAPH_TOKEN,
    MEDIA_CAP,
    OPERATOR_KEY,
    FakeMedia,
    GraphStandIn,
)
from tests.integration.intake.test_changes_and_lookups import posted, whatsapp_batch
from tests.integration.intake.test_status_projection import status_when
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess


def photo_message(media_id: str, caption: str | None = None, kind: str = "image",
                  mime: str = "image/jpeg") -> dict[str, Any]:
    body: dict[str, Any] = {"mime_type": mime, "sha256": "d2hhdGV2ZXIgbWV0YSBzZW5kcyBoZXJl",
                            "id": media_id}
    if caption:
        body["caption"] = caption
    return {"id": f"wamid.{uuid.uuid4().hex}", "type": kind, kind: body}


def new_media_id() -> str:
    return str(uuid.uuid4().int % 10**16)


async def row_when(pool: asyncpg.Pool, complaint_id: str, ready: Callable[[Any], bool],
                   timeout: float = 30.0) -> dict[str, Any]:
    """The case's whatsapp_media enrichment row once `ready` holds for it."""
    async def poll() -> dict[str, Any]:
        while True:
            row = await state_of(pool, complaint_id, "whatsapp_media")
            if row is not None and ready(row):
                return row
            await asyncio.sleep(0.2)

    return await asyncio.wait_for(poll(), timeout)


async def get_media(intake: ServiceProcess, ticket: str, sha256: str,
                    **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        return await http.get(f"/v1/cases/{ticket}/media/{sha256}", headers=headers)


async def test_photo_is_downloaded_after_failures_stored_once_and_served_to_its_holder(
        stack: Any, operator_intake: ServiceProcess, intake_pool: asyncpg.Pool,
        graph: GraphStandIn, watch: Watcher) -> None:
    media_id, content = new_media_id(), b"\xff\xd8\xff\xe0" + os.urandom(20_000)
    # The first attempt finds the Graph API down, the second an expired url; the third works.
    held = graph.media[media_id] = FakeMedia(content, fail_lookups=1, expire_urls=1)
    body = whatsapp_batch(photo_message(media_id, "Jalan berlubang di depan SDN 3 Sandai"))
    first = await posted(operator_intake, "whatsapp", body)
    again = await posted(operator_intake, "whatsapp", body)  # Meta redelivers: nothing new
    [case] = first["accepted"]
    assert again["accepted"] == [{**case, "duplicate": True}]
    cid, ticket = case["complaint_id"], case["ticket"]
    [enriched] = await watch.wait_event(UPDATED.name, lambda e: e.complaint_id == cid)
    assert isinstance(enriched, ComplaintEnriched) and enriched.lookup == "whatsapp_media"
    assert enriched.text == "Jalan berlubang di depan SDN 3 Sandai"
    [photo] = enriched.attachments
    digest = hashlib.sha256(content).hexdigest()
    assert (photo.media_id, photo.sha256, photo.mime_type, photo.size, photo.stored) == (
        media_id, digest, "image/jpeg", len(content), True)
    row = await row_when(intake_pool, cid, lambda r: r["done_at"] is not None)
    assert row["attempts"] == 3 and row["last_error"] is None
    # Each attempt asked for a fresh url; both reads carried the bearer token.
    assert held.lookups == 3 and held.fetches == [f"Bearer {GRAPH_TOKEN}"] * 2
    await posted(operator_intake, "whatsapp", body)  # a late redelivery changes nothing either
    assert len([e for e in watch.events(UPDATED.name) if e.complaint_id == cid]) == 1

    shown = await get_media(operator_intake, ticket, digest, **{"X-Operator-Key": OPERATOR_KEY})
    assert shown.status_code == 200 and shown.content == content
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["cache-control"] == "private, no-store"

    _, pupr = await create_agency_key(intake_pool, "dinas-pupr", "media test")
    _, dishub = await create_agency_key(intake_pool, "dishub", "media test")
    before = await get_media(operator_intake, ticket, digest, Authorization=f"Bearer {pupr}")
    assert before.status_code == 404  # not PUPR's case yet
    await produce(stack, ASSIGNED.name, ComplaintAssigned(
        complaint_id=cid, ticket=ticket, agency="dinas-pupr", rules_version="test",
        text=enriched.text))
    await status_when(operator_intake, f"/v1/complaints/{ticket}",
                      lambda v: v["status"] == "assigned")
    holder = await get_media(operator_intake, ticket, digest, Authorization=f"Bearer {pupr}")
    assert holder.status_code == 200 and holder.content == content
    other = await get_media(operator_intake, ticket, digest, Authorization=f"Bearer {dishub}")
    missing = await get_media(operator_intake, ticket, "0" * 64, Authorization=f"Bearer {pupr}")
    nowhere = await get_media(operator_intake, "KTP-2026-999999", digest,
                              **{"X-Operator-Key": OPERATOR_KEY})
    # Another agency learns nothing: the same answer as for media or a case that is not there.
    assert other.status_code == missing.status_code == nowhere.status_code == 404
    assert other.json() == missing.json() == nowhere.json()
    assert (await get_media(operator_intake, ticket, digest)).status_code == 401


async def test_corrupt_bytes_are_retried_refused_types_and_sizes_are_given_up(
        operator_intake: ServiceProcess, intake_pool: asyncpg.Pool, graph: GraphStandIn,
        watch: Watcher) -> None:
    corrupt, refused, huge = new_media_id(), new_media_id(), new_media_id()
    graph.media[corrupt] = FakeMedia(b"%PDF-1.7 laporan " + os.urandom(500),
                                     "application/pdf", corrupt=1)
    graph.media[refused] = FakeMedia(b"MZ\x90\x00" + os.urandom(300),
                                     "application/x-msdownload")
    graph.media[huge] = FakeMedia(b"\x00" * 10, "video/mp4", announced_size=MEDIA_CAP + 1)
    answer = await posted(operator_intake, "whatsapp", whatsapp_batch(
        photo_message(corrupt, kind="document", mime="application/pdf"),
        photo_message(refused, kind="document", mime="application/x-msdownload"),
        photo_message(huge, kind="video", mime="video/mp4")))
    cases = [a["complaint_id"] for a in answer["accepted"]]
    assert len(cases) == 3
    by_media = dict(zip((corrupt, refused, huge), cases, strict=True))

    [enriched] = await watch.wait_event(UPDATED.name,
                                        lambda e: e.complaint_id == by_media[corrupt])
    assert isinstance(enriched, ComplaintEnriched) and enriched.attachments[0].stored
    row = await row_when(intake_pool, by_media[corrupt], lambda r: r["done_at"] is not None)
    assert row["attempts"] == 2  # the sha256 mismatch was one failed attempt

    gone = await row_when(intake_pool, by_media[refused], lambda r: r["done_at"] is not None)
    assert gone["attempts"] == 1 and gone["last_error"] == (
        "given up: mime type 'application/x-msdownload' is not one intake keeps "
        "(TANGGAP_INTAKE_MEDIA_TYPES)")
    big = await row_when(intake_pool, by_media[huge], lambda r: r["done_at"] is not None)
    assert big["attempts"] == 1 and f"over the cap of {MEDIA_CAP}" in big["last_error"]
    # Refused before any byte was fetched, and nothing on the log says they are stored.
    assert graph.media[refused].fetches == [] and graph.media[huge].fetches == []
    assert [e for e in watch.events(UPDATED.name)
            if e.complaint_id in (by_media[refused], by_media[huge])] == []
