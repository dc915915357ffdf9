"""The polling pullers against local fakes: a remote GeoReport v2 server (also into intake's real
store) and a news site's RSS and Atom feeds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiohttp import web

from schemas.directory import load_directory, tenant_dir
from schemas.intake import ComplaintEdited, ComplaintReceived
from schemas.topics import RECEIVED, UPDATED
from services.intake.access.ratelimit import RateLimiter
from services.intake.channels.open311 import ServiceCatalogue
from services.intake.pullers.base import IntakeSink, MemoryCursors, PgCursors
from services.intake.pullers.feeds import FeedPuller, matcher, watch_words
from services.intake.pullers.georeport import GeoReportPuller
from services.intake.settings import IntakeSettings
from services.intake.state import IntakeState
from services.runtime.producer import EventProducer
from services.runtime.settings import RuntimeSettings
from tests.integration.intake.fakes import FakeServer, RecordingSink
from tests.support.kafka import Watcher
from tests.unit.intake.samples import CHANNELS, payload

DATA = Path(__file__).resolve().parents[2] / "data" / "pullers"


# -- Remote GeoReport v2 server -------------------------------------------------------------

def georeport_answer(version: int) -> list[dict[str, Any]]:
    base = payload("open311/get-requests.json")
    first = dict(base[0], service_request_id=101, lat="-1.8468", long="109.9702",
                 description="Lubang di jalan\r\ndepan pasar", updated_datetime=
                 "2026-03-09T08:00:00+07:00", requested_datetime="2026-03-09T07:00:00+07:00")
    answer = [first,
              {"service_request_id": "102", "status": "open", "service_code": "DLH-SAMPAH",
               "description": None, "service_name": "Sampah tidak diangkut", "lat": None,
               "address": "Jl. Merdeka 5", "requested_datetime": "2026-03-09T07:30:00Z",
               "updated_datetime": "2026-03-09T07:30:00Z"},
              dict(first, updated_datetime="2026-03-09T09:00:00+07:00",
                   description="Lubang di jalan depan pasar, sudah ada korban"),
              {"status": "open", "description": "tanpa id"}]
    if version == 2:
        answer = [dict(answer[1], description="Sudah 4 hari", status="closed",
                       updated_datetime="2026-03-09T10:00:00Z")]
    return answer


async def test_georeport_client_upserts_requests_with_mixed_ids() -> None:
    versions = [1, 2, 2]

    async def requests_json(request: web.Request) -> web.Response:
        return web.json_response(georeport_answer(versions.pop(0)))

    sink, cursors = RecordingSink(), MemoryCursors()
    now = datetime(2026, 3, 9, 12, tzinfo=UTC)
    async with FakeServer({"/open311/v2/requests.json": requests_json}) as fake, \
            httpx.AsyncClient() as http:
        puller = GeoReportPuller("lapor-prov", f"{fake.url}/open311/v2", http, sink, cursors,
                                 api_key="kunci")
        await puller.poll_once(now)
        first = {a.target: a for a in sink.amendments}
        assert set(first) == {"lapor-prov:101", "lapor-prov:102"}  # 101 twice: one upsert
        assert first["lapor-prov:101"].text == "Lubang di jalan depan pasar, sudah ada korban"
        opened = first["lapor-prov:101"].opens
        assert opened is not None and opened.location is not None
        assert (opened.location.lat, opened.location.lon) == (-1.8468, 109.9702)
        assert first["lapor-prov:102"].opens.location is None  # type: ignore[union-attr]
        assert "Lokasi: Jl. Merdeka 5" in (first["lapor-prov:102"].text or "")
        assert len(sink.handed[0].rejected) == 1  # the request without an id
        assert cursors.saved["lapor-prov"]["since"] == "2026-03-09T07:30:00+00:00"
        await puller.poll_once(now)
        assert fake.requests[1][1]["start_date"] == "2026-03-09T07:30:00+00:00"
        assert fake.requests[1][1]["api_key"] == "kunci"
        update = sink.amendments[-1]
        assert update.target == "lapor-prov:102" and update.text.startswith("Sudah 4 hari")
        assert update.change_id != first["lapor-prov:102"].change_id


async def test_georeport_updates_become_one_case_and_an_edit(
        stack: RuntimeSettings, intake_database: str, intake_pool: asyncpg.Pool,
        watch: Watcher) -> None:
    source = f"remote-{uuid.uuid4().hex[:8]}"
    versions = [1, 2]

    async def requests_json(request: web.Request) -> web.Response:
        return web.json_response(georeport_answer(versions.pop(0) if versions else 2))

    settings = IntakeSettings(_env_file=None, database_url=intake_database,
                              kafka_bootstrap_servers=stack.kafka_bootstrap_servers,
                              topic_prefix=stack.topic_prefix)
    producer = EventProducer(settings, client_id=f"test-{source}")
    await producer.start()
    try:
        async with FakeServer({"/requests.json": requests_json}) as fake, \
                httpx.AsyncClient() as http:
            regency = settings.directory().regency
            state = IntakeState(settings, intake_pool, producer, http,
                                ServiceCatalogue.load(CHANNELS.parent / "open311-services.json"),
                                regency.center, regency.timezone, RateLimiter())
            puller = GeoReportPuller(source, fake.url, http, IntakeSink(state),
                                     PgCursors(intake_pool))
            now = datetime(2026, 3, 9, 12, tzinfo=UTC)
            for _ in range(3):  # the third poll repeats the second answer: nothing new
                await puller.poll_once(now + timedelta(minutes=5))
    finally:
        await producer.stop()
    opened = await watch.wait_event(
        RECEIVED.name, lambda e: getattr(e, "received_by", None) == source, count=2)
    by_key = {e.channel_message_id: e for e in opened if isinstance(e, ComplaintReceived)}
    assert set(by_key) == {f"{source}:101", f"{source}:102"}
    cid = by_key[f"{source}:102"].complaint_id
    [edited] = await watch.wait_event(UPDATED.name, lambda e: e.complaint_id == cid)
    assert isinstance(edited, ComplaintEdited) and edited.text.startswith("Sudah 4 hari")
    assert await intake_pool.fetchval("SELECT count(*) FROM cases WHERE channel_message_id"
                                      " LIKE $1", f"{source}:%") == 2


# -- News feeds ------------------------------------------------------------------------------

async def test_feed_poller_keeps_articles_about_the_regency_and_follows_updates() -> None:
    answers = [("rss", DATA / "ketapang-news.rss"), ("atom", DATA / "ketapang-news-updated.atom"),
               ("304", None)]

    async def feed(request: web.Request) -> web.Response:
        kind, path = answers.pop(0)
        if kind == "304":
            assert request.headers.get("If-None-Match") == '"v2"'
            return web.Response(status=304)
        return web.Response(body=path.read_bytes() if path else b"",
                            content_type="application/rss+xml" if kind == "rss"
                            else "application/atom+xml",
                            headers={"ETag": '"v1"' if kind == "rss" else '"v2"'})

    words = watch_words(load_directory(), tenant_dir() / "places.yaml")
    assert "Ketapang" in words and "Sandai" in words
    sink = RecordingSink()
    async with FakeServer({"/feed": feed}) as fake, httpx.AsyncClient() as http:
        puller = FeedPuller("warta-kayong", f"{fake.url}/feed", matcher(words), http, sink,
                            MemoryCursors())
        assert await puller.poll_once() == 2
        first = {a.target: a for a in sink.amendments}
        sandai = first["https://warta-kayong.example/2026/03/jalan-sandai-rusak"]
        assert "jalan berlubang & genangan" in (sandai.text or "")
        assert sandai.opens is not None and sandai.opens.channel == "media"
        assert sandai.opens.occurred_at == datetime(2026, 3, 9, 0, 15, tzinfo=UTC)
        assert "https://warta-kayong.example/2026/03/lampu-ketapang" in first
        assert sink.handed[0].ignored == 1  # the Pontianak article
        assert await puller.poll_once() == 1
        update = sink.amendments[-1]
        assert update.target == sandai.target and update.change_id != sandai.change_id
        assert "PUPR Janji Perbaiki" in (update.text or "")
        assert await puller.poll_once() == 0  # 304: unchanged feed
