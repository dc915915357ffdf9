"""What-if on the dev corpus: a deliberately changed rule names exactly the cases it moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from schemas.directory import load_directory
from services.audit import whatif as w
from services.cli import app
from services.router.rules import load_rules
from services.runtime.settings import RuntimeSettings
from services.sla.policy import load_policy
from tests.support.candidates import write_candidate

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "data" / "complaints-dev.jsonl"
TENANT = ROOT / "tenants" / "ketapang"
START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candidate(tmp_path_factory.mktemp("candidate"))


def recorded() -> list[w.Recorded]:
    lines = [orjson.loads(x) for x in CORPUS.read_text(encoding="utf-8").splitlines() if x]
    return [w.Recorded.from_corpus(x, START + i * timedelta(minutes=10))
            for i, x in enumerate(lines)]


def test_moving_a_category_names_exactly_its_cases(candidate: Path) -> None:
    from services.router.decide import judge

    directory = load_directory("ketapang", TENANT.parent)
    current = load_rules(TENANT / "routing.yaml", directory)
    moved_rules = load_rules(candidate / "routing.yaml", directory)
    cases = recorded()
    report = w.WhatIf()
    decided = w.compare_routing(report, cases, current, moved_rules)
    lighting = {c for c, r in decided.items()
                if r.agency == "dinas-perkim" and r.category == "penerangan-perumahan-makam"}
    assert lighting, "the corpus has street-lighting cases"
    changed = {c["case"]: c for c in report.changed}
    # A street-lighting case moves, unless the model (which learned that lighting is Perkim's
    # and is not retrained here) doubts the moved rule: what-if shows which ones it keeps. A
    # case that was triaged because lighting and roads competed may now be decided; nothing
    # else changes.
    moved = lighting & set(changed)
    by_id = {c.complaint_id: c for c in cases}
    for kept in lighting - moved:
        _, verdict = judge(by_id[kept].text, by_id[kept].channel, moved_rules)
        assert verdict.agency == "dinas-perkim" and verdict.decided_by == "model"
    assert moved and all(c["after"] == "dinas-pupr" for c in report.changed)
    assert all(c["before_disposition"] == "triage" for k, c in changed.items()
               if k not in lighting)
    assert report.row("dinas-perkim").routed_elsewhere == len(moved)
    assert report.triage_after == report.triage_before - (len(changed) - len(moved))


def test_a_shorter_response_target_adds_breaches_and_moves_deadlines(
        candidate: Path) -> None:
    directory = load_directory("ketapang", TENANT.parent)
    current = load_rules(TENANT / "routing.yaml", directory)
    cases = recorded()
    report = w.WhatIf()
    decided = w.compare_routing(report, cases, current, current)
    inputs = w.assignments(cases, decided, current.version)
    now = START + timedelta(hours=30)
    w.compare_sla(report, inputs, load_policy(TENANT / "sla.yaml"),
                  load_policy(candidate / "sla.yaml"), now)
    rows = report.rows.values()
    assert sum(r.breaches_added or 0 for r in rows) > 0
    assert sum(r.breaches_removed or 0 for r in rows) == 0
    pupr = report.row("dinas-pupr")
    assert pupr.median_hours_to_deadline_before == 48.0
    assert pupr.median_hours_change == -36.0


def test_whatif_command_on_the_dev_corpus_prints_a_table_and_csv(
        candidate: Path, tmp_path: Path) -> None:
    out = tmp_path / "whatif.csv"
    result = CliRunner().invoke(app, [
        "whatif", "--since", "2026-11-01", "--until", "2026-11-02", "--corpus", str(CORPUS),
        "--rules", str(candidate), "--sla-policy", str(candidate / "sla.yaml"),
        "--csv", str(out)], env={"TANGGAP_TENANTS_DIR": str(RuntimeSettings().tenants_dir)})
    assert result.exit_code == 0, result.output
    assert "dinas-perkim (assigned) -> dinas-pupr (assigned)" in result.output
    header, *rows = out.read_text(encoding="utf-8").splitlines()
    assert header.startswith("agency,cases_before,cases_after,routed_elsewhere")
    perkim = next(r for r in rows if r.startswith("dinas-perkim,"))
    assert "-> dinas-pupr" in perkim
