"""WhatsApp Cloud API channel: a text message per Meta's send-message request format.

POST {api}/{version}/{phone-number-id}/messages with a Bearer token and
{"messaging_product": "whatsapp", "recipient_type": "individual", "to", "type": "text",
 "text": {"preview_url": false, "body"}}. Meta takes no idempotency key; our delivery id rides
in `biz_opaque_callback_data`, which Meta echoes in the status webhooks, so a resend after a
crash can at least be recognised afterwards. Free-form text only reaches a user within 24 hours
of their last message; outside it Meta answers error 131047 and an approved template is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson
import phonenumbers

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
from services.notifier.metrics import WHATSAPP_TEMPLATES
from services.notifier.settings import WhatsAppTemplate

# Graph API error codes that mean "slow down" or "try later" even on a 400 answer.
RETRYABLE_CODES = {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056}
OUTSIDE_WINDOW = 131047  # "Re-engagement message": more than 24 h since the user wrote
MAX_PARAMETER = 1000  # template body parameters are limited in length, and kept on one line


def wa_id(number: str, region: str = "ID") -> str:
    """International digits without '+', as WhatsApp wants them (0812... -> 62812...)."""
    try:
        parsed = phonenumbers.parse(number, None if number.startswith("+") else region)
    except phonenumbers.NumberParseException as exc:
        raise PermanentFailure(f"not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise PermanentFailure("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def text_message(to: str, body: str, tracking: str,
                 reply_to: str | None = None) -> dict[str, Any]:
    """The documented request body of a text message, quoting the citizen's message if known."""
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
        "type": "text", "text": {"preview_url": False, "body": body},
        "biz_opaque_callback_data": tracking}
    if reply_to and reply_to.startswith("wamid."):
        payload["context"] = {"message_id": reply_to}
    return payload


def one_line(text: str) -> str:
    """A template parameter: no newlines or tabs and no runs of spaces (Meta refuses them)."""
    flat = " ".join(text.replace("*", "").split())
    return flat if len(flat) <= MAX_PARAMETER else flat[: MAX_PARAMETER - 1] + "…"


def template_message(to: str, template: WhatsAppTemplate, message: Message,
                     tracking: str) -> dict[str, Any]:
    """An approved template message; `body` stands for our rendered Indonesian text."""
    values = [one_line(message.body if name == "body" else str(message.context.get(name) or "-"))
              for name in template.parameters]
    body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if values:
        body["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": value} for value in values]}]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "template", "template": body, "biz_opaque_callback_data": tracking}


def graph_error(response: httpx.Response) -> tuple[int | None, str]:
    """The Graph API error code and message of a failed call."""
    try:
        error = orjson.loads(response.content).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        return None, response.text[:300]
    return error.get("code"), str(error.get("message", ""))[:300]


class WhatsAppChannel(Channel):
    name = NotificationChannel.WHATSAPP

    def __init__(self, client: httpx.AsyncClient, api_url: str, version: str,
                 phone_number_id: str, token: str,
                 templates: Mapping[str, WhatsAppTemplate] | None = None) -> None:
        self._client = client
        self._url = f"{api_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self._token = token
        self._templates = dict(templates or {})

    async def send(self, message: Message) -> str | None:
        to = wa_id(message.address)
        payload = text_message(to, message.body, str(message.delivery_id), message.reply_to)
        try:
            return await self._post(payload)
        except ReplyImpossible:
            template = self._templates.get(message.template)
            if template is None:
                raise
        # Outside the customer-service window only an approved template may be sent.
        WHATSAPP_TEMPLATES.labels(template=message.template).inc()
        return await self._post(template_message(to, template, message,
                                                 str(message.delivery_id)))

    async def _post(self, payload: dict[str, Any]) -> str | None:
        try:
            response = await self._client.post(
                self._url, json=payload,
                headers={"Authorization": f"Bearer {self._token}"})
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        if response.is_success:
            messages = orjson.loads(response.content).get("messages") or [{}]
            return messages[0].get("id")
        code, detail = graph_error(response)
        retry_after = parse_retry_after(response.headers.get("Retry-After"), utcnow())
        if code in RETRYABLE_CODES:
            raise TemporaryFailure(f"WhatsApp error {code}: {detail}", retry_after)
        if code == OUTSIDE_WINDOW:
            raise ReplyImpossible(f"WhatsApp error {code}: outside the 24-hour window")
        failure = classify_status(response.status_code, retry_after,
                                  f"WhatsApp error {code}: {detail}")
        assert failure is not None
        raise failure

    async def close(self) -> None:
        await self._client.aclose()
