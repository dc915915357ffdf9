"""The pullers against local fakes of TikTok's API for Business, the X filtered stream, a
remote GeoReport v2 server and a news site; the GeoReport one also into intake's real store."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from aiohttp import web

from schemas.directory import load_directory, tenant_dir
from schemas.intake import ComplaintEdited, ComplaintReceived
from schemas.topics import RECEIVED, UPDATED
from services.intake.access.ratelimit import RateLimiter
from services.intake.channels.open311 import ServiceCatalogue
from services.intake.pullers.base import IntakeSink, MemoryCursors, PgCursors, PullFailed
from services.intake.pullers.feeds import FeedPuller, matcher, watch_words
from services.intake.pullers.georeport import GeoReportPuller
from services.intake.pullers.tiktok import TikTokPuller
from services.intake.pullers.xstream import Disconnected, XStreamReader, stream_lines
from services.intake.settings import IntakeSettings
from services.intake.state import IntakeState
from services.runtime.producer import EventProducer
from services.runtime.settings import RuntimeSettings
from tests.integration.intake.fakes import FakeServer, RecordingSink
from tests.support.kafka import Watcher
from tests.unit.intake.samples import CHANNELS, OWN_X, payload

DATA = Path(__file__).resolve().parents[2] / "data" / "pullers"
BUSINESS = "bc-sukamaju-001"


# -- TikTok API for Business ----------------------------------------------------------------

def tiktok_answer(data: dict[str, Any], code: int = 0) -> web.Response:
    return web.json_response({"code": code, "message": "OK" if code == 0 else "Access denied",
                              "request_id": uuid.uuid4().hex, "data": data})


def comment(cid: str, at: int, text: str, **extra: Any) -> dict[str, Any]:
    return {"comment_id": cid, "video_id": "v1", "user_id": f"u-{cid}", "create_time": str(at),
            "text": text, "likes": 0, "replies": 0, "owner": False, "liked": False,
            "pinned": False, "status": "PUBLIC", "username": f"warga_{cid}",
            "display_name": f"Warga {cid}", "parent_comment_id": cid, **extra}


async def test_tiktok_poller_reads_new_comments_and_replies_not_the_accounts_own() -> None:
    comments = {"v1": [comment("c3", 1773020000, "Balasan: betul, gelap sekali \U0001F311",
                               parent_comment_id="c1"),
                       comment("c2", 1773019000, "Terima kasih laporannya", owner=True,
                               user_id=BUSINESS),
                       comment("c1", 1773018000, "Lampu jalan di Jl. Gajah Mada mati")],
                "v2": [comment("c9", 1773017000, "Sampah di pasar belum diangkut")]}

    async def videos(request: web.Request) -> web.Response:
        page = request.query.get("cursor")
        if page is None:  # two pages of videos
            return tiktok_answer({"videos": [{"item_id": "v1", "create_time": 1773000000,
                                              "share_url": "https://tiktok.example/v1"}],
                                  "cursor": 1, "has_more": True})
        return tiktok_answer({"videos": [{"item_id": "v2"}], "cursor": 2, "has_more": False})

    async def comment_list(request: web.Request) -> web.Response:
        assert request.headers["Access-Token"] == "tt-token"
        return tiktok_answer({"comments": comments[request.query["video_id"]], "cursor": 30,
                              "has_more": False})

    sink, cursors = RecordingSink(), MemoryCursors()
    async with FakeServer({"/open_api/v1.3/business/video/list/": videos,
                           "/open_api/v1.3/business/comment/list/": comment_list}) as fake, \
            httpx.AsyncClient() as http:
        puller = TikTokPuller("tiktok-uji", f"{fake.url}/open_api/v1.3", BUSINESS, "tt-token",
                              http, sink, cursors)
        assert await puller.poll_once() == 3
        assert sorted(sink.keys) == ["c1", "c3", "c9"]
        reply = next(s for i in sink.handed for s in i.submissions if s.channel_message_id == "c3")
        assert reply.in_reply_to == "c1" and reply.reporter.handle == "@warga_c3"
        assert reply.attachments[0].url == "https://tiktok.example/v1"
        # A new comment in the same second as the newest seen, and nothing else new.
        comments["v1"].insert(0, comment("c4", 1773020000, "Sudah 3 malam gelap"))
        assert await puller.poll_once() == 1
        assert sink.keys.count("c3") == 1 and sink.keys[-1] == "c4"


async def test_tiktok_error_code_is_a_failed_poll() -> None:
    async def denied(request: web.Request) -> web.Response:
        return tiktok_answer({}, code=40105)

    async with FakeServer({"/business/video/list/": denied}) as fake, \
            httpx.AsyncClient() as http:
        puller = TikTokPuller("t", fake.url, BUSINESS, "x", http, RecordingSink(),
                              MemoryCursors())
        with pytest.raises(PullFailed, match="40105"):
            await puller.poll_once()


# -- X filtered stream -------------------------------------------------------------------------

def post(pid: str, text: str, author: str = "77", **extra: Any) -> dict[str, Any]:
    return {"data": {"id": pid, "text": text, "author_id": author, "edit_history_tweet_ids": [pid],
                     "created_at": "2026-03-09T02:27:41.000Z", **extra},
            "includes": {"users": [{"id": author, "name": "Fitri", "username": "fitri"}]},
            "matching_rules": [{"id": "1", "tag": "aduan"}]}


async def test_x_stream_reader_reconnects_and_hands_each_post_over_once() -> None:
    first = stream_lines(
        b"", post("101", "Lampu lalu lintas mati \u26a0"), b"",
        post("102", "RT @fitri: Lampu mati", referenced_tweets=[{"type": "retweeted",
                                                               "id": "101"}]),
        post("103", "Sedang kami tindak lanjuti", author=next(iter(OWN_X))),
        {"errors": [{"title": "operational-disconnect",
                     "disconnect_type": "UpstreamOperationalDisconnect",
                     "detail": "This stream has been disconnected upstream for operational "
                               "reasons."}]})
    second = stream_lines(
        post("101", "Lampu lalu lintas mati \u26a0"), b"", b"not json{",
        {"data": {"id": "105", "text": "Koreksi: simpang lima", "author_id": "77",
                  "edit_history_tweet_ids": ["104", "105"]}},
        post("106", "Jembatan retak di Sandai"), b"")
    bodies = [first, second]

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        body = bodies.pop(0) if bodies else b"\r\n"
        for line in body.split(b"\r\n")[:-1]:
            await response.write(line + b"\r\n")
        return response

    sink = RecordingSink()
    async with FakeServer({"/2/tweets/search/stream": stream}) as fake, \
            httpx.AsyncClient() as http:
        reader = XStreamReader("x-uji", f"{fake.url}/2/tweets/search/stream", "bearer", OWN_X,
                               http, sink, backfill_minutes=2)
        task = asyncio.create_task(reader.run(base=0.05, cap=0.2))
        try:
            async def handed() -> None:
                while len(sink.keys) + len(sink.amendments) < 3:
                    sink.changed.clear()
                    await sink.changed.wait()
            await asyncio.wait_for(handed(), 30)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert sink.keys == ["101", "106"]  # 101 repeated after the reconnect: handed over once
    [edit] = sink.amendments
    assert (edit.target, edit.change_id) == ("104", "105")
    assert reader.keep_alives >= 3 and reader.controls >= 1 and reader.connections >= 2
    assert fake.requests[0][2]["Authorization"] == "Bearer bearer"
    assert "backfill_minutes" not in fake.requests[0][1]
    assert fake.requests[1][1]["backfill_minutes"] == "2"
    assert "edit_history_tweet_ids" in fake.requests[0][1]["tweet.fields"]


async def test_x_stream_post_the_sink_refused_is_handed_over_again() -> None:
    sink = RecordingSink()
    reader = XStreamReader("x", "http://unused", "t", OWN_X, httpx.AsyncClient(), sink)
    sink.fail = 1
    line = orjson.dumps(post("201", "Air PDAM keruh")).decode()
    with pytest.raises(OSError):
        await reader.handle_line(line)
    await reader.handle_line(line)
    await reader.handle_line(line)
    assert sink.keys == ["201"]
    with pytest.raises(Disconnected):
        await reader.handle_line('{"errors": [{"title": "ConnectionException"}]}')


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
