"""Webhook authenticity: Meta's X-Hub-Signature-256 and X's CRC and signature, over raw bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac

META_SIGNATURE = "X-Hub-Signature-256"
X_SIGNATURE = "x-twitter-webhooks-signature"


def meta_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """`sha256=<hex HMAC-SHA256 of the exact body bytes>`, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def meta_handshake(mode: str | None, token: str | None, challenge: str | None,
                   verify_token: str) -> str | None:
    """The challenge to echo when Meta's GET handshake carries our token, else None."""
    if mode == "subscribe" and token is not None and challenge is not None \
            and hmac.compare_digest(token.encode(), verify_token.encode()):
        return challenge
    return None


def x_digest(secret: str, message: bytes) -> str:
    """`sha256=<base64 HMAC-SHA256>`, the form of X's CRC answer and webhook signature."""
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def x_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(x_digest(secret, body).encode(),
                                                (header or "").strip().encode())
