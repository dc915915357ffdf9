"""JSON Schema files generated from the models, committed so other languages can read them."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.intake import ComplaintSubmission
from schemas.registry import EVENT_TYPES

SCHEMA_DIR = Path(__file__).parent / "jsonschema"
EXTRA: dict[str, type[BaseModel]] = {"ComplaintSubmission": ComplaintSubmission}


def rendered() -> dict[str, str]:
    """File name to content for every event type and the submission format."""
    models: dict[str, type[BaseModel]] = {**EVENT_TYPES, **EXTRA}
    return {
        f"{name}.json": json.dumps(model.model_json_schema(mode="serialization"), indent=2,
                                   sort_keys=True, ensure_ascii=False) + "\n"
        for name, model in sorted(models.items())
    }


def write(folder: Path = SCHEMA_DIR) -> list[str]:
    """Rewrite the folder's schema files; return their names."""
    folder.mkdir(parents=True, exist_ok=True)
    files = rendered()
    for stale in set(p.name for p in folder.glob("*.json")) - set(files):
        (folder / stale).unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(files)


def drift(folder: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files that differ from what the models generate (or are missing/stale)."""
    files = rendered()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.json")}
    return sorted(n for n in set(files) | set(on_disk) if files.get(n) != on_disk.get(n))
