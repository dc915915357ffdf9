"""schemas/asyncapi.yaml: generated from the catalogue, valid for the official schema and parser."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from schemas import asyncapi
from schemas.directory import load_directory
from schemas.topics import LIFECYCLE, SERVICES, agency_party, catalogue
from services.runtime.deadletter import dead_letter_headers
from tests.support.ops import ASYNCAPI_SPEC, VALIDATORS, installed, load_json, run, tool


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load(asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8"))


def spec_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(load_json(installed(ASYNCAPI_SPEC)))
    return [e.message for e in validator.iter_errors(document)]


def test_committed_document_matches_the_catalogue() -> None:
    assert not asyncapi.drifted(), "run `tanggap schemas export`: schemas/asyncapi.yaml drifted"


def test_every_catalogue_topic_is_a_channel_with_its_operations(doc: dict[str, Any]) -> None:
    topics = catalogue(load_directory())
    assert {c["address"] for c in doc["channels"].values()} == {t.name for t in topics}
    for spec in topics:
        channel = doc["channels"][asyncapi.channel_id(spec.name)]
        kafka = channel["bindings"]["kafka"]
        assert (kafka["partitions"], kafka["topicConfiguration"]["retention.ms"]) == (
            spec.partitions, spec.retention_ms)
        ops = [o for o in doc["operations"].values()
               if o["channel"]["$ref"].endswith("/" + asyncapi.channel_id(spec.name))]
        assert sorted(o["title"] for o in ops) == sorted(
            [f"{p} sends {spec.name}" for p in spec.producers]
            + [f"{p} receives {spec.name}" for p in spec.consumers])


def test_parties_are_services_adapters_or_agencies() -> None:
    directory = load_directory()
    known = {*SERVICES, *map(agency_party, directory.assignable())}
    for spec in catalogue(directory):
        assert set(spec.producers) | set(spec.consumers) <= known, spec.name
    assert all(spec.producers for spec in LIFECYCLE)


def test_component_refs_point_into_components_not_defs() -> None:
    text = asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8")
    assert "#/$defs/" not in text and "prefixItems" not in text


def test_dead_letter_headers_are_the_ones_services_write() -> None:
    written = {name for name, _ in dead_letter_headers("r", "t", 0, 1, "s")}
    assert written == set(asyncapi.DEAD_LETTER_HEADERS)


def test_document_passes_the_official_asyncapi_3_json_schema(doc: dict[str, Any]) -> None:
    assert spec_errors(doc) == []


def test_the_json_schema_rejects_a_2x_style_operation(doc: dict[str, Any]) -> None:
    broken = copy.deepcopy(doc)
    next(iter(broken["operations"].values()))["action"] = "publish"
    assert spec_errors(broken), "the AsyncAPI 3.0 schema accepted action: publish"


def test_official_parser_accepts_the_document_and_rejects_a_broken_ref(tmp_path: Path) -> None:
    text = asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("#/components/schemas/ComplaintReceived",
                                   "#/$defs/ComplaintReceived", 1), encoding="utf-8")
    installed(VALIDATORS / "node_modules" / "@asyncapi" / "parser")
    result = run(tool("node"), VALIDATORS / "validate-asyncapi.mjs", asyncapi.ASYNCAPI_PATH,
                 broken)
    out = result.stdout
    assert f"{asyncapi.ASYNCAPI_PATH}: 0 errors" in out, out + result.stderr
    assert f"{broken}: 1 errors" in out and "invalid-ref" in out, out + result.stderr
    assert result.returncode == 1
