"""Passwords (argon2id), signed session cookies and CSRF tokens; no I/O here."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE = "tanggap_konsol"
SIGNIN_SALT = "tanggap-console-signin"
SESSION_SALT = "tanggap-console-session"
FLASH_SALT = "tanggap-console-flash"


class Hasher:
    """argon2id with the library's defaults (RFC 9106 low-memory profile)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Verifying against this when the user does not exist keeps the timing alike.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether the password matches; a missing account costs the same work."""
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False


class Signer:
    """Signs session ids into cookies and derives each session's CSRF token."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._sessions = URLSafeTimedSerializer(secret, salt=SESSION_SALT)
        self._signin = URLSafeTimedSerializer(secret, salt=SIGNIN_SALT)
        self._flash = URLSafeTimedSerializer(secret, salt=FLASH_SALT)

    def cookie(self, session_id: str) -> str:
        return self._sessions.dumps(session_id)

    def session_id(self, cookie: str | None, max_age: int) -> str | None:
        """The session id a cookie carries, or None if it is forged or too old."""
        if not cookie:
            return None
        try:
            value = self._sessions.loads(cookie, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None
        return value if isinstance(value, str) else None

    def csrf(self, session_id: str) -> str:
        """The token every write of this session must carry (form field or X-CSRF-Token)."""
        return hmac.new(self._secret, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_id: str, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf(session_id), presented or "")

    def signin_token(self) -> str:
        """A token for the sign-in form, which has no session yet (against login CSRF)."""
        return self._signin.dumps(secrets.token_urlsafe(8))

    def signin_token_ok(self, token: str | None, max_age: int = 3600) -> bool:
        if not token:
            return False
        try:
            self._signin.loads(token, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return False
        return True


    def flash(self, message: str) -> str:
        """A message for the next page, signed so that nobody can make the console say it."""
        return self._flash.dumps(message)

    def read_flash(self, token: str | None, max_age: int = 300) -> str | None:
        if not token:
            return None
        try:
            value = self._flash.loads(token, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None
        return value if isinstance(value, str) else None


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_password() -> str:
    """A password for a generated account (the demo's, or `users create` without one)."""
    return secrets.token_urlsafe(12)
