"""The tenant's real rule set, compiled once for the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.directory import Directory, load_directory
from services.router.classify import Verdict, classify
from services.router.rules import RuleSet, load_rules

RULES_PATH = Path(__file__).resolve().parents[3] / "tenants" / "ketapang" / "routing.yaml"


@pytest.fixture(scope="session")
def directory() -> Directory:
    return load_directory()


@pytest.fixture(scope="session")
def rules(directory: Directory) -> RuleSet:
    return load_rules(RULES_PATH, directory)


def verdict(rules: RuleSet, text: str, channel: str = "whatsapp", **hints: str) -> Verdict:
    return classify(text, channel, rules, hints.get("kecamatan"), hints.get("category"))
