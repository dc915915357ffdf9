"""Loading routing rules: validation against the directory and a version that tracks content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from schemas.directory import Directory
from services.router.rules import load_rules
from tests.unit.router.conftest import RULES_PATH


def copy_rules(tmp_path: Path) -> Path:
    for name in ("routing.yaml", "lexicon.yaml", "places.yaml"):
        shutil.copy(RULES_PATH.parent / name, tmp_path / name)
    shutil.copytree(RULES_PATH.parent / "model", tmp_path / "model", dirs_exist_ok=True)
    return tmp_path / "routing.yaml"


def test_every_agency_in_the_rules_is_in_the_directory(directory: Directory) -> None:
    rules = load_rules(RULES_PATH, directory)
    agencies = {c.agency for c in rules.categories.values()}
    assert agencies - {"@kecamatan"} <= set(directory.codes())
    assert set(directory.codes("agency", "external")) <= agencies  # every agency reachable


def test_unknown_agency_is_refused(tmp_path: Path, directory: Directory) -> None:
    path = copy_rules(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["categories"][0]["agency"] = "dinas-entah"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ValueError, match="unknown agency dinas-entah"):
        load_rules(path, directory)


def test_version_changes_with_content_even_without_a_bump(tmp_path: Path,
                                                         directory: Directory) -> None:
    path = copy_rules(tmp_path)
    before = load_rules(path, directory).version
    (tmp_path / "lexicon.yaml").write_text(
        (tmp_path / "lexicon.yaml").read_text().replace("  gk: tidak", "  gk: tidak\n  gpp: apa"))
    sub = tmp_path / "v2"
    sub.mkdir()
    for name in ("routing.yaml", "lexicon.yaml", "places.yaml"):
        shutil.copy(tmp_path / name, sub / name)
    shutil.copytree(tmp_path / "model", sub / "model")
    after = load_rules(sub / "routing.yaml", directory).version
    assert before.split("+")[0] == after.split("+")[0] and before != after


def test_a_routing_file_naming_a_missing_model_is_refused(tmp_path: Path,
                                                         directory: Directory) -> None:
    path = copy_rules(tmp_path)
    shutil.rmtree(tmp_path / "model")
    with pytest.raises(ValueError, match="model.file model/router-model.json.gz"):
        load_rules(path, directory)
