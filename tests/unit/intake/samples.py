"""Paths and readers of the channel samples under tests/data/channels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHANNELS = Path(__file__).resolve().parents[2] / "data" / "channels"
META_SECRET = "uji-rahasia-aplikasi-meta-2026"
META_VERIFY_TOKEN = "token-verifikasi-aduan-sukamaju"
X_SECRET = "uji-rahasia-konsumen-x-2026"
OPEN311_KEY = "k3y-uji-aplikasi-lapor-sukamaju"
OWN_META = {"17841465820937461", "17841402739518846", "104857362019475", "109283746501928"}
OWN_X = {"1587340096612204545"}
OWN_MAIL = {"aduan@pemkab-sukamaju.example"}


def raw(relative: str) -> bytes:
    return (CHANNELS / relative).read_bytes()


def payload(relative: str) -> Any:
    return json.loads(raw(relative))


def signed_header(relative: str) -> str:
    """The X-Hub-Signature-256 value recorded beside a Meta sample body."""
    for line in raw(relative).decode().splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "x-hub-signature-256":
            return value.strip()
    raise LookupError(f"no signature in {relative}")
