"""The AsyncAPI 3.0 document of the event contract, generated from the topic catalogue and models.

Every topic becomes a channel (address, key, partitions, retention, messages) and every party
that writes or reads it an operation, so the file cannot say anything the catalogue does not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from schemas.directory import Directory, load_directory
from schemas.intake import ComplaintSubmission
from schemas.registry import EVENT_TYPES
from schemas.topics import SUBMISSIONS, TopicSpec, catalogue

ASYNCAPI_PATH = Path(__file__).parent / "asyncapi.yaml"
# Component schemas live under components/schemas, not under a root $defs, so that every
# $ref resolves inside an AsyncAPI document.
REF_TEMPLATE = "#/components/schemas/{model}"
KAFKA_BINDING = "0.5.0"
# The headers services/runtime/deadletter.py puts on every dead letter (a test keeps them equal).
DEAD_LETTER_HEADERS = {
    "dlq.reason": "why the record was refused",
    "dlq.source.topic": "the topic it was read from",
    "dlq.source.partition": "its partition there",
    "dlq.source.offset": "its offset there",
    "dlq.service": "the service that refused it",
}
DEAD_LETTER = "DeadLetter"
SUBMISSION = "ComplaintSubmission"
# What the catalogue's key means where it is not the case id (intake never reads this key).
KEY_NOTES = {SUBMISSIONS.name: "the adapter's choice; channel_message_id keeps one message's "
                               "deliveries in order"}
# Dead letters are read by operators with admin tools, not by a catalogue party.
DLQ_READERS = "operators (tanggap tail)"


def channel_id(topic: str) -> str:
    """AsyncAPI channel ids allow letters, digits, '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", topic)


def message_names(spec: TopicSpec) -> list[str]:
    """Component message names a topic carries."""
    if spec.carries:
        return [cls.__name__ for cls in spec.carries]
    return [SUBMISSION] if spec.name == SUBMISSIONS.name else [DEAD_LETTER]


def component_schemas() -> dict[str, Any]:
    """JSON Schemas of every event and the submission format, with component refs."""
    models: list[type[BaseModel]] = [*EVENT_TYPES.values(), ComplaintSubmission]
    _, top = models_json_schema([(m, "serialization") for m in sorted(models, key=_name)],
                                ref_template=REF_TEMPLATE)
    return dict(sorted(top.get("$defs", {}).items()))


def _name(model: type[BaseModel]) -> str:
    return model.__name__


def _key(spec: TopicSpec) -> str:
    return KEY_NOTES.get(spec.name, spec.key)


def _key_schema(specs: list[TopicSpec]) -> dict[str, Any]:
    keys = sorted({_key(s) for s in specs})
    return {"type": "string", "description": "record key: " + " or ".join(keys)
            + " (all events of one case share a partition, so they stay ordered)"}


def _messages(topics: tuple[TopicSpec, ...]) -> dict[str, Any]:
    where: dict[str, list[TopicSpec]] = {}
    for spec in topics:
        for name in message_names(spec):
            where.setdefault(name, []).append(spec)
    messages: dict[str, Any] = {}
    for name, specs in sorted(where.items()):
        if name == DEAD_LETTER:
            messages[name] = {
                "name": name, "title": "Dead letter",
                "summary": "A record its consumer could not accept: the original key and "
                           "bytes, untouched, with why and where from in the headers.",
                "contentType": "application/octet-stream",
                "headers": {"type": "object", "required": sorted(DEAD_LETTER_HEADERS),
                            "properties": {h: {"type": "string", "description": d}
                                           for h, d in sorted(DEAD_LETTER_HEADERS.items())}},
                "payload": {"description": "the refused record's value, byte for byte"},
                "bindings": {"kafka": {"key": {"type": "string",
                                               "description": "the refused record's key"},
                                       "bindingVersion": KAFKA_BINDING}},
            }
            continue
        doc = (EVENT_TYPES.get(_event_type(name)) or ComplaintSubmission).__doc__ or name
        messages[name] = {
            "name": name, "title": name, "summary": " ".join(doc.split()),
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {"kafka": {"key": _key_schema(specs), "bindingVersion": KAFKA_BINDING}},
        }
    return messages


def _event_type(class_name: str) -> str:
    return next((t for t, cls in EVENT_TYPES.items() if cls.__name__ == class_name), "")


def _channel(spec: TopicSpec) -> dict[str, Any]:
    config: dict[str, Any] = {"cleanup.policy": [spec.cleanup_policy],
                              "retention.ms": spec.retention_ms}
    readers = spec.consumers or ((DLQ_READERS,) if DEAD_LETTER in message_names(spec) else ())
    return {
        "address": spec.name,
        "title": spec.name,
        "description": f"{spec.description}. Key: {_key(spec)}. Partitions: {spec.partitions}; "
                       f"retention.ms: {spec.retention_ms} (-1 keeps them forever). "
                       f"Written by {', '.join(spec.producers) or 'nobody yet'}; read by "
                       f"{', '.join(readers) or 'nobody yet (kept for replay)'}.",
        "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in message_names(spec)},
        "bindings": {"kafka": {"topic": spec.name, "partitions": spec.partitions,
                               "topicConfiguration": config, "bindingVersion": KAFKA_BINDING}},
    }


def _operations(topics: tuple[TopicSpec, ...]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for spec in topics:
        cid = channel_id(spec.name)
        for action, parties in (("send", spec.producers), ("receive", spec.consumers)):
            for party in parties:
                op_id = channel_id(f"{party.replace(':', '-')}_{action}s_{spec.name}")
                operations[op_id] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{cid}"},
                    "title": f"{party} {action}s {spec.name}",
                    "tags": [{"name": party}],
                    "messages": [{"$ref": f"#/channels/{cid}/messages/{m}"}
                                 for m in message_names(spec)],
                }
    return operations


def document(directory: Directory | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every catalogue topic of a tenant (default: ketapang)."""
    directory = directory or load_directory()
    topics = catalogue(directory)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "tanggap events",
            "version": "1.0.0",
            "description": "The public-complaint backbone's Kafka contract: plain JSON events "
                           "with a common envelope, one topic per lifecycle step, one assignment "
                           f"topic per agency of {directory.regency.name}. Deployments may put "
                           "a prefix (TANGGAP_TOPIC_PREFIX) before every address. Generated by "
                           "`tanggap schemas export` from schemas/topics.py; do not edit.",
            "license": {"name": "Proprietary"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka",
                      "description": "the broker `make run` starts (no authentication)"},
            "secured": {"host": "kafka-bootstrap:9093", "protocol": "kafka-secure",
                        "description": "a cluster with SASL/SCRAM-SHA-512 over TLS; one "
                                       "principal per service and per agency",
                        "security": [{"$ref": "#/components/securitySchemes/scram"}]},
        },
        "channels": {channel_id(s.name): _channel(s) for s in topics},
        "operations": _operations(topics),
        "components": {
            "messages": _messages(topics),
            "schemas": component_schemas(),
            "securitySchemes": {"scram": {"type": "scramSha512",
                                          "description": "SCRAM-SHA-512 credentials"}},
        },
    }


def rendered(directory: Directory | None = None) -> str:
    """The document as the YAML text committed in schemas/asyncapi.yaml."""
    return "# Generated by `tanggap schemas export`; do not edit by hand.\n" + yaml.safe_dump(
        document(directory), sort_keys=False, allow_unicode=True, width=100)


def write(path: Path = ASYNCAPI_PATH) -> Path:
    path.write_text(rendered(), encoding="utf-8")
    return path


def drifted(path: Path = ASYNCAPI_PATH) -> bool:
    """Whether the committed document differs from what the catalogue generates."""
    return not path.exists() or path.read_text(encoding="utf-8") != rendered()
