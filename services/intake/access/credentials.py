"""Secrets that clients present (adapter, agency and operator keys): made and stored alike."""

from __future__ import annotations

import hashlib
import secrets


def hash_secret(secret: str) -> str:
    """The stored form of a key. Keys carry 256 random bits, so an unsalted fast hash cannot
    be reversed, and a request finds its key with one indexed lookup."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    """A fresh key; the prefix says what it is for (tgk_ adapter, tga_ agency)."""
    return prefix + secrets.token_urlsafe(32)
