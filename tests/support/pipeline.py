"""The four services as real processes on one throw-away database, with a local agency inbox.

Shared by the fault suite (tests/faults) and the pipeline benchmark (bench/pipeline.py): it
knows the services only by their command line, environment, HTTP routes and topics.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path

import asyncpg

from schemas.enums import Channel
from schemas.topics import COMMANDS, NOTIFY_REQUESTS, RECEIVED, RESPONSES, SLA, catalogue
from services.intake.access.adapter_keys import create_key
from services.intake.app import MIGRATIONS as INTAKE_MIGRATIONS
from services.runtime.admin import ensure_topics
from services.runtime.database import connect, migrate
from services.runtime.settings import RuntimeSettings
from tests.support.processes import ServiceProcess, free_port
from tests.support.receiver import Receiver
from tests.support.stack import create_database, drop_database, service_env, wait_for_topics

SERVICES = ("intake", "router", "sla", "notifier")
PORT_VARIABLE = {"intake": "TANGGAP_INTAKE_PORT", "router": "TANGGAP_ROUTER_WEB_PORT",
                 "sla": "TANGGAP_SLA_WEB_PORT", "notifier": "TANGGAP_NOTIFIER_WEB_PORT"}

# Seconds, not days: every stage of a clock fires within a few seconds of its assignment.
# Warnings at 1.5 s and 2.4 s, breach at 3 s, head of agency at once, sekda 1 s later.
SHORT_POLICY = """
version: faults-seconds-1
timezone: Asia/Pontianak
calendars: {always: {kind: round_the_clock}}
defaults:
  calendar: always
  response: 3s
  resolution: 600s
  warnings: [0.5, 0.8]
  escalation:
    - {to: head_of_agency, after: 0s}
    - {to: regional_secretary, after: 1s}
"""
# (type, stage) each response clock emits exactly once under SHORT_POLICY.
SHORT_POLICY_STAGES = (("SlaStarted", None), ("SlaWarning", 0.5), ("SlaWarning", 0.8),
                       ("SlaBreached", None), ("SlaEscalated", 1), ("SlaEscalated", 2))


class Pipeline:
    """intake, router, sla and notifier on `settings`' topic prefix and their own database.

    Webhooks of every agency go to `inbox` (a Receiver); e-mail and WhatsApp are off, so
    what the notifier sends is exactly what the inbox records.
    """

    def __init__(self, settings: RuntimeSettings, inbox: Receiver, policy_dir: Path,
                 name: str, policy: str = SHORT_POLICY, **extra_env: str) -> None:
        self.settings = settings
        self.inbox = inbox
        self.name = name  # database name and log tag
        self.policy_file = policy_dir / f"{name}-sla.yaml"
        self.policy = policy
        self.extra_env = extra_env
        self.database_url = ""
        self.key = ""
        self.procs: dict[str, ServiceProcess] = {}
        self.pool: asyncpg.Pool | None = None  # intake's database, schema intake
        # (service, exit code, monotonic time) of each exit the supervisor saw
        self.exits: list[tuple[str, int | None, float]] = []
        self._supervisor: asyncio.Task[None] | None = None

    def env(self, service: str, port: int) -> dict[str, str]:
        return service_env(
            self.settings.topic_prefix, DATABASE_URL=self.database_url,
            KAFKA_BOOTSTRAP_SERVERS=self.settings.kafka_bootstrap_servers,
            TANGGAP_LOG_LEVEL="WARNING", **{PORT_VARIABLE[service]: str(port)},
            TANGGAP_SLA_POLICY_FILE=str(self.policy_file),
            TANGGAP_NOTIFIER_WEBHOOK_URL=f"{self.inbox.url}/hooks/{{agency}}",
            TANGGAP_NOTIFIER_WEBHOOK_SECRET="uji-rahasia-faults",
            TANGGAP_NOTIFIER_WHATSAPP_PHONE_NUMBER_ID="", TANGGAP_NOTIFIER_SMTP_HOST="",
            TANGGAP_NOTIFIER_BACKOFF_INITIAL_SECONDS="0.1",
            TANGGAP_NOTIFIER_BACKOFF_MAX_SECONDS="1",
            TANGGAP_OUTBOX_SWEEP_SECONDS="2",
            **self.extra_env)

    async def start(self, services: Iterable[str] = SERVICES) -> Pipeline:
        self.policy_file.write_text(self.policy, encoding="utf-8")
        self.database_url = await create_database(self.settings.database_url, self.name)
        await ensure_topics(self.settings, catalogue(self.settings.directory()))
        await wait_for_topics(self.settings, RECEIVED.name, COMMANDS.name, RESPONSES.name,
                              SLA.name, NOTIFY_REQUESTS.name)
        self.pool = await connect(self.database_url, "intake", max_size=4)
        await migrate(self.pool, "intake", INTAKE_MIGRATIONS)
        _, self.key = await create_key(self.pool, Channel.WEB, f"{self.name}-load", 1e9,
                                       10_000_000)
        for service in services:
            port = free_port()
            self.procs[service] = ServiceProcess(service, port, self.env(service, port),
                                                 tag=f"{self.name}-{service}")
        await asyncio.gather(*(p.start(timeout=120) for p in self.procs.values()))
        return self

    @property
    def intake_url(self) -> str:
        return self.procs["intake"].url

    async def restart(self, service: str) -> None:
        """kill -9 and start again on the same port: what a supervisor would do."""
        proc = self.procs[service]
        await asyncio.to_thread(proc.kill)
        await proc.start(timeout=120)

    def supervise(self) -> None:
        """Restart a service that exited, as systemd's Restart=on-failure would, and note it:
        a test that wants services to survive by themselves asserts `exits` is empty."""
        async def watch() -> None:
            while True:
                for name, proc in self.procs.items():
                    if proc.proc is not None and proc.proc.poll() is not None:
                        self.exits.append((name, proc.proc.returncode, time.monotonic()))
                        try:
                            await proc.start(timeout=120)
                        except (RuntimeError, TimeoutError):
                            pass  # still down (its database or broker is): next round
                await asyncio.sleep(0.5)

        self._supervisor = asyncio.create_task(watch())

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in self.procs.values()))
        if self.pool is not None:
            await self.pool.close()
        if self.database_url:
            for attempt in range(3):  # after a database restart the first connection may fail
                try:
                    await drop_database(self.settings.database_url, self.name)
                    break
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    if attempt == 2:
                        raise
                    await asyncio.sleep(1.0)
