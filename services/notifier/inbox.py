"""A stand-in for an agency's webhook endpoint, so `make run` shows deliveries arriving."""

from __future__ import annotations

import os
import sys

from fastapi import FastAPI, Request, Response

from services.notifier.signing import SIGNATURE_HEADER, verify


def create_inbox() -> FastAPI:
    app = FastAPI(title="local agency inbox", docs_url=None, redoc_url=None)
    secret = os.environ.get("TANGGAP_NOTIFIER_WEBHOOK_SECRET")

    @app.post("/hooks/{agency}")
    async def receive(agency: str, request: Request) -> Response:
        body = await request.body()
        if secret and not verify(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return Response(status_code=401)
        sys.stdout.write(f"[inbox {agency}] {body.decode(errors='replace')}\n")
        sys.stdout.flush()
        return Response(status_code=204)

    return app
