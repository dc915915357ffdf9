"""Webhook channel: POST a signed JSON document; the receiver dedupes on Idempotency-Key."""

from __future__ import annotations

import httpx

from schemas.enums import NotificationChannel
from schemas.envelope import utcnow
from services.notifier.addresses import AddressRefused, Network, ensure_public
from services.notifier.channel import (
    Channel,
    Message,
    PermanentFailure,
    TemporaryFailure,
    classify_status,
    parse_retry_after,
)
from services.notifier.signing import SIGNATURE_HEADER, sign

IDEMPOTENCY_HEADER = "Idempotency-Key"
DELIVERY_HEADER = "X-Tanggap-Delivery-Id"


def webhook_headers(message: Message, secret: str | None) -> dict[str, str]:
    """Headers of one delivery: the same on every retry, so the receiver can dedupe."""
    headers = {
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: str(message.delivery_id),
        DELIVERY_HEADER: str(message.delivery_id),
        "X-Tanggap-Event-Type": message.event_type,
        "User-Agent": "tanggap-notifier/1",
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, message.document)
    return headers


class WebhookChannel(Channel):
    name = NotificationChannel.WEBHOOK

    def __init__(self, client: httpx.AsyncClient, secret: str | None,
                 allowed: tuple[Network, ...]) -> None:
        self._client = client
        self._secret = secret
        self._allowed = allowed

    async def send(self, message: Message) -> str | None:
        try:
            if not message.trusted_address:
                await ensure_public(message.address, self._allowed)
            response = await self._client.post(message.address, content=message.document,
                                               headers=webhook_headers(message, self._secret),
                                               follow_redirects=False)
        except AddressRefused as exc:
            raise PermanentFailure(str(exc)) from None
        except (httpx.TransportError, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        retry_after = parse_retry_after(response.headers.get("Retry-After"), utcnow())
        failure = classify_status(response.status_code, retry_after, response.text)
        if failure is not None:
            raise failure
        return None

    async def close(self) -> None:
        await self._client.aclose()
