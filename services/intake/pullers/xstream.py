"""The X API v2 filtered stream: one long-lived NDJSON response, read line by line.

Empty lines are keep-alives; objects with `errors` and no `data` are control messages (an
operational disconnect) and end the connection, which is opened again with backoff. Retweets
and our own posts open nothing (channels/x.py). Posts seen shortly before a reconnect are
remembered, so a post the stream repeats (reconnect, backfill) is not handed over twice; the
case registry's key catches whatever repeats across restarts.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

import httpx
import orjson

from services.intake.channels import x
from services.intake.channels.inbound import Inbound, obj
from services.intake.pullers.base import RETRIED, Sink, backoff

log = logging.getLogger(__name__)
FIELDS = {
    "tweet.fields": "author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets,"
                    "entities,geo,lang,attachments,edit_history_tweet_ids,note_tweet",
    "expansions": "author_id,geo.place_id,attachments.media_keys,referenced_tweets.id",
    "user.fields": "name,username", "place.fields": "full_name,geo,country_code",
    "media.fields": "url,preview_image_url,type",
}


class Disconnected(Exception):
    """The stream sent a control message: reconnect."""


class XStreamReader:
    def __init__(self, name: str, url: str, token: str, own_accounts: set[str],
                 http: httpx.AsyncClient, sink: Sink, remember: int = 10_000,
                 backfill_minutes: int | None = None) -> None:
        self.name, self.url, self.own = name, url, own_accounts
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http, self.sink = http, sink
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.remember, self.backfill_minutes = remember, backfill_minutes
        self.keep_alives = self.controls = self.connections = 0

    @staticmethod
    def _keys(inbound: Inbound) -> list[str]:
        return [s.channel_message_id for s in inbound.submissions] + [
            f"{a.target}@{a.change_id}" for a in inbound.amendments]

    def _fresh(self, inbound: Inbound) -> Inbound:
        """Drop posts (and versions of posts) already handed over by this reader."""
        return Inbound(
            submissions=[s for s in inbound.submissions if s.channel_message_id not in self.seen],
            amendments=[a for a in inbound.amendments
                        if f"{a.target}@{a.change_id}" not in self.seen],
            ignored=inbound.ignored, rejected=inbound.rejected)

    def _remember(self, inbound: Inbound) -> None:
        # Only once the sink has them durably: a failed hand-over is read again after the
        # reconnect (the stream repeats recent posts, or backfill does).
        for key in self._keys(inbound):
            self.seen[key] = None
            self.seen.move_to_end(key)
        while len(self.seen) > self.remember:
            self.seen.popitem(last=False)

    async def handle_line(self, line: str) -> None:
        """One line of the stream: keep-alive, control message, or a post."""
        if not line.strip():
            self.keep_alives += 1
            return
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError:
            log.warning("x stream %s: a line that is not JSON was skipped", self.name)
            return
        if "data" not in obj(message):
            self.controls += 1
            if obj(message).get("errors"):
                raise Disconnected(str(obj(message).get("errors"))[:300])
            return
        inbound = self._fresh(x.parse(message, self.own))
        if inbound.submissions or inbound.amendments:
            await self.sink.submit(self.name, inbound)
            self._remember(inbound)

    async def read_once(self) -> None:
        """One connection, until the server ends it or sends a control message."""
        params = dict(FIELDS)
        if self.backfill_minutes and self.connections:
            params["backfill_minutes"] = str(self.backfill_minutes)
        self.connections += 1
        async with self.http.stream("GET", self.url, params=params, headers=self.headers,
                                    timeout=httpx.Timeout(10.0, read=90.0)) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():  # \r\n separated; keep-alives are empty
                await self.handle_line(line)

    async def run(self, base: float = 1.0, cap: float = 300.0) -> None:
        """Read forever; each failure in a row doubles the wait, a clean stream resets it."""
        failures = 0
        while True:
            try:
                await self.read_once()
                failures = 0
            except (*RETRIED, Disconnected) as exc:
                failures += 1
                log.warning("x stream %s disconnected (%d in a row): %r", self.name,
                            failures, exc)
            await asyncio.sleep(backoff(failures, base, cap) if failures else base)


def stream_lines(*messages: Any) -> bytes:
    """NDJSON as the stream sends it (CRLF separated): for fakes and tests."""
    return b"".join((orjson.dumps(m) if not isinstance(m, bytes) else m) + b"\r\n"
                    for m in messages)
