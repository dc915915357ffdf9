"""`tanggap console users create|disable|list` against the console's schema."""

from __future__ import annotations

import os
import subprocess

from services.console.settings import ConsoleSettings
from tests.support.processes import tanggap_bin


def tanggap(settings: ConsoleSettings, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([tanggap_bin(), "console", "users", *args], capture_output=True,
                          text=True, env={**os.environ, "DATABASE_URL": settings.database_url,
                                          **env})


def test_users_are_created_bound_listed_and_disabled(console_settings: ConsoleSettings) -> None:
    made = tanggap(console_settings, "create", "cli-dlh", "--role", "agency", "--agency", "dlh")
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.strip()) >= 12  # a generated password, printed once
    unbound = tanggap(console_settings, "create", "cli-x", "--role", "agency")
    assert unbound.returncode == 1 and "bound to an agency" in unbound.stderr
    unknown = tanggap(console_settings, "create", "cli-y", "--role", "agency", "--agency", "nope")
    assert unknown.returncode == 1 and "unknown agency" in unknown.stderr
    again = tanggap(console_settings, "create", "cli-dlh", "--role", "agency", "--agency", "dlh")
    assert again.returncode == 1 and "exists" in again.stderr
    chosen = tanggap(console_settings, "create", "cli-op", "--role", "operator",
                     TANGGAP_CONSOLE_PASSWORD="dipilih-sendiri-123")
    assert chosen.returncode == 0 and chosen.stdout == ""  # nothing secret printed
    assert tanggap(console_settings, "disable", "cli-dlh").returncode == 0
    listed = tanggap(console_settings, "list").stdout
    assert "cli-dlh" in listed and "disabled" in listed and "cli-op" in listed
    assert tanggap(console_settings, "disable", "nobody").returncode == 1
