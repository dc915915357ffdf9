"""A steady HTTP load on intake, as a channel adapter posts: paced, retried, every answer kept.

A message is retried with the same channel message id until it gets a 202 (after 503,
a dropped connection or a dead intake), as a real adapter does; its 202s, tickets and the
status codes on the way are recorded, so tests count what was promised, not what was sent.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

TEXTS = ("Jalan kabupaten menuju desa rusak parah banyak lubang, mohon diperbaiki",
         "Sampah di TPS pasar belum diangkut seminggu, bau busuk sampai ke rumah warga",
         "KTP elektronik saya belum jadi padahal sudah rekam tiga bulan di kecamatan",
         "Air PDAM mati dari kemarin di perumahan kami, tolong dicek",
         "Lampu PJU di gang kami mati sudah seminggu, gelap dan rawan",
         "Guru di SD kami sering tidak masuk mengajar, anak-anak pulang cepat",
         "Parit depan rumah tersumbat lumpur, tiap hujan meluap ke jalan",
         "Puskesmas tutup padahal jam buka, warga yang sakit tidak dilayani")


def complaint(run: str, n: int) -> dict[str, object]:
    """A web complaint with a message id unique to (run, n); the number keeps near-duplicate
    linking from treating the corpus as repeats."""
    return {"channel": "web", "channel_message_id": f"load-{run}-{n}",
            "text": f"{TEXTS[n % len(TEXTS)]} (laporan {run}-{n})",
            "reporter": {"name": f"Warga {n}"}}


@dataclass
class Outcome:
    """What happened to one message."""

    n: int
    sent_at: float = 0.0  # monotonic time of the first attempt
    accepted_at: float | None = None  # monotonic time of the first 202
    complaint_id: str | None = None
    tickets: set[str] = field(default_factory=set)  # every ticket any 202 named
    statuses: list[int] = field(default_factory=list)  # 0 = no answer (connection error)
    retry_after: list[str | None] = field(default_factory=list)  # of each 503
    attempts: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, status)
    duplicate: bool | None = None  # the 202 said the case already existed (a retry found it)


@dataclass
class Load:
    """Post `count` complaints at `rate` per second (0: as fast as `concurrency` allows)."""

    url: str
    key: str
    tag: str  # makes message ids unique to this load
    count: int
    rate: float = 0.0
    concurrency: int = 32
    retry_for: float = 300.0  # give a message up after this long without a 202
    duration: float = 0.0  # stop sending new messages after this long (0: send all)
    outcomes: list[Outcome] = field(default_factory=list)
    began: float = 0.0
    ended: float = 0.0

    @property
    def accepted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.accepted_at is not None]

    def statuses(self) -> Counter[int]:
        return Counter(s for o in self.outcomes for s in o.statuses)

    async def _post(self, http: aiohttp.ClientSession, outcome: Outcome) -> None:
        body = complaint(self.tag, outcome.n)
        outcome.sent_at = time.monotonic()
        delay = 0.05
        while time.monotonic() - outcome.sent_at < self.retry_for:
            try:
                async with http.post("/v1/complaints", json=body) as answer:
                    code, headers = answer.status, answer.headers
                    data = await answer.json() if code == 202 else None
            except (aiohttp.ClientError, TimeoutError, ValueError):
                outcome.statuses.append(0)
                outcome.attempts.append((time.monotonic(), 0))
            else:
                outcome.statuses.append(code)
                outcome.attempts.append((time.monotonic(), code))
                if code == 202:
                    outcome.complaint_id = data["complaint_id"]
                    outcome.tickets.add(data["ticket"])
                    outcome.duplicate = bool(data.get("duplicate"))
                    if outcome.accepted_at is None:
                        outcome.accepted_at = time.monotonic()
                    return
                if code == 503:
                    outcome.retry_after.append(headers.get("Retry-After"))
                elif code < 500 and code != 429:
                    return  # refused for good: a test bug, counted by the caller
            await asyncio.sleep(delay)
            delay = min(1.0, delay * 2)

    async def run(self) -> Load:
        # aiohttp, not httpx: httpx spent ~11 ms of CPU per request at 64 in flight here,
        # so the generator, not intake, set the rate; aiohttp spends ~0.3 ms.
        queue: asyncio.Queue[Outcome] = asyncio.Queue(maxsize=2 * self.concurrency)
        async with aiohttp.ClientSession(
                base_url=self.url, headers={"X-API-Key": self.key},
                timeout=aiohttp.ClientTimeout(total=30, connect=5),
                connector=aiohttp.TCPConnector(limit=self.concurrency)) as http:
            async def worker() -> None:
                while True:
                    outcome = await queue.get()
                    try:
                        if self.duration and time.monotonic() - self.began > self.duration:
                            continue  # time is up: this one is never sent
                        await self._post(http, outcome)
                    finally:
                        queue.task_done()

            workers = [asyncio.create_task(worker()) for _ in range(self.concurrency)]
            self.began = time.monotonic()
            for n in range(self.count):
                if self.rate:
                    # Paced from the start, so a stall is followed by a catch-up, not a drift.
                    pause = self.began + n / self.rate - time.monotonic()
                    if pause > 0:
                        await asyncio.sleep(pause)
                if self.duration and time.monotonic() - self.began > self.duration:
                    break
                outcome = Outcome(n)
                self.outcomes.append(outcome)
                await queue.put(outcome)  # bounded: never far ahead of the workers
            await queue.join()
            self.ended = time.monotonic()
            self.outcomes = [o for o in self.outcomes if o.statuses]
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return self

    def progress(self) -> int:
        """How many messages have been accepted so far."""
        return sum(o.accepted_at is not None for o in self.outcomes)


def cpu_seconds(pid: int | None = None) -> float:
    """User plus system CPU time of a process (Linux /proc), this one by default."""
    stat = Path(f"/proc/{pid or os.getpid()}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
