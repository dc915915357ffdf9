"""The TikTok comment poller and the X filtered-stream reader against local fakes speaking
TikTok's API for Business and the X API v2 stream format."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web

from services.intake.pullers.base import MemoryCursors, PullFailed
from services.intake.pullers.tiktok import TikTokPuller
from services.intake.pullers.xstream import Disconnected, XStreamReader, stream_lines
from tests.integration.intake.fakes import FakeServer, RecordingSink
from tests.unit.intake.samples import OWN_X

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
