"""X replies through the X API v2: POST {api}/2/tweets with a reply to the citizen's post.

The request is {"text", "reply": {"in_reply_to_tweet_id"}} with the center's user-context
token; 201 answers {"data": {"id", "text"}}. 429 carries the reset time as epoch seconds in
`x-rate-limit-reset`. A 403 on a reply means the post is gone, not visible to us, or its author
limits who may reply: another contact must be used.
"""

from __future__ import annotations

import time

import httpx
import orjson

from schemas.enums import NotificationChannel
from schemas.envelope import utcnow
from services.notifier.channel import (
    Channel,
    Message,
    PermanentFailure,
    ReplyImpossible,
    TemporaryFailure,
    classify_status,
    parse_retry_after,
)

MAX_POST = 280  # characters of a post for accounts without a subscription


def short_post(body: str, limit: int = MAX_POST) -> str:
    """One post: the message cut at a word boundary; WhatsApp's *bold* marks dropped."""
    text = " ".join(body.replace("*", "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def reset_after(response: httpx.Response, now: float) -> float | None:
    """Seconds until X's rate-limit window resets, from either header X sends."""
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.isdigit():
        return max(0.0, int(reset) - now)
    return parse_retry_after(response.headers.get("Retry-After"), utcnow())


def x_detail(response: httpx.Response) -> str:
    try:
        problem = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200]
    if not isinstance(problem, dict):
        return str(problem)[:200]
    errors = problem.get("errors") or [{}]
    return str(problem.get("detail") or problem.get("title")
               or (errors[0] if isinstance(errors[0], dict) else {}).get("message") or "")[:200]


class XReplyChannel(Channel):
    name = NotificationChannel.X

    def __init__(self, client: httpx.AsyncClient, api_url: str, token: str) -> None:
        self._client = client
        self._url = f"{api_url.rstrip('/')}/2/tweets"
        self._token = token

    async def send(self, message: Message) -> str | None:
        if not message.address.isdigit():
            raise PermanentFailure("not a post id")
        payload = {"text": short_post(message.body),
                   "reply": {"in_reply_to_tweet_id": message.address}}
        try:
            response = await self._client.post(
                self._url, json=payload, headers={"Authorization": f"Bearer {self._token}"})
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        if response.is_success:
            data = orjson.loads(response.content).get("data") or {}
            return str(data.get("id") or "") or None
        detail = f"X HTTP {response.status_code}: {x_detail(response)}"
        if response.status_code == 429:
            raise TemporaryFailure(detail, reset_after(response, time.time()))
        if response.status_code in (401, 403):
            raise ReplyImpossible(detail)
        failure = classify_status(response.status_code, None, detail)
        raise failure or PermanentFailure(detail)

    async def close(self) -> None:
        await self._client.aclose()
