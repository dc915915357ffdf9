"""Validation errors that name the field and the problem but never echo what was sent."""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


async def validation_failed(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, minus `input` and `ctx`: a rejected phone number or name is personal
    data, and error bodies end up in adapters' logs."""
    assert isinstance(exc, RequestValidationError)
    detail = [{k: v for k, v in error.items() if k in ("type", "loc", "msg")}
              for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(detail)}, status_code=422)
