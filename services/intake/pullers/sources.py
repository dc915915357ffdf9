"""Which pullers run: one entry per source in the file named by TANGGAP_PULLERS_FILE (YAML).

Tokens are never in that file: each source names the environment variable that holds its own.
"""

from __future__ import annotations

import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from schemas.directory import tenant_dir
from schemas.envelope import utcnow
from services.intake.pullers.base import IntakeSink, PgCursors, every
from services.intake.pullers.feeds import FeedPuller, matcher, watch_words
from services.intake.pullers.georeport import GeoReportPuller
from services.intake.pullers.tiktok import TikTokPuller
from services.intake.pullers.xstream import XStreamReader


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    url: str
    interval_seconds: float = Field(default=300.0, gt=0)
    token_env: str | None = None  # the environment variable that holds the token or api_key

    def token(self) -> str:
        value = os.environ.get(self.token_env, "") if self.token_env else ""
        if self.token_env and not value:
            raise ValueError(f"puller {self.name}: {self.token_env} is not set")
        return value


class TikTokSource(Source):
    url: str = "https://business-api.tiktok.com/open_api/v1.3"
    business_id: str


class FeedSource(Source):
    keywords: list[str] = []  # added to the regency's name, kecamatan and agencies


class Pullers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tiktok: list[TikTokSource] = []
    x_stream: list[Source] = []
    open311: list[Source] = []
    feeds: list[FeedSource] = []

    @classmethod
    def load(cls, path: Path | None) -> Pullers:
        if path is None:
            return cls()
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def pullers_for(state: Any) -> list[tuple[str, Coroutine[Any, Any, None]]]:
    """The background coroutines of every configured source, named for their task."""
    conf = state.settings
    sources = Pullers.load(conf.pullers_file)
    sink, cursors, http = IntakeSink(state), PgCursors(state.pool), state.http
    jobs: list[tuple[str, Coroutine[Any, Any, None]]] = []
    for t in sources.tiktok:
        tiktok = TikTokPuller(t.name, t.url, t.business_id, t.token(), http, sink, cursors)
        jobs.append((f"pull:{t.name}", every(t.name, t.interval_seconds, tiktok.poll_once)))
    for s in sources.x_stream:
        reader = XStreamReader(s.name, s.url, s.token(), set(conf.x_own_account_ids), http, sink)
        jobs.append((f"pull:{s.name}", reader.run()))
    for o in sources.open311:
        remote = GeoReportPuller(o.name, o.url, http, sink, cursors, o.token() or None)

        async def poll(remote: GeoReportPuller = remote) -> None:
            await remote.poll_once(utcnow())

        jobs.append((f"pull:{o.name}", every(o.name, o.interval_seconds, poll)))
    places = tenant_dir(conf.tenant, conf.tenants_dir) / "places.yaml"
    words = watch_words(conf.directory(), places) if sources.feeds else []
    for f in sources.feeds:
        feed = FeedPuller(f.name, f.url, matcher(words + f.keywords), http, sink, cursors)
        jobs.append((f"pull:{f.name}", every(f.name, f.interval_seconds, feed.poll_once)))
    return jobs
