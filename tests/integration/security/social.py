"""Facebook, X and TikTok for the personal-data test: the webhook bodies the citizens send,
and a local TikTok API and X filtered stream (the pullers' fakes) that intake reads itself."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from services.intake.pullers.xstream import stream_lines
from tests.integration.intake.fakes import FakeServer
from tests.integration.security.citizens import PEOPLE, Citizen

PAGE = "104857362019475"
BUSINESS = "bc-pii-tiktok"
X_SECRET = "uji-rahasia-konsumen-x-pii"
WHEN = 1773036157  # 2026-03-09


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def facebook_comment(person: Citizen, form: int, run: str, verb: str = "add") -> bytes:
    """A comment on our Page's post; `edited` carries the citizen's corrected text."""
    post = f"{PAGE}_12214{run}{form:02d}"
    text = person.text(form) if verb == "add" else person.text(form + 2) + " Ralat alamat."
    return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": WHEN, "changes": [{
        "field": "feed", "value": {
            "from": {"id": person.user_id("facebook"), "name": person.name},
            "post_id": post, "comment_id": f"12214{run}{form:02d}_11903{run}{form:02d}",
            "parent_id": post, "created_time": WHEN + form, "item": "comment", "verb": verb,
            "message": text}}]}]}).encode()


def messenger(person: Citizen, form: int) -> bytes:
    """A Page inbox message: intake reads only the `feed` field, so nothing may come of it."""
    return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": WHEN, "messaging": [{
        "sender": {"id": person.user_id("facebook")}, "recipient": {"id": PAGE},
        "timestamp": WHEN * 1000, "message": {"mid": f"m_{uuid.uuid4().hex}",
                                              "text": person.text(form)}}]}]}).encode()


def x_post(person: Citizen, post_id: str, text: str, history: list[str] | None = None
           ) -> dict[str, Any]:
    return {"data": {"id": post_id, "text": text, "author_id": person.user_id("x"),
                     "created_at": "2026-03-09T02:27:41.000Z",
                     "edit_history_tweet_ids": history or [post_id]},
            "includes": {"users": [{"id": person.user_id("x"), "name": person.name,
                                    "username": person.x_handle}]},
            "matching_rules": [{"id": "1", "tag": "aduan"}]}


def tiktok_comment(person: Citizen, form: int, run: str) -> dict[str, Any]:
    cid = f"73{run}{form:02d}"
    return {"comment_id": cid, "video_id": "v-pii", "user_id": person.user_id("tiktok"),
            "create_time": str(WHEN + form), "text": person.text(form), "likes": 0,
            "replies": 0, "owner": False, "liked": False, "pinned": False, "status": "PUBLIC",
            "username": person.tiktok_handle, "display_name": person.name,
            "parent_comment_id": cid}


def stream_body(run: str) -> bytes:
    """Every citizen's post on the stream, then an edit of it (a second id in its history)."""
    lines = []
    for i, person in enumerate(PEOPLE):
        first, second = f"2030{run}{i:02d}1", f"2030{run}{i:02d}2"
        lines += [x_post(person, first, person.text(i + 3)),
                  x_post(person, second, person.text(i + 4) + " Koreksi.", [first, second])]
    return stream_lines(*lines)


async def tiktok_answer(data: dict[str, Any]) -> web.Response:
    return web.json_response({"code": 0, "message": "OK", "request_id": uuid.uuid4().hex,
                              "data": data})


@asynccontextmanager
async def platforms(run: str, folder: Path) -> AsyncIterator[dict[str, str]]:
    """The TikTok API and X stream fakes; yields intake's environment for reading them."""
    bodies = [stream_body(run)]

    async def videos(request: web.Request) -> web.Response:
        return await tiktok_answer({"videos": [{"item_id": "v-pii", "create_time": WHEN - 60,
                                                "share_url": "https://tiktok.example/v-pii"}],
                                    "cursor": 1, "has_more": False})

    async def comments(request: web.Request) -> web.Response:
        found = [tiktok_comment(p, i, run) for i, p in enumerate(PEOPLE)]
        return await tiktok_answer({"comments": found[::-1], "cursor": 30, "has_more": False})

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        if bodies:
            await response.write(bodies.pop(0))
        try:  # then keep-alives, as X sends them, until intake hangs up
            while True:
                await asyncio.sleep(2)
                await response.write(b"\r\n")
        except (ConnectionError, RuntimeError):
            return response

    async with FakeServer({"/open_api/v1.3/business/video/list/": videos,
                           "/open_api/v1.3/business/comment/list/": comments,
                           "/2/tweets/search/stream": stream}) as fake:
        pullers = folder / "pullers.yaml"
        pullers.write_text(json.dumps({  # YAML is a superset of JSON
            "tiktok": [{"name": f"pii-tiktok-{run}", "url": f"{fake.url}/open_api/v1.3",
                        "business_id": BUSINESS, "token_env": "PII_TIKTOK_TOKEN",
                        "interval_seconds": 1}],
            "x_stream": [{"name": f"pii-x-{run}", "url": f"{fake.url}/2/tweets/search/stream",
                          "token_env": "PII_X_TOKEN"}]}))
        yield {"TANGGAP_PULLERS_FILE": str(pullers), "PII_TIKTOK_TOKEN": "tt-pii",
               "PII_X_TOKEN": "bearer-pii", "TANGGAP_X_CONSUMER_SECRET": X_SECRET}


async def send_social(http: httpx.AsyncClient, meta_secret: str, run: str) -> None:
    """Facebook comments (each then edited), Messenger messages and signed X webhook posts."""
    for i, person in enumerate(PEOPLE):
        for body in (facebook_comment(person, i, run), facebook_comment(person, i, run, "edited"),
                     messenger(person, i)):
            answer = await http.post("/v1/channels/facebook", content=body, headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": meta_signature(meta_secret, body)})
            assert answer.status_code == 200, answer.text
        body = json.dumps(x_post(person, f"2031{run}{i:02d}", person.text(i + 1))).encode()
        digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
        answer = await http.post("/v1/channels/x", content=body, headers={
            "Content-Type": "application/json",
            "x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()})
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["accepted"]) == 1, answer.text
