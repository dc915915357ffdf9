"""The router learns from its operators: assignments on the commands topic train a model that
a shadow run shows would route similar complaints without triage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from schemas.routing import AssignComplaint, ComplaintAssigned, ComplaintTriaged
from schemas.topics import ASSIGNED, COMMANDS, RECEIVED, TRIAGE
from services.runtime.settings import RuntimeSettings
from tests.integration.router.conftest import complaint
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, tanggap_bin
from tests.support.stack import service_env

ROOT = Path(__file__).resolve().parents[3]
# Fishers' complaints: no rule names their matter, so the router sends them to triage, and the
# center's operators give every one of them to the agriculture and fisheries office.
SEEN = ["Nelayan di Kendawangan sudah 3 bulan menunggu bantuan jaring dari pemkab",
        "kami kelompok nelayan Sungai Besar minta pendampingan budidaya kepiting dan udang",
        "mesin tempel bantuan untuk nelayan belum juga dibagikan, padahal sudah didata",
        "nelayan kecil di Kuala Satong susah melaut, jaring rusak semua kena ombak",
        "bantuan perahu untuk nelayan tidak merata, yang dapat itu2 saja",
        "harga ikan tangkapan nelayan anjlok, tengkulak seenaknya menentukan harga",
        "kartu nelayan (kusuka) belum jadi juga padahal sudah daftar setahun lalu"]
NEW = ["nelayan di Pesaguan minta bantuan jaring dan alat tangkap",
       "bantuan mesin tempel nelayan di Kendawangan kapan dibagi? sudah lama didata",
       "kelompok nelayan kami butuh pendampingan budidaya ikan keramba"]


async def _tanggap(prefix: str, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        tanggap_bin(), *args, cwd=ROOT, env=service_env(prefix),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=600)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_operators_assignments_train_a_model_that_routes_similar_complaints(
        stack: RuntimeSettings, router: ServiceProcess, tmp_path: Path) -> None:
    cases = [complaint(text) for text in SEEN]
    ids = {c.complaint_id for c in cases}
    async with Watcher(stack, TRIAGE.name, ASSIGNED.name) as watch:
        await produce(stack, RECEIVED.name, *cases)
        triaged = await watch.wait_event(TRIAGE.name, lambda e: e.complaint_id in ids,
                                         count=len(cases), timeout=120)
        assert all(isinstance(e, ComplaintTriaged) and e.decided_by == "rules" for e in triaged)
        await produce(stack, COMMANDS.name, *[
            AssignComplaint(complaint_id=c.complaint_id, agency="dispertan", operator="siti",
                            note="nelayan: perikanan") for c in cases])
        assigned = await watch.wait_event(ASSIGNED.name, lambda e: e.complaint_id in ids,
                                          count=len(cases), timeout=120)
    assert all(isinstance(e, ComplaintAssigned) and e.decided_by == "operator"
               and e.agency == "dispertan" for e in assigned)

    model = tmp_path / "candidate.json.gz"
    trained = await _tanggap(stack.topic_prefix, "route", "train", "--from-log", "--corpus",
                             "tests/data/complaints-dev.jsonl:1-80", "--folds", "0",
                             "--out", str(model))
    assert f"from log:{stack.topic_prefix}:" in trained, trained
    from_log = int(trained.split(f"from log:{stack.topic_prefix}: ")[1].split()[0])
    assert from_log >= len(SEEN)  # other tests' operators may have assigned cases too

    new = tmp_path / "new.jsonl"
    new.write_bytes(b"".join(orjson.dumps({"id": f"n{i}", "channel": "whatsapp", "text": t})
                             + b"\n" for i, t in enumerate(NEW)))
    shadow = await _tanggap(stack.topic_prefix, "route", "--shadow-model", str(model),
                            str(new))
    summary, *changes = [orjson.loads(line) for line in shadow.splitlines()]
    assert summary["decisions"] == len(NEW) and summary["changed"] == len(NEW), shadow
    # Each side names its rules and its model: the new model's version is in every decision.
    assert summary["candidate"] != summary["current"] and "/m-" in summary["candidate"]
    for change in changes:
        assert change["before"]["disposition"] == "triage", change
        assert change["after"]["disposition"] == "assigned", change
        assert change["after"]["agency"] == "dispertan", change
        assert change["after"]["decided_by"] in ("model", "rules+model"), change
