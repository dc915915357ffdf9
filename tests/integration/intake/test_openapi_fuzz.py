"""Schemathesis fuzzes every operation of intake's OpenAPI spec against the running process.

Requests are authorised the way each real client would be (the adapter key of the body's
channel, Meta and X signatures over the exact bytes, the Open311 api_key), so generated
bodies reach the parsers and validation instead of stopping at 401. No answer may be a 5xx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from services.intake.channels.signatures import x_digest
from tests.support.processes import LOGS, ServiceProcess
from tests.unit.intake.samples import META_SECRET, OPEN311_KEY, X_SECRET

POSITIVE_EXAMPLES = 60  # per operation: valid by the spec
NEGATIVE_EXAMPLES = 40  # per operation: deliberately invalid


def authorised(kwargs: dict[str, Any], path: str, keys: dict[str, str]) -> dict[str, Any]:
    """The request as a real client of this operation would send it."""
    headers = dict(kwargs.pop("headers", None) or {})
    if "json" in kwargs:
        body = kwargs.pop("json")
        kwargs["data"] = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
        if path == "/v1/complaints" and isinstance(body, dict):
            headers["X-API-Key"] = keys.get(str(body.get("channel")), keys["web"])
    raw = kwargs.get("data") if isinstance(kwargs.get("data"), bytes) else None
    if path.startswith("/v1/channels/") and raw is not None:
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(
            META_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        headers["x-twitter-webhooks-signature"] = x_digest(X_SECRET, raw)
    if path == "/v1/channels/email":
        headers["X-API-Key"] = keys["email"]
    if path == "/open311/v2/requests.json" and isinstance(kwargs.get("data"), dict):
        kwargs["data"] = {**kwargs["data"], "api_key": OPEN311_KEY}
    kwargs["headers"] = headers
    return kwargs


def fuzz(operation: Any, mode: GenerationMode, examples: int, send: Any) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def run(case: Any) -> None:
        send(case)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # only an operation without parameters or body has no invalid input


def test_no_fuzzed_request_gets_a_server_error(intake: ServiceProcess,
                                                keys: dict[str, str]) -> None:
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    schema = schemathesis.openapi.from_url(f"{intake.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]

    def send(case: Any) -> None:
        kwargs = authorised(case.as_transport_kwargs(base_url=intake.url), case.path, keys)
        response = requests.request(**kwargs, timeout=30)
        cases[f"{case.method} {case.path}"] += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])

    try:
        for operation in operations:
            fuzz(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, send)
            fuzz(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, send)
    finally:
        summary = (f"schemathesis: {sum(cases.values())} cases over {len(cases)} of "
                   f"{len(operations)} operations; statuses {dict(sorted(statuses.items()))}")
        lines = [f"{count:6d}  {label}" for label, count in sorted(cases.items())]
        (LOGS / "schemathesis-intake.txt").write_text("\n".join([summary, *lines]) + "\n")
        print("\n" + summary)
