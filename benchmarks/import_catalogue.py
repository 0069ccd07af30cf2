"""Import time of a catalogue of N services into a fresh database, and of its unchanged re-import.

    .venv/bin/python benchmarks/import_catalogue.py                      # shared catalogue, SQLite
    .venv/bin/python benchmarks/import_catalogue.py --sizes 1000 10000   # synthetic catalogues
    .venv/bin/python benchmarks/import_catalogue.py --sizes 10000 \\
        --postgres postgres://santer:santer@127.0.0.1:5439/santer_bench   # and into PostgreSQL

Each run, in child processes: `migrate` a new database (not timed; for PostgreSQL the named
database is dropped and created again), then time `manage.py import_catalogue DIR` (wall
clock, process start included), then a second import of the same folder (nothing changes:
the idempotency check alone). A size given with --sizes is benchmarks/build.py's synthetic
catalogue (the shared Samarinda services cloned with new ids), written as content/ files.
After the import it counts the background tasks left for the worker in Wagtail's queue
(search and reference index; the goal is none). Prints every run, the medians and the
services per second. Goals: 10,000 services ≤ 60 s and 50,000 ≤ 5 min, linear in N;
re-import ≤ 10 s at 10,000. The 2 CPUs are shared with other people's work, so figures move.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared" / "catalogue" / "samarinda"
TASKS_LEFT = (
    "from django_tasks_db.models import DBTaskResult; "
    "print(DBTaskResult.objects.filter(queue_name='default', status='READY').count())"
)


def manage(args: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(command, cwd=PROJECT, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def tasks_left(env: dict) -> int:
    return int(manage(["shell", "-v", "0", "-c", TASKS_LEFT], env)[1].strip().splitlines()[-1])


def fresh_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def write_synthetic(n: int, folder: Path) -> None:
    sys.path.insert(0, str(PROJECT))
    from catalogue import write_content

    spec = importlib.util.spec_from_file_location("benchmark_build", PROJECT / "benchmarks" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    write_content(module.synthetic_catalogue(n), folder)


def measure(label: str, folder: Path, database: str, runs: int, tmp: Path) -> None:
    fresh, again = [], []
    for run in range(1, runs + 1):
        if database.startswith("postgres"):
            fresh_postgres(database)
            url = database
        else:
            db = tmp / f"db-{run}.sqlite3"
            db.unlink(missing_ok=True)
            url = f"sqlite:///{db}"
        env = dict(os.environ, DATABASE_URL=url, SANTER_DATA_DIR=str(tmp / "data"), LOG_LEVEL="WARNING")
        manage(["migrate", "--no-input", "-v", "0"], env)
        before = tasks_left(env)  # the set-up's own (the catalogue root page)
        fresh.append(manage(["import_catalogue", str(folder), "-v", "0"], env)[0])
        left = tasks_left(env) - before
        again.append(manage(["import_catalogue", str(folder), "-v", "0"], env)[0])
        print(
            f"  {label}, run {run}: import {fresh[-1]:.1f} s, unchanged re-import {again[-1]:.1f} s, "
            f"Wagtail tasks left for the worker: {left}",
            flush=True,
        )
    print(
        f"{label}: median of {runs}: import {statistics.median(fresh):.1f} s "
        f"(min {min(fresh):.1f}, max {max(fresh):.1f}); re-import {statistics.median(again):.1f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", help="synthetic catalogues of N services")
    parser.add_argument("--folder", type=Path, default=SHARED, help="without --sizes: this catalogue")
    parser.add_argument("--postgres", help="also import into this PostgreSQL database (dropped first)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    options = parser.parse_args()
    databases = ([] if options.no_sqlite else ["sqlite"]) + ([options.postgres] if options.postgres else [])

    with tempfile.TemporaryDirectory(prefix="santer-import-") as tmp:
        tmp = Path(tmp)
        if options.sizes:
            catalogues = []
            for n in options.sizes:
                write_synthetic(n, tmp / f"content-{n}")
                catalogues.append((f"{n} services", tmp / f"content-{n}"))
        else:
            folder = options.folder
            if not (folder / "services.json").is_file() and not (folder / "services").is_dir():
                sys.exit(f"no catalogue at {options.folder}")
            catalogues = [(options.folder.name, options.folder)]
        for label, folder in catalogues:
            for database in databases:
                kind = "PostgreSQL" if database.startswith("postgres") else "SQLite"
                measure(f"{label}, {kind}", folder, database, options.runs, tmp)


if __name__ == "__main__":
    main()
