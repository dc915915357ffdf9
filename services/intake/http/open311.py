"""Open311 GeoReport v2 endpoints: services, requests (POST and GET), one request by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse

from schemas.enums import Channel
from schemas.envelope import utcnow
from services.intake.access.adapter_keys import AdapterKey
from services.intake.access.auth import authenticate
from services.intake.cases.accept import accept
from services.intake.channels import open311
from services.intake.http.complaints import TICKET
from services.intake.state import IntakeState, StateDep
from services.intake.status.store import list_views

router = APIRouter(prefix="/open311/v2", tags=["open311"])
DEFAULT_WINDOW = timedelta(days=90)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FAR = datetime(9999, 1, 1, tzinfo=UTC)
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text} for code, text in (
        (400, "Missing location or a malformed field"), (403, "Wrong or missing api_key"),
        (404, "Unknown service_code"), (413, "The body is larger than the configured limit"),
        (429, "The key's rate limit is exceeded"))}
FORM_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
        name: {"type": "string"} for name in (
            "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string",
            "address_id", "email", "device_id", "account_id", "first_name", "last_name",
            "phone", "description", "media_url")}, "required": ["api_key", "service_code"]}}}}}


def _refusal(error: open311.Open311Error) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


@router.get("/services.json")
async def services(state: StateDep) -> list[dict[str, Any]]:
    """The service codes a request may name."""
    return state.services.public()


@router.get("/services/{service_code}.json", responses={404: ERRORS[404]})
async def service_definition(service_code: str, state: StateDep) -> dict[str, Any]:
    service = state.services.get(service_code)
    if service is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown service_code {service_code!r}")
    return {"service_code": service_code, "attributes": service.get("attributes", [])}


async def _open311_key(state: IntakeState, api_key: str) -> AdapterKey:
    """The spec answers 403 for a wrong or missing api_key; our limits still apply."""
    try:
        key = await authenticate(state, api_key or None)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_401_UNAUTHORIZED:
            raise open311.Open311Error(403, "api_key is missing or not accepted") from None
        raise
    if key.channel is not Channel.OPEN311:
        raise open311.Open311Error(403, "api_key is not an Open311 key")
    return key


@router.post("/requests.json", responses=ERRORS, openapi_extra=FORM_BODY)
async def post_request(request: Request, state: StateDep) -> Any:
    """File a service request (form-encoded, as GeoReport v2 clients send it)."""
    try:
        form = open311.parse_form(await request.body())
        fields = form.fields
        key = await _open311_key(state, fields.get("api_key", ""))
        submission = open311.submission(fields, state.services, key.key_id, form.attributes)
    except open311.Open311Error as error:
        return _refusal(error)
    case, _ = await accept(state, submission, utcnow())
    return [{"service_request_id": case.ticket,
             "service_notice": state.settings.open311_service_notice,
             "account_id": fields.get("account_id") or None}]


def _views(state: IntakeState, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    directory = state.settings.directory()
    notice = state.settings.open311_service_notice
    out = []
    for row in rows:
        agency = directory.get(row["agency"]) if row.get("agency") else None
        out.append(open311.request_view(row, state.services, agency.name if agency else None,
                                        notice))
    return out


@router.get("/requests.json", responses={400: ERRORS[400]})
async def get_requests(
    state: StateDep,
    service_request_id: Annotated[str | None, Query(max_length=2000, pattern=r"^[\w,\s-]*$")]
    = None,
    service_code: Annotated[str | None, Query(max_length=64, pattern=r"^[\w.-]*$")] = None,
    start_date: datetime | None = None, end_date: datetime | None = None,
    request_status: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")]
    = None,
) -> list[dict[str, Any]]:
    """Public list of requests (at most 1,000, within 90 days); confidential ones only by id."""
    tickets = [t.strip() for t in service_request_id.split(",") if t.strip()][:1000] \
        if service_request_id else None
    if tickets:  # the spec ignores the other filters when ids are given
        rows = await list_views(state.pool, tickets, None, None, EPOCH, FAR, 1000)
        return _views(state, rows)
    end = _aware(end_date) or utcnow() + timedelta(seconds=1)
    try:
        start = _aware(start_date) or end - DEFAULT_WINDOW
    except OverflowError:  # an end date in year 1
        start = EPOCH
    if end - start > DEFAULT_WINDOW or start > end:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            "start_date and end_date must span at most 90 days, in order")
    closed = None if request_status is None else request_status == "closed"
    rows = await list_views(state.pool, None, service_code, closed, start, end, 1000)
    return _views(state, rows)


@router.get("/requests/{service_request_id}.json", responses={404: ERRORS[404]})
async def get_request(service_request_id: Annotated[str, Path(max_length=32, pattern=TICKET)],
                      state: StateDep) -> list[dict[str, Any]]:
    """One request by its id (our ticket number)."""
    rows = await list_views(state.pool, [service_request_id], None, None, EPOCH, FAR, 1)
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no request {service_request_id!r}")
    return _views(state, rows)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value
