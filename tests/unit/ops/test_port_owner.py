"""A port held by another checkout's Kafka or PostgreSQL (or anything) is explained, not a
traceback: which port, which process, how to stop it (deploy/port_owner.py and its callers)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy import port_owner
from tests.support.ops import DEPLOY
from tests.support.processes import free_port

# Holds the port until the fixture kills it (it waits on its stdin, which never closes first).
LISTENER = ("import socket, sys\n"
            "s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen()\n"
            "print('ready', flush=True); sys.stdin.read()\n")


@pytest.fixture
def squatter(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """A dummy listener that looks like another checkout's Kafka broker."""
    port, other = free_port(), tmp_path / "other-checkout"
    config = other / "var" / "kafka" / "server.properties"
    proc = subprocess.Popen([sys.executable, "-c", LISTENER.format(port=port), "kafka.Kafka",
                             str(config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield port, proc.pid, other
    finally:
        proc.kill()
        proc.wait(10)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
    env.update(TANGGAP_VAR=str(tmp_path / "var"), **extra)
    return env


def test_explains_which_process_holds_the_port_and_how_to_stop_it(
        squatter: tuple[int, int, Path]) -> None:
    port, pid, other = squatter
    text = port_owner.explain(port, "kafka")
    assert f"port {port}" in text and f"pid {pid}" in text
    assert f"(cd {other} && deploy/kafka.sh stop)" in text and f"kill {pid}" in text
    assert f"KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{port}" in text


def test_a_free_port_is_not_reported() -> None:
    assert port_owner.main(["port_owner.py", str(free_port()), "kafka"]) == 0


def test_kafka_start_says_who_holds_its_port(squatter: tuple[int, int, Path],
                                             tmp_path: Path) -> None:
    port, pid, _ = squatter
    started = subprocess.run(
        [str(DEPLOY / "kafka.sh"), "start"], capture_output=True, text=True, timeout=60,
        env=_env(tmp_path, TANGGAP_KAFKA_PORT=str(port),
                 TANGGAP_KAFKA_CONTROLLER_PORT=str(free_port())))
    assert started.returncode == 1
    assert f"kafka: port {port}" in started.stderr and f"kill {pid}" in started.stderr
    assert "Traceback" not in started.stderr


def test_postgres_start_says_who_holds_its_port(squatter: tuple[int, int, Path],
                                                tmp_path: Path) -> None:
    port, pid, _ = squatter
    started = subprocess.run(
        [sys.executable, str(DEPLOY / "postgres.py"), "start"], capture_output=True, text=True,
        timeout=60, env=_env(tmp_path, TANGGAP_POSTGRES_PORT=str(port)))
    assert started.returncode == 1
    assert f"postgres: port {port}" in started.stderr and f"pid {pid}" in started.stderr
    assert "Traceback" not in started.stderr
    assert not (tmp_path / "var" / "postgres" / "data").exists()  # nothing was initialised
