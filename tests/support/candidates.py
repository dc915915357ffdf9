"""A deliberately changed copy of the tenant's rules and SLA policy, for what-if tests."""

from __future__ import annotations

import shutil
from pathlib import Path

TENANT = Path(__file__).resolve().parents[2] / "tenants" / "ketapang"
MOVED = "  - name: penerangan-perumahan-makam\n    agency: dinas-perkim"


def write_candidate(folder: Path, model_doubts: bool = True) -> Path:
    """Street lighting moves from dinas-perkim to dinas-pupr; the response target becomes 12 h.
    The model learned that lighting is Perkim's and may doubt the moved rule until retrained;
    `model_doubts=False` turns that off in the candidate (it then changes other cases too)."""
    for name in ("routing.yaml", "lexicon.yaml", "places.yaml"):
        shutil.copy(TENANT / name, folder / name)
    shutil.copytree(TENANT / "model", folder / "model", dirs_exist_ok=True)  # the learned part
    routing = (TENANT / "routing.yaml").read_text(encoding="utf-8")
    assert MOVED in routing
    moved = routing.replace(MOVED, MOVED.replace("dinas-perkim", "dinas-pupr"))
    if not model_doubts:
        assert "  overrule: 0.7\n" in moved
        moved = moved.replace("  overrule: 0.7\n", "  overrule: 1.01\n")
    (folder / "routing.yaml").write_text(moved, encoding="utf-8")
    sla = (TENANT / "sla.yaml").read_text(encoding="utf-8")
    assert "  response: 48h " in sla
    (folder / "sla.yaml").write_text(sla.replace("  response: 48h ", "  response: 12h "),
                                     encoding="utf-8")
    return folder
