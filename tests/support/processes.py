"""Run a service as its own OS process, as in production: start, wait healthy, stop or kill."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

LOGS = Path(__file__).resolve().parents[2] / "var" / "test-logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tanggap_bin() -> str:
    found = shutil.which("tanggap", path=str(Path(sys.executable).parent))
    return found or "tanggap"


class ServiceProcess:
    """One `tanggap serve <name>` process with its own log file under var/test-logs."""

    def __init__(self, name: str, port: int, env: dict[str, str], tag: str = "") -> None:
        self.name = name
        self.port = port
        self.env = env
        self.tag = tag or name
        self.proc: subprocess.Popen[bytes] | None = None
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{self.tag}-{port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60.0) -> ServiceProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([tanggap_bin(), "serve", self.name], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        await self.wait_healthy(timeout)
        return self

    async def wait_healthy(self, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient() as client:
            while True:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                       f"see {self.log_path}")
                try:
                    if (await client.get(f"{self.url}/healthz", timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(
                        f"{self.name} not healthy in {timeout}s; see {self.log_path}")
                await asyncio.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20) -> None:
        stop_all([self], timeout)


def stop_all(procs: Iterable[ServiceProcess], timeout: float = 20) -> None:
    """SIGTERM every process first, then wait: their shutdowns overlap instead of adding up."""
    running = [p for p in procs if p.proc and p.proc.poll() is None]
    for p in running:
        os.killpg(p.proc.pid, signal.SIGTERM)  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    for p in running:
        try:
            p.proc.wait(max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            p.kill()
