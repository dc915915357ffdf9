"""A Kafka broker and a PostgreSQL server of a test's own, on free ports and in its own
directory, that the test may kill and restart: never the shared stack other sessions use.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.processes import free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


class OwnStack:
    """deploy/kafka.sh and deploy/postgres.py, pointed elsewhere by their environment."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.kafka_port = free_port()
        self.postgres_port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
        env.update(TANGGAP_VAR=str(var), TANGGAP_KAFKA_PORT=str(self.kafka_port),
                   TANGGAP_KAFKA_CONTROLLER_PORT=str(free_port()),
                   TANGGAP_POSTGRES_PORT=str(self.postgres_port))
        self.env = env

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.postgres_port}/tanggap"

    def _run(self, *command: str) -> None:
        subprocess.run(command, env=self.env, check=True, stdout=subprocess.DEVNULL,
                       timeout=180)

    async def start_kafka(self, timeout: float = 300) -> None:
        """Start the broker and wait until it answers: after a kill -9 its log recovery can
        outlast kafka.sh's own 60 s wait on a loaded machine (the broker keeps starting)."""
        await asyncio.to_thread(subprocess.run, [str(DEPLOY / "kafka.sh"), "start"],
                                env=self.env, check=False, stdout=subprocess.DEVNULL,
                                timeout=180)
        deadline = time.monotonic() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.kafka_port)
                writer.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"own Kafka not up on {self.kafka_port}") from None
                await asyncio.sleep(0.5)

    async def start_postgres(self) -> None:
        await asyncio.to_thread(self._run, sys.executable, str(DEPLOY / "postgres.py"), "start")

    async def stop_postgres(self) -> None:
        await asyncio.to_thread(self._run, sys.executable, str(DEPLOY / "postgres.py"), "stop")

    def kill_kafka(self) -> None:
        """kill -9 of this broker only (its own pid file, never a process found by name)."""
        pid = int((self.var / "kafka" / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    async def start(self) -> OwnStack:
        await asyncio.gather(self.start_kafka(), self.start_postgres())
        return self

    async def stop(self) -> None:
        await asyncio.to_thread(subprocess.run, [str(DEPLOY / "kafka.sh"), "stop"],
                                env=self.env, check=False, stdout=subprocess.DEVNULL)
        await asyncio.to_thread(subprocess.run, [sys.executable, str(DEPLOY / "postgres.py"),
                                                 "stop"], env=self.env, check=False,
                                stdout=subprocess.DEVNULL)
