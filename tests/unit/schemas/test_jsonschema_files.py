"""The committed JSON Schema files are exactly what the models generate."""

from schemas.export import SCHEMA_DIR, drift


def test_committed_json_schemas_match_the_models() -> None:
    drifted = drift()
    assert drifted == [], f"run `tanggap schemas export`; drifted in {SCHEMA_DIR}: {drifted}"
