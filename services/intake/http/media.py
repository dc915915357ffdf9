"""Stored media of a case: GET /v1/cases/{ticket}/media/{sha256}.

For the center's operators (X-Operator-Key) and for the agency holding the case now (its
`Authorization: Bearer tga_...` key). Any other case, media or agency gets the same 404, so an
answer never tells whether a ticket has media, or whether a sha256 exists elsewhere.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, Security
from fastapi import status as http
from fastapi.responses import Response

from services.intake.answers.keys import bearer_secret, find_agency_key
from services.intake.enrichment import media_store
from services.intake.enrichment.media import base_type
from services.intake.http.operator import OPERATOR_KEY, operator_name
from services.intake.state import StateDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["media"])
INLINE = ("image/", "video/", "audio/")  # shown by a browser; anything else is downloaded
NOT_FOUND = "no such media"


@dataclass(frozen=True)
class Reader:
    operator: str | None = None
    agency: str | None = None

    def may_read(self, holder: str | None) -> bool:
        return self.operator is not None or (self.agency is not None and self.agency == holder)

    def __str__(self) -> str:
        return f"operator {self.operator}" if self.operator else f"agency {self.agency}"


async def media_reader(request: Request, state: StateDep,
                       key: Annotated[str | None, Security(OPERATOR_KEY)] = None,
                       authorization: Annotated[str | None, Header()] = None) -> Reader:
    """An agency by its bearer key, or an operator by X-Operator-Key; 401 without either."""
    secret = bearer_secret(authorization)
    if secret is not None:
        agency = await find_agency_key(state.pool, secret)
        if agency is None:
            raise HTTPException(http.HTTP_401_UNAUTHORIZED, "unknown or revoked agency key",
                                headers={"WWW-Authenticate": "Bearer"})
        return Reader(agency=agency.agency)
    return Reader(operator=await operator_name(request, key))


def headers_for(ticket: str, sha256: str, mime_type: str) -> dict[str, str]:
    """Never cached on the way (citizens' photos), never sniffed or run as a page."""
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'; sandbox"}
    kind = base_type(mime_type)
    if not kind.startswith(INLINE):
        extension = mimetypes.guess_extension(kind) or ""
        headers["Content-Disposition"] = f'attachment; filename="{ticket}-{sha256[:12]}{extension}"'
    return headers


@router.get("/cases/{ticket}/media/{sha256}", response_class=Response, responses={
    200: {"description": "The media's bytes, with its type",
          "content": {"application/octet-stream": {"schema": {"type": "string",
                                                              "format": "binary"}}}},
    401: {"description": "No operator or agency key, or an unknown one"},
    404: {"description": "No such media on a case this key may read"}})
async def case_media(
        state: StateDep, reader: Annotated[Reader, Depends(media_reader)],
        ticket: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9-]+$")],
        sha256: Annotated[str, Path(max_length=64, pattern=r"^[0-9a-fA-F]{64}$")],
) -> Response:
    """A media of a case (by ticket or complaint id) that intake downloaded and stored."""
    found = await media_store.find(state.pool, ticket, sha256.lower())
    if found is None or not reader.may_read(found.holder):
        raise HTTPException(http.HTTP_404_NOT_FOUND, NOT_FOUND)
    log.info("media read complaint_id=%s sha256=%s by %s", found.complaint_id,
             found.sha256[:12], reader)
    return Response(found.content, media_type=found.mime_type,
                    headers=headers_for(found.ticket, found.sha256, found.mime_type))
