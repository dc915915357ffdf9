"""HMAC-SHA256 signatures the receiving agency verifies, like Meta's X-Hub-Signature-256."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Tanggap-Signature-256"


def sign(secret: str, body: bytes) -> str:
    """The header value for a body: `sha256=<hex digest>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a received signature header."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)
