"""The topic catalogue: names, retention, and where every event type travels."""

from __future__ import annotations

import re

from schemas.directory import load_directory
from schemas.registry import EVENT_TYPES
from schemas.topics import LIFECYCLE, agency_topic, agency_topics, catalogue

NAME = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def test_every_event_type_has_a_lifecycle_topic() -> None:
    carried = {cls for spec in LIFECYCLE for cls in spec.carries}
    assert set(EVENT_TYPES.values()) == carried


def test_each_event_type_lives_on_exactly_one_lifecycle_topic() -> None:
    for cls in EVENT_TYPES.values():
        homes = [s.name for s in LIFECYCLE if cls in s.carries]
        assert len(homes) == 1, (cls.__name__, homes)


def test_lifecycle_topics_keep_events_forever_unless_they_carry_contact_data() -> None:
    for spec in LIFECYCLE:
        if "contact" in spec.description:
            assert 0 < spec.retention_ms <= 7 * 24 * 3600 * 1000, spec.name
        elif spec.name != "notifications.outcomes":
            assert spec.retention_ms == -1, spec.name


def test_names_are_lowercase_dotted_and_unique() -> None:
    names = [s.name for s in catalogue(load_directory())]
    assert len(names) == len(set(names))
    assert all(NAME.match(n) for n in names)


def test_agency_topics_come_from_the_directory() -> None:
    directory = load_directory()
    names = {s.name for s in agency_topics(directory)}
    assert agency_topic("dinas-pupr") in names
    assert agency_topic("kec-sandai") in names
    assert agency_topic("diskominfo") in names
    assert agency_topic("ext-pln") not in names  # external institutions are not assigned
    assert len(names) == len(directory.assignable())


def test_consumed_topics_have_dead_letter_siblings() -> None:
    names = {s.name for s in catalogue(load_directory())}
    assert all(f"{s.name}.dlq" in names for s in LIFECYCLE)
