"""Faust app factory and the guarded batch consume loop every agent uses.

Faust acks a message whose agent raised, so an exception must never escape to Faust:
a record that fails validation goes to the dead-letter topic with its reason; anything
unexpected crashes the process before the offset is committed, and Kafka redelivers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import faust
import mode
from fastapi import APIRouter
from faust.contrib.asgi import serve_asgi

from schemas.topics import TopicSpec
from services.runtime import outage
from services.runtime.batch import AfterSent, BatchHandler, BatchStep, Handler, one_by_one
from services.runtime.crash import crash_process
from services.runtime.kafka_security import faust_broker_credentials
from services.runtime.lag import LagExporter
from services.runtime.producer import EventProducer
from services.runtime.settings import RuntimeSettings
from services.runtime.web import ops_app

log = logging.getLogger(__name__)
__all__ = ["AfterSent", "BatchHandler", "Handler", "StreamService", "crash_process"]


class StreamService:
    """A Faust app with our durable producer, guarded agents and the ops web routes."""

    def __init__(self, name: str, settings: RuntimeSettings, web_port: int,
                 web_host: str | None = None, routers: Sequence[APIRouter] = (),
                 **faust_options: Any) -> None:
        web_host = web_host or settings.web_host
        self.name = name
        self.settings = settings
        outage.configure(settings.database_outage_seconds)
        self.producer = EventProducer(settings, client_id=settings.group(name))
        self.crash: Callable[[BaseException], None] = crash_process
        self.ready = asyncio.Event()  # set once the producer and on_start hooks are up
        self.stopping = False
        self._on_start: list[Callable[[], Awaitable[None]]] = []
        self._on_stop: list[Callable[[], Awaitable[None]]] = []
        # Its own consumer lag as a gauge (tanggap_consumer_lag_records{service,topic}).
        self.lag = LagExporter(settings, name)
        self._on_start.append(self.lag.start)
        self._on_stop.append(self.lag.stop)
        datadir = settings.var_dir / "faust"
        datadir.mkdir(parents=True, exist_ok=True)  # Faust creates the app's folder, not this
        options: dict[str, Any] = {
            "broker": f"kafka://{settings.kafka_bootstrap_servers.replace(',', ';')}",
            "store": "memory://",
            "datadir": str(datadir / "{conf.id}-data"),
            "web_port": web_port,
            "web_bind": web_host,
            "web_host": web_host,
            "web_tables_enabled": False,  # tables may hold personal data
            "topic_disable_leader": True,
            "topic_replication_factor": settings.replication_factor,
            "producer_acks": -1,
            "consumer_auto_offset_reset": "earliest",
            "broker_commit_every": 100,
            "broker_commit_interval": 1.0,
            # On SIGTERM, do not wait for the batch in flight (a notifier retrying a dead
            # webhook could hold the stop for minutes): it is not acked, so it is redelivered
            # after the restart, which every handler is idempotent to.
            "stream_wait_empty": False,
            "broker_session_timeout": settings.session_timeout_seconds,
            "broker_heartbeat_interval": max(1.0, settings.session_timeout_seconds / 5),
            "autodiscover": False,
            "broker_credentials": faust_broker_credentials(settings),
        }
        options.update(faust_options)
        self.app = faust.App(settings.group(name), **options)
        outer = self

        @self.app.service
        class _Resources(mode.Service):  # our producer and hooks start and stop with the worker
            async def on_start(self) -> None:
                await outer.producer.start()
                for hook in outer._on_start:
                    await hook()
                outer.ready.set()

            async def on_stop(self) -> None:
                outer.stopping = True  # a batch cut off by what closes now is not a crash
                for hook in reversed(outer._on_stop):
                    await hook()
                await outer.producer.stop()

        # `routers`: a service's own HTTP routes, served beside /healthz and /metrics.
        serve_asgi(self.app, ops_app(name, routers=routers), host=web_host, port=web_port)

    def on_start(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` at worker start, before any message is handled (open pools here)."""
        self._on_start.append(hook)

    def on_stop(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._on_stop.append(hook)

    def consume(self, spec: TopicSpec, handler: Handler, name: str) -> Any:
        """Register a per-event handler on the batch loop (its outputs are sent per batch)."""
        return self.consume_batch(spec, one_by_one(handler), name)

    def consume_batch(self, spec: TopicSpec, handler: BatchHandler, name: str,
                      after_sent: AfterSent | None = None) -> Any:
        """Register an agent: take a batch, decode, handle, send all it returns, then ack.

        noack_take leaves acking to us (take() would ack a batch whose body raised); no
        filter runs ahead of it, and concurrency stays 1 (faust-streaming #606).
        """
        topic = self.app.topic(self.settings.topic(spec.name), value_serializer="raw",
                               key_serializer="raw")
        step = BatchStep(name, self.name, lambda _: spec, handler, self.producer, after_sent)
        self.lag.topics.append(self.settings.topic(spec.name))

        async def agent(stream: Any) -> None:
            await self.ready.wait()
            manual = stream.noack()
            async for events in manual.noack_take(self.settings.batch_max,
                                                   within=self.settings.batch_within_seconds):
                try:
                    step.producer = self.producer  # tests swap the producer after build
                    await step([event.message for event in events])
                except Exception as exc:  # noqa: BLE001 - anything unexpected must not be acked
                    if self.stopping:  # its clients closed under it: redelivered after restart
                        log.info("%s: batch cut off by the shutdown, not acked: %r", name, exc)
                        return
                    self.crash(exc)
                    raise
                for event in events:  # durable: DB committed, Kafka acknowledged everything
                    await manual.ack(event)

        agent.__name__ = name
        agent.__qualname__ = name
        return self.app.agent(topic, name=name, concurrency=1)(agent)

    def run(self) -> None:
        """Run the worker in this process until SIGTERM/SIGINT."""
        worker = faust.Worker(self.app, loglevel=self.settings.log_level.lower(),
                              override_logging=False)
        worker.execute_from_commandline()
