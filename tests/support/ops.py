"""Where the ops validators live (installed by `make setup`), and how to run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VALIDATORS = DEPLOY / "validators"
NODE_MODULES = VALIDATORS / "node_modules"
ASYNCAPI_SPEC = NODE_MODULES / "@asyncapi" / "specs" / "schemas" / "3.0.0-without-$id.json"


def installed(path: Path) -> Path:
    """The path, or a failure that says how to install it (never a skip: CI must run it)."""
    assert path.exists(), f"{path} is missing: run `make setup`"
    return path


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not on PATH: run `make setup`"
    return found


def venv_tool(name: str) -> Path:
    """A console script installed in this test run's virtualenv."""
    return installed(Path(sys.executable).parent / name)


def run(*cmd: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
