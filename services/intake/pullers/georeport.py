"""Open311 client mode: another GeoReport v2 server's `GET requests.json`, polled since the
newest `updated_datetime` seen. A known request id that comes back updated is an edit of its
case, never a second case; ids may be numbers or strings, fields null or missing, and lat/long
strings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson

from schemas.enums import Channel
from services.intake.channels.inbound import Inbound, iso_time, items, scalar, text_of
from services.intake.channels.open311 import normalise
from services.intake.pullers.base import Cursors, PullFailed, Sink


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def requests_inbound(answer: Any, source: str) -> tuple[Inbound, datetime | None]:
    """Each request once (the latest version when an id repeats), as an upsert of its case."""
    inbound = Inbound()
    if not isinstance(answer, list):
        raise PullFailed("requests.json did not answer a list")
    latest: dict[str, dict[str, Any]] = {}
    newest: datetime | None = None
    for request in items(answer):
        rid = scalar(request.get("service_request_id"))
        if not rid:
            inbound.rejected.append("a request without service_request_id")
            continue
        when = iso_time(request.get("updated_datetime")) or iso_time(
            request.get("requested_datetime"))
        newest = max(newest, when) if newest and when else (when or newest)
        before = latest.get(rid)
        earlier = before and (iso_time(before.get("updated_datetime"))
                              or iso_time(before.get("requested_datetime")))
        if not earlier or when is None or when >= earlier:
            latest[rid] = request  # the same id twice: the newer version wins
    for rid, request in latest.items():
        with inbound.item(rid):
            _request(inbound, source, rid, request)
    return inbound, newest


def _request(inbound: Inbound, source: str, rid: str, request: dict[str, Any]) -> None:
    lat, lon = _number(request.get("lat")), _number(request.get("long"))
    address = text_of(request.get("address"))
    text = normalise(text_of(request.get("description")) or
                     text_of(request.get("service_name")) or "[tanpa keterangan]").strip()
    if (lat is None or lon is None) and address:
        text += f"\n\nLokasi: {address}"
    media = text_of(request.get("media_url"))
    key = f"{source}:{rid}"
    opening = Inbound()
    opening.add(channel=Channel.OPEN311, channel_message_id=key, text=text,
                location={"lat": lat, "lon": lon, "address": address}
                if lat is not None and lon is not None else None,
                category_hint=(scalar(request.get("service_code")) or "")[:64] or None,
                occurred_at=iso_time(request.get("requested_datetime")), received_by=source,
                attachments=[{"kind": "image", "url": media}] if media else [])
    inbound.rejected += opening.rejected
    if opening.submissions:
        version = str(request.get("updated_datetime") or request.get("requested_datetime"))
        inbound.amend("edit", Channel.OPEN311, key, f"{rid}@{version}"[:300], text=text,
                      occurred_at=iso_time(request.get("updated_datetime")),
                      opens=opening.submissions[0])


class GeoReportPuller:
    """One remote server; its cursor is the newest updated_datetime seen."""

    def __init__(self, name: str, url: str, http: httpx.AsyncClient, sink: Sink,
                 cursors: Cursors, api_key: str | None = None,
                 first_window: timedelta = timedelta(days=7)) -> None:
        self.name, self.url = name, url.rstrip("/")
        self.http, self.sink, self.cursors = http, sink, cursors
        self.api_key, self.first_window = api_key, first_window

    async def poll_once(self, now: datetime) -> int:
        cursor = await self.cursors.load(self.name)
        since = iso_time(cursor.get("since")) or now - self.first_window
        params = {"start_date": since.isoformat(), "end_date": now.isoformat()}
        if self.api_key:
            params["api_key"] = self.api_key
        response = await self.http.get(f"{self.url}/requests.json", params=params)
        response.raise_for_status()
        inbound, newest = requests_inbound(orjson.loads(response.content), self.name)
        await self.sink.submit(self.name, inbound)
        if newest and newest > since:
            # The same instant is asked again next time: a request updated within the second
            # is not missed, and one read twice is the same version (no second edit).
            await self.cursors.save(self.name, {"since": newest.isoformat()})
        return len(inbound.amendments)
