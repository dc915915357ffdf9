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
    shutil.copytree(RULES_PATH.parent / "model", tmp_path / "model")
    candidate = tmp_path / "routing.yaml"
    # The candidate drops "lampu merah" from Dishub's vocabulary, and lets the model no longer
    # fill the gap on its own (it would: it learned that traffic lights are Dishub's).
    candidate.write_text(candidate.read_text().replace("strong: [lampu merah, ", "strong: [")
                         .replace("decide_alone: 0.5", "decide_alone: 1.0")
                         .replace("break_tie: 0.3", "break_tie: 1.0"))
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


def test_shadow_model_shows_what_a_candidate_model_would_change(tmp_path: Path) -> None:
    """A model that learned fishers' complaints routes them; the current one sends them to
    triage. The comparison names who decided, and the version of each side."""
    labelled = tmp_path / "fishers.jsonl"
    labelled.write_bytes(b"\n".join(orjson.dumps(
        {"id": str(i), "text": t, "expected_agency": a}) for i, (t, a) in enumerate([
            ("nelayan minta bantuan jaring dan mesin tempel", "dispertan"),
            ("kelompok nelayan belum dapat bantuan bibit kepiting", "dispertan"),
            ("jaring nelayan rusak, bantuan perahu nelayan tidak merata", "dispertan"),
            ("lampu jalan di gang kami mati", "dinas-perkim"),
            ("lampu penerangan jalan mati di depan masjid", "dinas-perkim")] * 3)) + b"\n")
    out = tmp_path / "candidate.json.gz"
    trained = CliRunner().invoke(app, ["route", "train", "--corpus", str(labelled), "--out",
                                       str(out), "--folds", "0"])
    assert trained.exit_code == 0, trained.output
    assert "15 examples, 2 agencies" in trained.output
    new = orjson.dumps({"id": "n1", "channel": "whatsapp",
                        "text": "nelayan di Pesaguan minta bantuan jaring"}) + b"\n"
    result = CliRunner().invoke(app, ["route", "--shadow-model", str(out), "-"], input=new)
    assert result.exit_code == 0, result.output
    summary, change = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert summary["changed"] == 1 and summary["candidate"] != summary["current"]
    assert change["before"]["disposition"] == "triage"
    assert change["after"]["agency"] == "dispertan"
    assert change["after"]["decided_by"] in ("model", "rules+model")


def test_train_refuses_without_two_agencies(tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_bytes(orjson.dumps({"id": "1", "text": "x", "expected_agency": "dlh"}) + b"\n")
    result = CliRunner().invoke(app, ["route", "train", "--corpus", str(one), "--out",
                                      str(tmp_path / "m.json.gz")])
    assert result.exit_code == 2 and "two agencies" in result.output


def test_evaluate_cross_validates_the_learned_part_on_request(tmp_path: Path) -> None:
    rows = [("nelayan minta bantuan jaring", "dispertan"), ("lampu jalan mati", "dinas-perkim"),
            ("nelayan butuh mesin tempel", "dispertan"), ("lampu jalan padam", "dinas-perkim")]
    labelled = b"".join(orjson.dumps({"id": str(i), "channel": "web", "text": t,
                                      "expected_agency": a, "flags": []}) + b"\n"
                        for i, (t, a) in enumerate(rows * 2))
    result = CliRunner().invoke(app, ["route", "--evaluate", "--folds", "2"], input=labelled)
    assert result.exit_code == 0, result.output
    assert "2-fold cross-validation on 8 examples" in result.output
    assert "rules with model" in result.output and "decided by:" in result.output
