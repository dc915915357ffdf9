"""TikTok comment replies through TikTok's API for Business (business accounts' own videos).

POST {api}/open_api/v1.3/business/comment/reply/create/ with header `Access-Token` and
{"business_id", "video_id", "comment_id", "text"}. TikTok answers HTTP 200 with an envelope
{"code", "message", "request_id", "data"}; code 0 is success, anything else says why. The
address of a TikTok citizen is "VIDEO_ID:COMMENT_ID", since a reply needs both.
"""

from __future__ import annotations

import httpx
import orjson

from schemas.enums import NotificationChannel
from services.notifier.channel import (
    Channel,
    Message,
    PermanentFailure,
    ReplyImpossible,
    TemporaryFailure,
    classify_status,
)
from services.notifier.x_reply import short_post

MAX_COMMENT = 150  # characters of a TikTok comment
RATE_LIMITED = {40100, 40133, 50002}  # too many requests, QPS limit, system busy
TOKEN_PROBLEMS = {40102, 40104, 40105}  # access token expired, missing or invalid
GONE_WORDS = ("not exist", "deleted", "not found", "unavailable")


def reply_target(address: str) -> tuple[str, str]:
    video, _, comment = address.partition(":")
    if not (video and comment and video.replace("_", "").isalnum()
            and comment.replace("_", "").isalnum()):
        # Without the video a reply cannot be placed; the citizen is reached the other way.
        raise ReplyImpossible("a TikTok reply needs VIDEO_ID:COMMENT_ID")
    return video, comment


def tiktok_failure(code: int, detail: str) -> Exception:
    reason = f"TikTok error {code}: {detail[:200]}"
    if code in RATE_LIMITED:
        return TemporaryFailure(reason)
    if code in TOKEN_PROBLEMS:
        return ReplyImpossible(f"{reason} (access token)")
    if any(word in detail.lower() for word in GONE_WORDS):
        return ReplyImpossible(f"{reason} (the comment or video is gone)")
    return PermanentFailure(reason)


class TikTokReplyChannel(Channel):
    name = NotificationChannel.TIKTOK

    def __init__(self, client: httpx.AsyncClient, api_url: str, business_id: str,
                 token: str) -> None:
        self._client = client
        self._url = f"{api_url.rstrip('/')}/open_api/v1.3/business/comment/reply/create/"
        self._business_id = business_id
        self._token = token

    async def send(self, message: Message) -> str | None:
        video, comment = reply_target(message.address)
        payload = {"business_id": self._business_id, "video_id": video, "comment_id": comment,
                   "text": short_post(message.body, MAX_COMMENT)}
        try:
            response = await self._client.post(self._url, json=payload,
                                               headers={"Access-Token": self._token})
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        if not response.is_success:
            failure = classify_status(response.status_code, None, response.text[:200])
            raise failure or PermanentFailure(f"TikTok HTTP {response.status_code}")
        try:
            envelope = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise TemporaryFailure("TikTok answered with something other than JSON") from None
        code = int(envelope.get("code", -1))
        if code != 0:
            raise tiktok_failure(code, str(envelope.get("message", "")))
        data = envelope.get("data") or {}
        return str(data.get("comment_id") or envelope.get("request_id") or "") or None

    async def close(self) -> None:
        await self._client.aclose()
