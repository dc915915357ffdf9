"""Write (or --check) the generated deployment files: the Grafana dashboard and Kafka topics.

    python -m deploy.generate           # rewrite them from the code and the topic catalogue
    python -m deploy.generate --check   # exit 1 naming the files that drifted
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from deploy.grafana import dashboard
from deploy.k8s import generate as k8s


def files() -> dict[Path, Callable[[], str]]:
    """Each generated file and the function that renders it."""
    return {dashboard.DASHBOARD_PATH: dashboard.rendered, **k8s.files()}


def drifted() -> list[str]:
    root = Path(__file__).resolve().parent.parent
    return sorted(str(path.relative_to(root)) for path, render in files().items()
                  if not path.exists() or path.read_text(encoding="utf-8") != render())


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = drifted()
        for name in stale:
            print(f"drifted: {name} (run `python -m deploy.generate`)", file=sys.stderr)
        return 1 if stale else 0
    for path, render in files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
