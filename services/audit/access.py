"""The operator key check of the audit endpoints: X-Operator-Key against TANGGAP_OPERATOR_KEYS.

Intake checks operators the same way; services never import each other, and the check is a
few lines, so it is repeated here rather than shared.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

OPERATOR_KEY = APIKeyHeader(name="X-Operator-Key", auto_error=False,
                            description="An operator's key (SHA-256 in TANGGAP_OPERATOR_KEYS)")


def operator_for(key: str | None, hashes: Mapping[str, str]) -> str | None:
    """The operator (name -> SHA-256 hex of the key) whose key this is, or None."""
    if not key:
        return None
    presented = hashlib.sha256(key.encode()).hexdigest()
    for name, digest in hashes.items():
        if hmac.compare_digest(digest.lower(), presented):
            return name
    return None


async def operator_name(request: Request,
                        key: Annotated[str | None, Security(OPERATOR_KEY)] = None) -> str:
    """The operator whose key was presented; 401 otherwise."""
    name = operator_for(key, request.app.state.settings.operator_keys)
    if name is None:
        detail = ("an operator key is required in the X-Operator-Key header" if not key
                  else "unknown operator key")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail,
                            headers={"WWW-Authenticate": "ApiKey"})
    return name


OperatorDep = Annotated[str, Depends(operator_name)]
