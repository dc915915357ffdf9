"""The audit service's HTTP route: a case's timeline as JSON, for operators."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Request, status

from services.audit.access import OperatorDep
from services.audit.lookup import timelines
from services.audit.timeline import to_json

router = APIRouter(prefix="/v1/cases", tags=["audit"])
log = logging.getLogger(__name__)


@router.get("/{reference}/timeline",
            responses={401: {"description": "No operator key, or an unknown one"},
                       404: {"description": "No case with this ticket or complaint id"}})
async def case_timeline(
    request: Request, operator: OperatorDep,
    reference: str = Path(min_length=1, max_length=64, description="Ticket or complaint id"),
) -> dict[str, Any]:
    """Every event of the case in order, read from the log, with a one-line summary each."""
    state = request.app.state
    found = await timelines(reference, state.store, state.reader, state.settings)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {reference!r}")
    log.info("timeline of %s read by operator %s", reference, operator)
    return {"reference": reference, "cases": [to_json(t) for t in found]}
