"""`tanggap demo`: post the dev corpus through intake's public API at a gentle rate, so a
newcomer sees the queue, the inbox and the SLA board fill within a minute."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from schemas.enums import Channel

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "complaints-dev.jsonl"
# The corpus names a few channels the way people say them; intake knows them by these.
ALIASES = {"call_center_112": Channel.CALL_CENTER, "media_monitoring": Channel.MEDIA}


def channel_of(name: str) -> Channel:
    return ALIASES.get(name) or Channel(name)


def load(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def submission(item: dict, run: str) -> dict:
    """The corpus line as a channel adapter would post it (no contact data: it is invented)."""
    return {"channel": channel_of(item["channel"]).value,
            "channel_message_id": f"demo-{run}-{item['id']}", "text": item["text"],
            "kecamatan": item.get("kecamatan")}


async def post_corpus(intake_url: str, keys: dict[str, str], items: list[dict], run: str,
                      per_second: float, say: callable) -> dict[str, int]:  # type: ignore[valid-type]
    """Post each item with its channel's key, `per_second` at most; counts by outcome."""
    counts: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=15.0) as http:
        for item in items:
            body = submission(item, run)
            key = keys.get(body["channel"])
            if key is None:
                outcome = f"no key for {body['channel']}"
            else:
                answer = await http.post(f"{intake_url}/v1/complaints", json=body,
                                         headers={"X-API-Key": key})
                outcome = str(answer.status_code)
                if answer.status_code == 202:
                    say(f"{answer.json()['ticket']}  {body['channel']:12} {item['text'][:60]}")
            counts[outcome] = counts.get(outcome, 0) + 1
            await asyncio.sleep(1 / per_second)
    return counts


def read_keys(folder: Path) -> dict[str, str]:
    """Adapter keys, one file per channel (`<channel>.key`), as `make run` writes them."""
    return {p.stem: p.read_text().strip() for p in folder.glob("*.key") if p.read_text().strip()}
