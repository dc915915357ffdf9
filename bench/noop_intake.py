"""The intake route with PostgreSQL and the Kafka send replaced by no-ops: the baseline.

    python bench/noop_intake.py --port 18123

Same server (uvicorn, one worker, uvloop and httptools when installed, as `tanggap serve
intake`), same body model and validation, same API-key hashing, same masking and event
building and encoding; it answers 202 without a database transaction or a broker round trip.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn  # noqa: E402
from fastapi import FastAPI, Header, HTTPException, status  # noqa: E402

from schemas.codec import encode  # noqa: E402
from schemas.envelope import utcnow  # noqa: E402
from schemas.intake import ComplaintSubmission  # noqa: E402
from services.intake.cases.accept import new_case  # noqa: E402

KEY = "noop-bench-key"
KEY_HASH = hashlib.sha256(KEY.encode()).hexdigest()


def create_app() -> FastAPI:
    app = FastAPI(title="intake no-op baseline")
    counter = iter(range(1, 1 << 62))

    @app.post("/v1/complaints", status_code=status.HTTP_202_ACCEPTED)
    async def post_complaint(submission: ComplaintSubmission,
                             x_api_key: str | None = Header(default=None)) -> dict[str, object]:
        if hashlib.sha256((x_api_key or "").encode()).hexdigest() != KEY_HASH:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked API key")
        n = next(counter)
        plan = new_case(submission, "ketapang", "diskominfo", utcnow()).plan(
            f"c-{uuid.uuid4().hex}", f"KTP-2026-{n:06d}", uuid.uuid4().hex)
        for event in (plan.received, *(e for _, e in plan.follow_ups)):
            encode(event)  # what the producer would put on the wire; then nothing is sent
        return {"complaint_id": plan.received.complaint_id, "ticket": plan.received.ticket,
                "duplicate": False}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_level="warning")
