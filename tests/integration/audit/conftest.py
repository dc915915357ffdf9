"""One audit service process for the package, with an operator key, and CLI helpers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
from collections.abc import AsyncIterator

import pytest

from services.runtime.settings import RuntimeSettings
from tests.support.processes import ServiceProcess, free_port, tanggap_bin
from tests.support.stack import service_env

OPERATOR_KEY = "tgo_audit-integration-key"
OPERATOR_KEYS = json.dumps({"ani": hashlib.sha256(OPERATOR_KEY.encode()).hexdigest()})


@pytest.fixture(scope="package")
async def audit(stack: RuntimeSettings) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    env = service_env(stack.topic_prefix, TANGGAP_AUDIT_WEB_PORT=str(port),
                      TANGGAP_OPERATOR_KEYS=OPERATOR_KEYS,
                      TANGGAP_AUDIT_LAG_INTERVAL_SECONDS="1")
    proc = ServiceProcess("audit", port, env, tag="it-audit")
    await proc.start()
    try:
        yield proc
    finally:
        proc.stop()


async def tanggap(prefix: str, *args: str, env: dict[str, str] | None = None,
                  timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the tanggap command line in this session's namespace."""
    full = {**os.environ, **service_env(prefix), **(env or {})}
    return await asyncio.to_thread(
        subprocess.run, [tanggap_bin(), *args], env=full, capture_output=True, text=True,
        timeout=timeout)
