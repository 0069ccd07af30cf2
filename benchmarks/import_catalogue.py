"""Import time of the shared catalogue (151 services) into a fresh SQLite database.

    .venv/bin/python benchmarks/import_catalogue.py            # 3 runs
    .venv/bin/python benchmarks/import_catalogue.py --runs 5

Each run, in child processes: `migrate` a new SQLite file (not timed), then time
`manage.py import_catalogue ../shared/catalogue/samarinda` (wall clock, process start
included), then a second import of the same folder (nothing changes: the idempotency
check alone). Prints every run and the medians. The 2 CPUs are shared with other
people's work, so figures move between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared" / "catalogue" / "samarinda"


def manage(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=PROJECT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=SHARED)
    options = parser.parse_args()
    if not (options.folder / "services.json").is_file() and not (options.folder / "services").is_dir():
        sys.exit(f"no catalogue at {options.folder}")

    fresh, again = [], []
    for run in range(1, options.runs + 1):
        with tempfile.TemporaryDirectory(prefix="santer-import-") as tmp:
            env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3", LOG_LEVEL="WARNING")
            manage(["migrate", "--no-input", "-v", "0"], env)
            fresh.append(manage(["import_catalogue", str(options.folder), "-v", "0"], env))
            again.append(manage(["import_catalogue", str(options.folder), "-v", "0"], env))
        print(f"run {run}: fresh database {fresh[-1]:.2f} s, unchanged re-import {again[-1]:.2f} s")
    print(
        f"median of {options.runs}: import into a fresh SQLite database {statistics.median(fresh):.2f} s; "
        f"re-import (no change) {statistics.median(again):.2f} s"
    )


if __name__ == "__main__":
    main()
