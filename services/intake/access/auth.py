"""Adapter authentication: an API key bound to one channel, and its rate limit."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Security, status
from fastapi.security import APIKeyHeader

from schemas.enums import Channel
from services.intake.access.adapter_keys import AdapterKey, find_key
from services.intake.access.ratelimit import retry_after_header
from services.intake.state import IntakeState, StateDep

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False,
                       description="The adapter's key, from `tanggap intake keys create`")

# Documented answers of adapter endpoints, so the OpenAPI spec says what a client can get.
ADAPTER_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one"},
    403: {"description": "The key is bound to another channel"},
    413: {"description": "The body is larger than the configured limit"},
    429: {"description": "The adapter's rate limit is exceeded; see Retry-After"},
    503: {"description": "Kafka did not acknowledge the event; retry later"},
}


async def authenticate(state: IntakeState, secret: str | None) -> AdapterKey:
    """The adapter's active key, after its rate limit; 401 or 429 otherwise."""
    if not secret:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an adapter API key is required in "
                            "the X-API-Key header", headers={"WWW-Authenticate": "ApiKey"})
    key = await find_key(state.pool, secret)
    if key is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked API key",
                            headers={"WWW-Authenticate": "ApiKey"})
    wait = state.limiter.check(key.key_id, key.rate_per_second, key.burst, time.monotonic())
    if wait:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"rate limit of {key.rate_per_second:g}/s exceeded for {key.name}",
                            headers={"Retry-After": retry_after_header(wait)})
    return key


async def adapter_key(state: StateDep,
                      secret: Annotated[str | None, Security(API_KEY)] = None) -> AdapterKey:
    return await authenticate(state, secret)


AdapterKeyDep = Annotated[AdapterKey, Depends(adapter_key)]


def require_channel(key: AdapterKey, channel: Channel) -> None:
    """A key posts for its own channel only."""
    if key.channel is not channel:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"this key is bound to channel {key.channel.value!r}, "
                            f"not {channel.value!r}")
