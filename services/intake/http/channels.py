"""HTTP endpoints of the built-in adapters: Meta webhooks, X, and raw e-mail."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Request, Security, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, SecretStr

from schemas.enums import Channel
from schemas.envelope import utcnow
from services.intake.access.auth import ADAPTER_ERRORS, API_KEY, authenticate, require_channel
from services.intake.cases.accept import accept
from services.intake.cases.amend import apply_amendment, apply_waiting
from services.intake.channels import body_schemas, facebook, instagram, mail, whatsapp, x
from services.intake.channels.body_schemas import json_body
from services.intake.channels.inbound import Inbound
from services.intake.channels.signatures import (
    META_SIGNATURE,
    X_SIGNATURE,
    meta_handshake,
    meta_signature_valid,
    x_digest,
    x_signature_valid,
)
from services.intake.http.complaints import Accepted
from services.intake.metrics import CHANNEL_ITEMS
from services.intake.state import IntakeState, StateDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/channels", tags=["channels"])
SIGNED: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON"},
    401: {"description": "Missing or wrong signature"},
    404: {"description": "The channel is not configured (no secret)"},
    413: ADAPTER_ERRORS[413], 503: ADAPTER_ERRORS[503],
}


class Change(BaseModel):
    """What became of one edit or withdrawal of a channel message."""

    outcome: str  # edited, withdrawn, opened, unchanged, duplicate, pending, unknown
    ticket: str | None = None


class Delivery(BaseModel):
    """What became of one delivery: cases opened or found, changed, items skipped or refused."""

    accepted: list[Accepted]
    ignored: int
    rejected: list[str]
    changed: list[Change] = []


def _secret(value: SecretStr | None, channel: str) -> str:
    if value is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"channel {channel} is not configured")
    return value.get_secret_value()


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"not JSON: {exc}") from None


async def _open_cases(state: IntakeState, inbound: Inbound, channel: str) -> Delivery:
    for reason in inbound.rejected:
        log.warning("%s item refused: %s", channel, reason)
    CHANNEL_ITEMS.labels(channel=channel, outcome="ignored").inc(inbound.ignored)
    CHANNEL_ITEMS.labels(channel=channel, outcome="rejected").inc(len(inbound.rejected))
    now = utcnow()
    accepted = []
    # Answered only once every item is durable: its case (with its deferred look-ups) stored
    # and its events acknowledged by Kafka; a failure before that makes the vendor retry.
    for submission in inbound.submissions:
        case, duplicate = await accept(state, submission, now,
                                       inbound.deferred.get(submission.channel_message_id))
        accepted.append(Accepted.of(case, duplicate))
    # Changes that came before these messages (a revoke first) now apply to their cases.
    changed = [Change(outcome=done.outcome, ticket=done.ticket)
               for done in await apply_waiting(state, inbound.submissions, now)]
    for amendment in inbound.amendments:
        done = await apply_amendment(state, amendment, now)
        changed.append(Change(outcome=done.outcome, ticket=done.ticket))
    return Delivery(accepted=accepted, ignored=inbound.ignored, rejected=inbound.rejected,
                    changed=changed)


class MetaChannel(StrEnum):
    whatsapp = "whatsapp"
    instagram = "instagram"
    facebook = "facebook"


@router.get("/x", responses={404: SIGNED[404]})
async def x_crc(state: StateDep, crc_token: Annotated[str, Query(max_length=200)]
                ) -> dict[str, str]:
    """X's challenge-response check: the token's HMAC under the consumer secret."""
    secret = _secret(state.settings.x_consumer_secret, "x")
    return {"response_token": x_digest(secret, crc_token.encode())}


@router.get("/{channel}", response_class=PlainTextResponse,
            responses={403: {"description": "Wrong verify token or mode"}, 404: SIGNED[404]})
async def meta_handshake_route(
    channel: MetaChannel, state: StateDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=200)] = None,
) -> str:
    """Meta's verification handshake: echo the challenge when the verify token is ours."""
    verify = _secret(state.settings.meta_verify_token, channel.value)
    answer = meta_handshake(mode, token, challenge, verify)
    if answer is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "verification refused")
    return answer


async def _meta_payload(request: Request, state: IntakeState, channel: str) -> Any:
    secret = _secret(state.settings.meta_app_secret, channel)
    body = await request.body()
    if not meta_signature_valid(secret, body, request.headers.get(META_SIGNATURE)):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing or wrong {META_SIGNATURE}")
    return _json(body)


@router.post("/whatsapp", response_model=Delivery, responses=SIGNED,
             openapi_extra=json_body(body_schemas.WHATSAPP))
async def whatsapp_webhook(request: Request, state: StateDep) -> Delivery:
    """WhatsApp Cloud API notifications, signed with the Meta app secret."""
    payload = await _meta_payload(request, state, "whatsapp")
    return await _open_cases(state, whatsapp.parse(payload), "whatsapp")


@router.post("/instagram", response_model=Delivery, responses=SIGNED,
             openapi_extra=json_body(body_schemas.INSTAGRAM))
async def instagram_webhook(request: Request, state: StateDep) -> Delivery:
    """Instagram comments and mentions; a mention's text is read back from the Graph API
    (now, or by the enrichment job when the read fails)."""
    payload = await _meta_payload(request, state, "instagram")
    token = state.settings.meta_access_token
    lookup = instagram.graph_lookup(state.http, state.settings.meta_graph_url,
                                    token.get_secret_value() if token else None)
    # A mention whose look-up fails opens its case without text; the enrichment job reads it
    # later. Refusing the delivery would lose it (and the rest of the POST) once Meta gives up.
    inbound = await instagram.parse(payload, set(state.settings.meta_own_account_ids), lookup)
    return await _open_cases(state, inbound, "instagram")


@router.post("/facebook", response_model=Delivery, responses=SIGNED,
             openapi_extra=json_body(body_schemas.FACEBOOK))
async def facebook_webhook(request: Request, state: StateDep) -> Delivery:
    """Facebook Page feed changes: new comments and visitor posts, edits and removals."""
    payload = await _meta_payload(request, state, "facebook")
    inbound = facebook.parse(payload, set(state.settings.meta_own_account_ids))
    return await _open_cases(state, inbound, "facebook")


@router.post("/x", response_model=Delivery, responses=ADAPTER_ERRORS | {400: SIGNED[400]},
             openapi_extra=json_body(body_schemas.X))
async def x_posts(request: Request, state: StateDep,
                  api_key: Annotated[str | None, Security(API_KEY)] = None) -> Delivery:
    """X API v2 posts forwarded by our puller (API key) or signed like an X webhook."""
    body = await request.body()
    secret = state.settings.x_consumer_secret
    signature = request.headers.get(X_SIGNATURE)
    if not (secret and signature and x_signature_valid(secret.get_secret_value(), body,
                                                       signature)):
        require_channel(await authenticate(state, api_key), Channel.X)
    inbound = x.parse(_json(body), set(state.settings.x_own_account_ids))
    return await _open_cases(state, inbound, "x")


@router.post("/email", response_model=Delivery, responses=ADAPTER_ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {
                 media: {"schema": {"type": "string", "format": "binary"}}
                 for media in ("message/rfc822", "application/octet-stream")}}})
async def email_message(request: Request, state: StateDep,
                        api_key: Annotated[str | None, Security(API_KEY)] = None) -> Delivery:
    """One raw RFC 5322 message, as the mail server's pipe or IMAP fetcher hands it over."""
    require_channel(await authenticate(state, api_key), Channel.EMAIL)
    raw = await request.body()
    if not raw.strip():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "empty message")
    inbound = mail.parse(raw, set(state.settings.email_own_addresses), utcnow())
    return await _open_cases(state, inbound, "email")
