"""Webhook delivery: POST the event as JSON, signed, retried with backoff."""

from __future__ import annotations

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from schemas.codec import encode
from schemas.envelope import Event
from services.notifier.signing import SIGNATURE_HEADER, sign


class DeliveryFailed(Exception):
    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.attempts = attempts


async def post_event(client: httpx.AsyncClient, url: str, event: Event, secret: str | None,
                     max_attempts: int) -> int:
    """Deliver one event; return the attempts it took or raise DeliveryFailed."""
    body = encode(event)
    headers = {"Content-Type": "application/json", "X-Tanggap-Event-Id": str(event.event_id),
               "X-Tanggap-Event-Type": event.type}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    attempts = 0
    try:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(max_attempts),
            wait=wait_random_exponential(multiplier=0.2, max=10),
            retry=retry_if_exception_type(httpx.HTTPError),
            reraise=True,
        ):
            with attempt:
                attempts += 1
                response = await client.post(url, content=body, headers=headers)
                response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}", attempts) from None
    return attempts
