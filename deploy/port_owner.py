"""Say which process holds a TCP port and how to free it, instead of a bind traceback.

    python3 deploy/port_owner.py PORT [WHAT]   # prints the explanation; exit 1 if held

Standard library only (the shell scripts call it before the virtualenv matters). Reads
/proc/net/tcp{,6} and /proc/<pid>/fd to find the listener, falls back to `ss -ltnp`, and
recognises another checkout's Kafka (kafka.Kafka .../var/kafka/server.properties) or
PostgreSQL (postgres -D .../var/postgres/data) so it can name the command that stops it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LISTEN = "0A"


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    cwd: str | None


def held(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on the port (what a bind would collide with)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return _listening_inodes(port) != set()


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1],
                                                                16) == port:
                inodes.add(fields[9])
    return inodes


def _pids_with(inodes: set[str]) -> list[int]:
    wanted = {f"socket:[{i}]" for i in inodes}
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in wanted for fd in (proc / "fd").iterdir()):
                pids.append(int(proc.name))
        except OSError:
            continue
    return sorted(pids)


def _ss_pids(port: int) -> list[int]:
    if not shutil.which("ss"):
        return []
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True,
                         timeout=10).stdout
    return sorted({int(p) for p in re.findall(r"pid=(\d+)", out)})


def holders(port: int) -> list[Holder]:
    """The processes listening on the port, as far as this user can see them."""
    pids = _pids_with(_listening_inodes(port)) or _ss_pids(port)
    found = []
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            command = " ".join(raw.decode(errors="replace").split("\0")).strip()
        except OSError:
            command = "?"
        try:
            cwd: str | None = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            cwd = None
        found.append(Holder(pid, command, cwd))
    return found


def _checkout_of(path: str) -> str | None:
    """The checkout whose var/ folder a path lies in."""
    parts = Path(path).parts
    return str(Path(*parts[:parts.index("var")])) if "var" in parts[1:] else None


def advice(holder: Holder, port: int, what: str) -> list[str]:
    """How to stop or use what holds the port."""
    cmd = holder.command
    kafka = re.search(r"kafka\.Kafka\s+(\S+server\.properties)", cmd)
    postgres = re.search(r"postgres.*\s-D\s+(\S+)", cmd)
    lines = []
    if kafka:
        checkout = _checkout_of(kafka.group(1))
        lines.append(f"  it is a Kafka broker (config {kafka.group(1)})"
                     + (f" of the checkout {checkout}" if checkout else ""))
        if checkout:
            lines.append(f"  stop it:  (cd {checkout} && deploy/kafka.sh stop)")
        lines.append(f"  or use it: export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{port}")
    elif postgres:
        checkout = _checkout_of(postgres.group(1))
        lines.append(f"  it is a PostgreSQL server (data {postgres.group(1)})"
                     + (f" of the checkout {checkout}" if checkout else ""))
        if checkout:
            lines.append(f"  stop it:  (cd {checkout} && .venv/bin/python deploy/postgres.py "
                         "stop)")
        lines.append(f"  or use it: export DATABASE_URL=postgresql://postgres@127.0.0.1:{port}/"
                     "tanggap")
    if holder.pid is not None:
        lines.append(f"  or end the process: kill {holder.pid}")
    return lines


ALTERNATIVES = {
    "kafka": "TANGGAP_KAFKA_PORT=<free port> TANGGAP_KAFKA_CONTROLLER_PORT=<free port>",
    "postgres": "TANGGAP_POSTGRES_PORT=<free port>",
    "intake": "TANGGAP_INTAKE_PORT=<free port>", "router": "TANGGAP_ROUTER_WEB_PORT=<free port>",
    "sla": "TANGGAP_SLA_WEB_PORT=<free port>", "notifier": "TANGGAP_NOTIFIER_WEB_PORT=<free port>",
}


def explain(port: int, what: str = "this service") -> str:
    """A few lines: which port, what holds it, how to stop it or go around it."""
    lines = [f"{what}: port {port} on 127.0.0.1 is already in use"]
    found = holders(port)
    if not found:
        lines.append("  held by a process this user cannot see; as root: "
                     f"ss -ltnp 'sport = :{port}'  or  lsof -iTCP:{port} -sTCP:LISTEN")
    for holder in found:
        lines.append(f"  held by pid {holder.pid}: {holder.command[:300]}"
                     + (f" (working directory {holder.cwd})" if holder.cwd else ""))
        lines += advice(holder, port, what)
    if what in ALTERNATIVES:
        lines.append(f"  or pick another port: {ALTERNATIVES[what]}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not argv[1].isdigit():
        print("usage: port_owner.py PORT [WHAT]", file=sys.stderr)
        return 2
    port = int(argv[1])
    if not held(port):
        return 0
    print(explain(port, argv[2] if len(argv) > 2 else "this service"), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
