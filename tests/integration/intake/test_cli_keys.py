"""`tanggap intake keys`: a created key posts for its channel; a revoked one gets 401."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid

import httpx

from tests.support.processes import ServiceProcess, tanggap_bin


async def tanggap(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=database_url)
    return await asyncio.to_thread(subprocess.run, [tanggap_bin(), "intake", "keys", *args],
                                   env=env, capture_output=True, text=True, timeout=60)


async def test_created_key_works_until_revoked(intake: ServiceProcess,
                                               intake_database: str) -> None:
    created = await tanggap(intake_database, "create", "web", "--name", "formulir-web",
                            "--rate", "5", "--burst", "5")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    key_id = created.stderr.split()[1]
    assert key.startswith("tgk_") and key_id.startswith("k-")

    async def post() -> int:
        async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
            answer = await http.post("/v1/complaints", headers={"X-API-Key": key}, json={
                "channel": "web", "channel_message_id": uuid.uuid4().hex, "text": "Lampu mati"})
        return answer.status_code

    assert await post() == 202
    revoked = await tanggap(intake_database, "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert await post() == 401
    listed = await tanggap(intake_database, "list")
    [line] = [ln for ln in listed.stdout.splitlines() if ln.startswith(key_id)]
    assert "formulir-web" in line and "revoked -" not in line
    assert key not in listed.stdout  # only the hash is stored
    assert (await tanggap(intake_database, "revoke", key_id)).returncode == 1
