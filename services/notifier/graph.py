"""Instagram and Facebook comment replies through Meta's Graph API.

Instagram: POST {api}/{version}/{ig-comment-id}/replies with `message`; Facebook: POST
{api}/{version}/{object-id}/comments with `message` (a comment id nests the reply under the
citizen's comment, a post id answers a visitor post). Both answer {"id": ...}. The Graph API
takes no idempotency key: the delivery log keeps a reply from being repeated, except for the
one send a crash interrupts (as for WhatsApp).
"""

from __future__ import annotations

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

# Graph error codes: throttling and transient faults, worth another try later.
THROTTLED = {1, 2, 4, 17, 32, 341, 368, 613, *range(80001, 80010)}
EXPIRED_TOKEN = 190  # OAuthException: the page or account token expired or was revoked
MISSING_OBJECT = (100, 33)  # code, subcode: "does not exist ... or missing permissions"
NO_PERMISSION = {10, *range(200, 300)}  # e.g. a private account, replies turned off
MAX_REPLY = 2000  # Instagram takes 2,200 characters, Facebook more; keep one bound


def graph_failure(response: httpx.Response, platform: str) -> Exception:
    """What a failed Graph call means: retry later, use another contact, or give up."""
    try:
        error = orjson.loads(response.content).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        error = {}
    code, subcode = error.get("code"), error.get("error_subcode")
    detail = f"{platform} error {code}: {str(error.get('message', response.text))[:200]}"
    retry_after = parse_retry_after(response.headers.get("Retry-After"), utcnow())
    if code in THROTTLED:
        return TemporaryFailure(detail, retry_after)
    if code == EXPIRED_TOKEN:
        return ReplyImpossible(f"{detail} (access token expired or revoked)")
    if (code, subcode) == MISSING_OBJECT:
        return ReplyImpossible(f"{detail} (the comment or post is gone)")
    if code in NO_PERMISSION:
        return ReplyImpossible(f"{detail} (replies not allowed)")
    failure = classify_status(response.status_code, retry_after, detail)
    return failure or PermanentFailure(detail)


class GraphReplyChannel(Channel):
    """A public reply under the citizen's Instagram or Facebook comment or post."""

    def __init__(self, name: NotificationChannel, client: httpx.AsyncClient, api_url: str,
                 version: str, token: str) -> None:
        if name not in (NotificationChannel.INSTAGRAM, NotificationChannel.FACEBOOK):
            raise ValueError(f"not a Graph API channel: {name}")
        self.name = name
        self._client = client
        self._base = f"{api_url.rstrip('/')}/{version}"
        self._token = token

    def _url(self, object_id: str) -> str:
        if not object_id.replace("_", "").isalnum():
            raise PermanentFailure("not a Graph object id")
        edge = "replies" if self.name is NotificationChannel.INSTAGRAM else "comments"
        return f"{self._base}/{object_id}/{edge}"

    async def send(self, message: Message) -> str | None:
        url = self._url(message.address)
        try:
            response = await self._client.post(
                url, data={"message": message.body[:MAX_REPLY]},
                headers={"Authorization": f"Bearer {self._token}"})
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        if response.is_success:
            return str(orjson.loads(response.content).get("id") or "") or None
        raise graph_failure(response, self.name.value)

    async def close(self) -> None:
        await self._client.aclose()
