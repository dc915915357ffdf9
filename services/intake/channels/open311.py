"""Open311 GeoReport v2: the service list, a form-encoded request as a submission, and views.

The spec gives a request no idempotency key, so the key is a digest of the adapter key and
the request's fields: the same form posted twice (a client's retry) is one case. Answers to
the service's questions (`attribute[CODE]`, lists as `attribute[CODE][]`) are kept, labelled
from the service definition, in the event and in the text the agency reads; a request without
any contact data is anonymous. Checks follow the spec's order: api_key (403), a location
(400), then the service code (404).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError

from schemas.enums import Channel
from schemas.intake import ComplaintSubmission
from services.intake.channels.inbound import first_error
from services.intake.status.projection import open311_status

MAX_DESCRIPTION = 4000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")
CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "account_id", "device_id")


class Open311Error(Exception):
    """A refusal in GeoReport form: HTTP status and a [{code, description}] body."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def body(self) -> list[dict[str, Any]]:
        return [{"code": self.status, "description": self.description}]


@dataclass(frozen=True)
class ServiceCatalogue:
    services: tuple[dict[str, Any], ...]

    @classmethod
    def load(cls, path: Path) -> ServiceCatalogue:
        return cls(tuple(json.loads(path.read_text(encoding="utf-8"))))

    def get(self, code: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s.get("service_code") == code), None)

    def public(self) -> list[dict[str, Any]]:
        """The GET services.json list (attribute definitions are served separately)."""
        return [{k: v for k, v in s.items() if k != "attributes"} for s in self.services]


@dataclass(frozen=True)
class Form:
    fields: dict[str, str]  # the first value of each plain field
    attributes: dict[str, list[str]] = field(default_factory=dict)  # every value, in order


def parse_form(body: bytes) -> Form:
    """A form-encoded body (`+` is a space, UTF-8 percent-encoding, brackets often encoded)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise Open311Error(400, "the form is not UTF-8") from exc
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in pairs:
        match = _ATTRIBUTE.match(name.strip())
        if match:
            if value.strip():
                attributes.setdefault(match.group(1), []).append(normalise(value).strip())
        else:
            fields.setdefault(name, value)
    return Form(fields, attributes)


def form_fields(body: bytes) -> dict[str, str]:
    """The first value of each form field."""
    return parse_form(body).fields


def normalise(text: str) -> str:
    """CRLF and lone CR line ends as LF: browsers send CRLF in a textarea's value."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def answers(attributes: dict[str, list[str]], service: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's answers labelled by the service definition (a list value's key -> its name)."""
    defined = {str(a.get("code")): a for a in service.get("attributes") or []
               if isinstance(a, dict)}
    out = []
    for code, values in list(attributes.items())[:50]:
        definition = defined.get(code, {})
        names = {str(v.get("key")): str(v.get("name")) for v in definition.get("values") or []
                 if isinstance(v, dict) and v.get("key") is not None}
        label = definition.get("description")
        out.append({"code": code[:100], "label": str(label)[:500] if label else None,
                    "values": [names.get(v, v)[:2000] for v in values[:50]]})
    return out


def answers_text(labelled: list[dict[str, Any]]) -> str:
    """The answers as lines the agency reads under the description."""
    return "\n".join(f"- {a['label'] or a['code']}: {', '.join(a['values'])}" for a in labelled)


def submission(fields: dict[str, str], catalogue: ServiceCatalogue,
               key_id: str, attributes: dict[str, list[str]] | None = None
               ) -> ComplaintSubmission:
    """The complaint a POST requests.json makes, or Open311Error with the spec's status."""
    code = fields.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    lat, lon = _coordinate(fields, "lat", 90), _coordinate(fields, "long", 180)
    address = fields.get("address_string", "").strip() or None
    address_id = fields.get("address_id", "").strip() or None
    if (lat is None or lon is None) and not address and not address_id:
        # Before the service code is looked at: GeoReport answers 400 for a missing location.
        raise Open311Error(400, "a location is required: lat and long, address_string or "
                                "address_id")
    service = catalogue.get(code)
    if service is None:
        raise Open311Error(404, f"unknown service_code {code!r}")
    description = normalise(fields.get("description", "")).strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    name = " ".join(p for p in (fields.get("first_name"), fields.get("last_name")) if p) or None
    account = fields.get("account_id") or fields.get("device_id")
    attributes = attributes or {}
    digest = hashlib.sha256(json.dumps([key_id, sorted(
        (k, v) for k, v in fields.items() if k != "api_key")] + (
        [sorted(attributes.items())] if attributes else [])).encode()).hexdigest()
    media = fields.get("media_url", "").strip()
    point = {"lat": lat, "lon": lon, "address": address or address_id} \
        if lat is not None and lon is not None else None
    text = description or str(service.get("service_name", code))
    if point is None:
        text += f"\n\nLokasi: {address or address_id}"
    labelled = answers(attributes, service)
    if labelled:
        text += "\n\n" + answers_text(labelled)
    anonymous = not any(fields.get(f, "").strip() for f in CONTACT_FIELDS)
    try:
        return ComplaintSubmission.model_validate({
            "channel": Channel.OPEN311, "channel_message_id": f"open311:{digest}", "text": text,
            "anonymous": anonymous, "attributes": labelled,
            "reporter": {"name": name, "email": fields.get("email") or None,
                         "phone": fields.get("phone") or None,
                         "handle": account and f"device:{account}"},
            "location": point, "category_hint": code[:64],
            "attachments": [{"kind": "image", "url": media}] if media else [],
        })
    except ValidationError as exc:  # e.g. a name or e-mail longer than the registry keeps
        raise Open311Error(400, first_error(exc)) from None


def _coordinate(fields: dict[str, str], name: str, bound: float) -> float | None:
    raw = fields.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} is not a number") from None
    if not -bound <= value <= bound:
        raise Open311Error(400, f"{name} is out of range")
    return value


def request_view(view: dict[str, Any], catalogue: ServiceCatalogue,
                 agency_name: str | None, notice: str) -> dict[str, Any]:
    """One case as a GeoReport v2 service request; a confidential case shows no description."""
    code = view.get("category_hint")
    service = catalogue.get(code) if code else None
    return {
        "service_request_id": view["ticket"],
        "status": open311_status(view["status"]),
        "status_notes": view.get("last_message"),
        "service_name": service.get("service_name") if service else None,
        "service_code": code,
        "description": None if view["confidential"] else view["description"],
        "agency_responsible": agency_name,
        "service_notice": notice,
        "requested_datetime": _iso(view["received_at"]),
        "updated_datetime": _iso(view["updated_at"]),
        "expected_datetime": _iso(view.get("due_at")),
        "address": view.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": view.get("lat"),
        "long": view.get("lon"),
        "media_url": view.get("media_url"),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
