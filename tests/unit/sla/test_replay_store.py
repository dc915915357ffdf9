"""The SLA replay's in-memory case store gives the keeper what the table would."""

from __future__ import annotations

from services.sla.case_state import CaseState
from services.sla.replay_store import MemoryCaseStore
from services.sla.store import Summary, summarize
from services.sla.transitions import apply
from tests.unit.sla.factories import T0, assigned, policy


async def test_saved_cases_read_back_as_new_objects_with_stable_row_ids() -> None:
    store, rules = MemoryCaseStore("sla-test"), policy()
    case = CaseState("c-1")
    apply(case, assigned("c-1", "dlh", T0 + 0.1234567), rules, T0)
    ids = await store.save_cases([(case, 3, summarize(case, rules)),
                                  (CaseState("c-2"), 1, Summary(None, False, False, False, None))])
    assert ids == {"c-1": 1, "c-2": 2}
    loaded = (await store.load_cases(["c-1", "c-1", "c-9"]))["c-1"]
    assert loaded.case == CaseState.from_json(case.to_json()) and loaded.case is not case
    assert (loaded.id, loaded.partition) == (1, 3)
    due = summarize(case, rules).next_due
    assert due is not None and loaded.summary.next_due == round(due, 6)  # the column's precision
    case.holder = "dinkes"
    assert (await store.save_cases([(case, 0, summarize(case, rules))])) == {"c-1": 1}
    again = await store.load_many([2, 1, 1], [3])  # by id, only the owned partitions
    assert [(s.id, s.partition, s.case.holder) for s in again] == [(1, 3, "dinkes")]
    assert [r async for r in store.due_entries([3])] == [(round(due, 6), 1)]
    assert await store.open_counts([0, 1, 2, 3]) == [("dinkes", 1, 0, 0)]
