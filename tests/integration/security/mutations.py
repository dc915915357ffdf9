"""Mutation check of the personal-data test: re-introduce each leak, the test must fail.

Each mutation is applied to a copy of `services/` and `schemas/` in a temporary folder that
PYTHONPATH puts first (the rest of the checkout linked beside them), so the service processes
run the leaking code while the checkout stays untouched. Not collected by pytest (a run of
the test per mutation): run it by hand, with the stack up,
    python -m tests.integration.security.mutations [NAME ...]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEST = "tests/integration/security/test_personal_data.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    old: str
    new: str


MUTATIONS = [
    Mutation("reporter-name-unmasked", "services/intake/cases/accept.py",
             "names = (submission.reporter.name,) if submission.reporter.name else ()",
             "names = ()"),
    Mutation("submission-dead-letter-unredacted", "services/intake/cases/submissions.py",
             "value=redact_record(record.value)", "value=record.value"),
    Mutation("422-echoes-input", "services/intake/http/errors.py",
             'if k in ("type", "loc", "msg")', 'if k in ("type", "loc", "msg", "input")'),
    Mutation("edit-name-unmasked", "services/intake/cases/amend.py",
             'masked(amendment.text or "", edit_names(case, amendment))',
             'masked(amendment.text or "")'),
    Mutation("facebook-sender-logged", "services/intake/channels/facebook.py",
             "         comment: bool) -> None:\n",
             "         comment: bool) -> None:\n    __import__('logging').getLogger(__name__)"
             ".warning('facebook comment by %s', author.get('name'))\n"),
    Mutation("x-handle-in-text", "services/intake/channels/x.py",
             "channel=Channel.X, channel_message_id=key, text=text,",
             "channel=Channel.X, channel_message_id=key, text=f'{text} (@{username})',"),
    Mutation("tiktok-handle-as-receiver", "services/intake/pullers/tiktok.py",
             "occurred_at=unix_time(created), received_by=business_id,",
             "occurred_at=unix_time(created), received_by=username,"),
]


def run(mutation: Mutation) -> tuple[bool, str]:
    """Apply one mutation to a copy and run the test: (it failed on an assertion, last lines)."""
    with tempfile.TemporaryDirectory(prefix=f"pii-{mutation.name}-") as folder:
        for entry in ROOT.iterdir():  # tenants/ and the rest are found beside the code
            if entry.name in ("services", "schemas"):
                shutil.copytree(entry, Path(folder) / entry.name,
                                ignore=shutil.ignore_patterns("__pycache__"))
            elif entry.name != ".git":
                (Path(folder) / entry.name).symlink_to(entry)
        target = Path(folder) / mutation.path
        source = target.read_text(encoding="utf-8")
        if source.count(mutation.old) != 1:
            return False, f"{mutation.path}: the code to mutate is not there (once)"
        target.write_text(source.replace(mutation.old, mutation.new), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=folder)
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p",
                               "no:cacheprovider", TEST], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
    out = done.stdout + done.stderr
    # Caught means the test's own assertion failed, not that the services would not start.
    caught = done.returncode == 1 and "AssertionError" in out and "ERROR at setup" not in out
    lines = [ln for ln in out.splitlines() if ln.startswith(("E ", "FAILED", "tests/"))]
    return caught, "\n".join(lines[:6])


def main(names: list[str]) -> int:
    chosen = [m for m in MUTATIONS if not names or m.name in names]
    missed = 0
    for mutation in chosen:
        caught, detail = run(mutation)
        missed += not caught
        print(f"{'caught' if caught else 'MISSED'}  {mutation.name}\n{detail}\n", flush=True)
    print(f"{len(chosen) - missed}/{len(chosen)} mutations caught")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
