"""WhatsApp media: which downloads a case needs, and Meta's two-step download, checked.

A WhatsApp message carries only a media id. Meta's documented flow: `GET {graph}/{media-id}`
with the access token as a bearer answers `{"url", "mime_type", "sha256", "file_size", "id"}`,
then `GET url` with the same header gives the bytes. The url expires minutes after it was
given, so every attempt asks for it again. Bytes whose sha256 or size differ from what Meta
announced are a failed attempt (retried); a type we do not keep, or a file over the cap, is
refused for good with its reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from schemas.enums import Channel
from schemas.intake import ComplaintSubmission
from services.intake.channels.inbound import Deferred, obj

MEDIA_LOOKUP = "whatsapp_media"
KINDS = {"image", "video", "audio", "document"}
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class MediaFailed(Exception):
    """Worth another try: the Graph API failed, the url expired, the bytes were not Meta's."""


class MediaRefused(Exception):
    """Never worth another try: a type intake does not keep, or a file over the size cap."""


@dataclass(frozen=True)
class MediaInfo:
    url: str
    mime_type: str  # as Meta says it, parameters kept (audio/ogg; codecs=opus)
    sha256: str  # hex
    size: int | None


@dataclass(frozen=True)
class Downloaded:
    info: MediaInfo
    content: bytes
    sha256: str  # of the content, equal to what Meta announced


def downloads_for(submission: ComplaintSubmission) -> tuple[Deferred, ...]:
    """One download per media id of a WhatsApp submission (nothing for other channels)."""
    if submission.channel is not Channel.WHATSAPP:
        return ()
    found: dict[str, Deferred] = {}
    for attachment in submission.attachments:
        media_id = attachment.media_id
        if media_id and attachment.kind in KINDS and media_id not in found:
            found[media_id] = Deferred(MEDIA_LOOKUP, {"media_id": media_id,
                                                      "kind": attachment.kind}, item=media_id)
    return tuple(found.values())


def base_type(mime_type: str) -> str:
    """`audio/ogg; codecs=opus` -> `audio/ogg`."""
    return mime_type.split(";", 1)[0].strip().lower()


def hex_digest(value: Any) -> str | None:
    """A SHA-256 as lowercase hex: Meta's media answer gives hex, its webhooks give base64."""
    if not isinstance(value, str):
        return None
    if _HEX.match(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def _size(value: Any) -> int | None:
    """file_size as Meta sends it: a number, or a numeric string; None if absent or odd."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def media_info(answer: Any, allowed: Collection[str], max_bytes: int) -> MediaInfo:
    """Meta's answer about a media id, checked before anything is downloaded."""
    body = obj(answer)
    url, mime = body.get("url"), body.get("mime_type")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MediaFailed("the Graph API's answer has no download url")
    if not isinstance(mime, str) or not base_type(mime):
        raise MediaFailed("the Graph API's answer has no mime_type")
    if base_type(mime) not in allowed:
        raise MediaRefused(f"mime type {base_type(mime)!r} is not one intake keeps "
                           "(TANGGAP_INTAKE_MEDIA_TYPES)")
    digest = hex_digest(body.get("sha256"))
    if digest is None:
        raise MediaFailed("the Graph API's answer has no usable sha256")
    size = _size(body.get("file_size"))
    if size is not None and size > max_bytes:
        raise MediaRefused(f"{size} bytes, over the cap of {max_bytes} "
                           "(TANGGAP_INTAKE_MEDIA_MAX_BYTES)")
    return MediaInfo(url, mime.strip()[:200], digest, size)


def check_host(url: str, hosts: Collection[str]) -> None:
    """Refuse a download url outside Meta's hosts: our bearer token goes with the request."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not any(host == h or host.endswith("." + h) for h in hosts):
        raise MediaRefused(f"the media url's host {host!r} is not one of Meta's "
                           "(TANGGAP_INTAKE_MEDIA_HOSTS)")


def checked(content: bytes, info: MediaInfo) -> str:
    """The content's sha256 (hex) when it is what Meta announced; MediaFailed otherwise."""
    if info.size is not None and len(content) != info.size:
        raise MediaFailed(f"got {len(content)} bytes where Meta announced {info.size}")
    digest = hashlib.sha256(content).hexdigest()
    if digest != info.sha256:
        raise MediaFailed(f"sha256 mismatch: got {digest[:16]}..., Meta announced "
                          f"{info.sha256[:16]}...")
    return digest


async def download(http: httpx.AsyncClient, graph_url: str, token: str, media_id: str,
                   allowed: Collection[str], max_bytes: int,
                   hosts: Collection[str] = ()) -> Downloaded:
    """Ask the Graph API for a fresh url of the media, fetch it and check the bytes.
    The url must be on one of `hosts` or on the Graph API's own host."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        answer = await http.get(f"{graph_url.rstrip('/')}/{quote(media_id, safe='')}",
                                headers=headers)
        if answer.status_code != 200:
            raise MediaFailed(f"the Graph API answered {answer.status_code} for media "
                              f"{media_id}")
        info = media_info(answer.json(), allowed, max_bytes)
        check_host(info.url, {*(h.lower().lstrip(".") for h in hosts),
                              (urlsplit(graph_url).hostname or "").lower()})
        content = await _fetch(http, info.url, headers, max_bytes)
    except httpx.HTTPError as exc:  # timeouts, refused connections, broken streams
        raise MediaFailed(f"{type(exc).__name__} while downloading media {media_id}: "
                          f"{exc}") from exc
    except ValueError as exc:  # the Graph API's answer is not JSON
        raise MediaFailed(f"the Graph API's answer is not JSON: {exc}") from exc
    return Downloaded(info, content, checked(content, info))


async def _fetch(http: httpx.AsyncClient, url: str, headers: dict[str, str],
                 max_bytes: int) -> bytes:
    """The bytes behind the url, read no further than the cap."""
    async with http.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            raise MediaFailed(f"the media url answered {response.status_code} "
                              "(expired, or refused)")
        declared = _size(response.headers.get("content-length"))
        if declared is not None and declared > max_bytes:
            raise MediaRefused(f"{declared} bytes, over the cap of {max_bytes}")
        chunks, total = [], 0
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > max_bytes:
                raise MediaRefused(f"more than the cap of {max_bytes} bytes")
            chunks.append(chunk)
    return b"".join(chunks)
