"""The media monitor: RSS and Atom feeds of local news sites, read with feedparser.

Articles that name the regency, one of its kecamatan or one of its agencies become `media`
submissions, one case per article URL; a changed article (title or summary) is an edit of its
case. The router's negative-news flag takes them on from there.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import yaml

from schemas.directory import Directory
from schemas.enums import Channel
from services.intake.channels.inbound import Inbound
from services.intake.channels.mail import html_to_text
from services.intake.pullers.base import Cursors, PullFailed, Sink

MAX_KEY = 300


def watch_words(directory: Directory, places_file: Path | None) -> list[str]:
    """The regency's name, its kecamatan and its agencies: what makes an article ours."""
    regency = directory.regency.name
    words = [regency, regency.rsplit("Kabupaten", 1)[-1]]  # "Ketapang" alone, as news write
    words += [a.name for a in directory.agencies if getattr(a, "name", None)]
    if places_file and places_file.exists():
        places = yaml.safe_load(places_file.read_text(encoding="utf-8")) or {}
        for entry in (places.get("kecamatan") or {}).values():
            words.append(str(entry.get("name")))
            words += [str(alias) for alias in entry.get("aliases") or []]
    return [w for w in dict.fromkeys(w.strip() for w in words) if len(w) >= 4]


def matcher(words: Iterable[str]) -> re.Pattern[str]:
    """Whole words, case-insensitive: "Ketapang" but not "Ketapangan"."""
    alternatives = sorted({re.escape(w) for w in words if w}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def article_key(link: str) -> str:
    link = link.strip()
    return link if len(link) <= MAX_KEY else "sha256:" + hashlib.sha256(link.encode()).hexdigest()


def _when(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def articles_inbound(content: bytes, source: str, pattern: re.Pattern[str]) -> Inbound:
    """Every article of one feed document that mentions us, as an upsert of its case."""
    feed = feedparser.parse(content)
    if feed.get("bozo") and not feed.get("entries"):
        raise PullFailed(f"not a feed: {feed.get('bozo_exception')!r}"[:300])
    inbound = Inbound()
    outlet = str(feed.feed.get("title") or source)
    for entry in feed.entries:
        with inbound.item(entry.get("link")):
            link = str(entry.get("link") or entry.get("id") or "").strip()
            title = html_to_text(str(entry.get("title") or ""))
            summary = html_to_text(str(entry.get("summary") or ""))
            if not link or not pattern.search(f"{title}\n{summary}"):
                inbound.ignored += 1
                continue
            text = "\n\n".join(p for p in (title, summary, link) if p)
            key = article_key(link)
            opening = Inbound()
            opening.add(channel=Channel.MEDIA, channel_message_id=key, text=text,
                        reporter={"name": str(entry.get("author") or outlet)[:200],
                                  "handle": outlet[:200]},
                        occurred_at=_when(entry), received_by=source[:200],
                        attachments=[{"kind": "link", "url": link[:2000]}])
            inbound.rejected += opening.rejected
            if opening.submissions:
                version = hashlib.sha256(text.encode()).hexdigest()[:32]
                inbound.amend("edit", Channel.MEDIA, key, f"article:{version}", text=text,
                              occurred_at=_when(entry), opens=opening.submissions[0])
    return inbound


class FeedPuller:
    """One feed URL; its cursor is the HTTP validators, so an unchanged feed costs a 304."""

    def __init__(self, name: str, url: str, pattern: re.Pattern[str], http: httpx.AsyncClient,
                 sink: Sink, cursors: Cursors) -> None:
        self.name, self.url, self.pattern = name, url, pattern
        self.http, self.sink, self.cursors = http, sink, cursors

    async def poll_once(self) -> int:
        cursor = await self.cursors.load(self.name)
        headers = {k: v for k, v in (("If-None-Match", cursor.get("etag")),
                                     ("If-Modified-Since", cursor.get("modified"))) if v}
        response = await self.http.get(self.url, headers=headers)
        if response.status_code == 304:
            return 0
        response.raise_for_status()
        inbound = articles_inbound(response.content, self.name, self.pattern)
        await self.sink.submit(self.name, inbound)
        await self.cursors.save(self.name, {"etag": response.headers.get("ETag"),
                                            "modified": response.headers.get("Last-Modified")})
        return len(inbound.amendments)
