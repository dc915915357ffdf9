"""`tanggap route`: decisions as JSON Lines, a shadow comparison of two rule files, evaluation."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.router.offline import BadRecord, read_records
from tests.unit.router.conftest import RULES_PATH

INPUT = b"\n".join(orjson.dumps(r) for r in [
    {"id": "a", "channel": "whatsapp", "text": "jln rusak parah di Kec. Sandai"},
    {"id": "b", "channel": "x", "text": "lampu merah di simpang mati"},
    {"id": "c", "channel": "media_monitoring", "text": "Sampah menumpuk di pasar, bau"},
]) + b"\n"


def test_route_prints_one_decision_per_line() -> None:
    result = CliRunner().invoke(app, ["route"], input=INPUT)
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in lines] == ["a", "b", "c"]
    assert lines[0]["agency"] == "dinas-pupr" and lines[0]["kecamatan"] == "kec-sandai"
    assert set(lines[0]) >= {"id", "agency", "kecamatan", "flags", "priority", "confidence",
                             "rules_version"}
    assert "negative_news" in lines[2]["flags"]


def test_shadow_reports_which_decisions_a_candidate_rule_set_changes(tmp_path: Path) -> None:
    for name in ("routing.yaml", "lexicon.yaml", "places.yaml"):
        shutil.copy(RULES_PATH.parent / name, tmp_path / name)
    candidate = tmp_path / "routing.yaml"
    # The candidate drops "lampu merah" from Dishub's vocabulary.
    candidate.write_text(candidate.read_text().replace("strong: [lampu merah, ", "strong: ["))
    result = CliRunner().invoke(app, ["route", "--shadow", str(candidate), "-"], input=INPUT)
    assert result.exit_code == 0, result.output
    summary, *changes = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert summary["decisions"] == 3 and summary["changed"] == 1 == len(changes)
    assert changes[0]["id"] == "b" and changes[0]["before"]["agency"] == "dishub"
    assert "agency" in changes[0]["changed"]


def test_evaluate_prints_the_figures() -> None:
    labelled = orjson.dumps({"id": "a", "channel": "web", "text": "jalan rusak berlubang",
                             "expected_agency": "dinas-pupr", "flags": []}) + b"\n"
    result = CliRunner().invoke(app, ["route", "--evaluate"], input=labelled)
    assert result.exit_code == 0 and "accuracy on non-triaged: 100.0%" in result.stdout


def test_bad_input_names_the_line() -> None:
    with pytest.raises(BadRecord, match="line 2"):
        list(read_records(['{"id": 1, "text": "x"}', "not json"]))
    result = CliRunner().invoke(app, ["route"], input=b'{"text": "no id"}\n')
    assert result.exit_code == 2
