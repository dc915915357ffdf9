"""Consumer-group lag (end offset minus committed offset), for `tanggap lag` and a gauge.

`LagExporter` is a background task any service starts beside its consumers, e.g. in a
StreamService: `service.on_start(LagExporter(settings, name).start)`. The gauge is one shared
runtime metric with a `service` label (like tanggap_dead_letters_total), so a single alert
rule watches every service instead of one rule per service's own metric name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import Gauge

from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)

LAG = Gauge("tanggap_consumer_lag_records",
            "Records on a topic that the service's consumer group has not committed yet",
            ["service", "topic"])


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str  # physical name
    partition: int
    committed: int | None  # None: the group never committed here (it starts at the beginning)
    end: int
    lag: int


class LagProbe:
    """An admin client and a group-less consumer that read offsets, nothing else."""

    def __init__(self, settings: RuntimeSettings) -> None:
        self.settings = settings
        self._admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                          **kafka_client_options(settings))
        self._consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                          **kafka_client_options(settings),
                                          group_id=None, enable_auto_commit=False)

    async def __aenter__(self) -> LagProbe:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def groups(self) -> list[str]:
        """This namespace's tanggap consumer groups."""
        start = self.settings.group("")
        listed = await self._admin.list_consumer_groups()
        return sorted({g[0] for g in listed if str(g[0]).startswith(start)})

    async def lag(self, group: str, topics: Sequence[str] = ()) -> list[PartitionLag]:
        """Lag per partition of what the group committed, and of every partition of `topics`."""
        committed = {tp: meta.offset for tp, meta in
                     (await self._admin.list_consumer_group_offsets(group)).items()}
        tps = set(committed)
        if topics:
            for described in await self._admin.describe_topics(list(topics)):
                for p in described["partitions"]:
                    tps.add(TopicPartition(described["topic"], p["partition"]))
        if not tps:
            return []
        ends = await self._consumer.end_offsets(list(tps))
        unstarted = [tp for tp in tps if committed.get(tp, -1) < 0]
        starts = await self._consumer.beginning_offsets(unstarted) if unstarted else {}
        rows = []
        for tp in sorted(tps):
            done = committed.get(tp, -1)
            base = done if done >= 0 else starts[tp]
            rows.append(PartitionLag(group, tp.topic, tp.partition, done if done >= 0 else None,
                                     ends[tp], max(0, ends[tp] - base)))
        return rows

def by_topic(rows: Sequence[PartitionLag], prefix: str) -> dict[str, int]:
    """Lag summed over partitions, by catalogue topic name (the namespace prefix removed)."""
    totals: dict[str, int] = {}
    for row in rows:
        name = row.topic.removeprefix(prefix)
        totals[name] = totals.get(name, 0) + row.lag
    return totals


class LagExporter:
    """Measures the service's own group every `interval` seconds into the shared gauge."""

    def __init__(self, settings: RuntimeSettings, service: str, topics: Sequence[str] = (),
                 interval: float = 10.0) -> None:
        self.settings = settings
        self.service = service
        self.topics = [settings.topic(t) for t in topics]  # catalogue names in
        self.interval = interval
        self.measured = asyncio.Event()  # set after the first measurement (for tests)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"lag:{self.service}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def measure(self, probe: LagProbe) -> dict[str, int]:
        totals = by_topic(await probe.lag(self.settings.group(self.service), self.topics),
                          self.settings.topic_prefix)
        for topic, lag in totals.items():
            LAG.labels(self.service, topic).set(lag)
        self.measured.set()
        return totals

    async def _run(self) -> None:
        # Lag is an observation, never a reason to stop consuming: a failed measurement is
        # logged and retried on the next tick (the broker may be briefly unavailable).
        while True:
            try:
                async with LagProbe(self.settings) as probe:
                    while True:
                        await self.measure(probe)
                        await asyncio.sleep(self.interval)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - see above
                log.warning("lag of %s not measured: %r", self.service, exc)
                await asyncio.sleep(self.interval)
