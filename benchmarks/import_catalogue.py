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
(search and reference index; the goal is none), and after the re-import the revisions, log
entries, portal update requests and tasks it added (the goal is none of each). Prints every
run, the medians and the services per second. Goals: 10,000 services ≤ 60 s and 50,000 ≤ 5 min, linear in N;
re-import ≤ 10 s at 10,000. The 2 CPUs are shared with other people's work, so figures move.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
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
# What an unchanged re-import must not add: revisions, log entries, portal update requests, tasks.
WRITES = (
    "from wagtail.models import PageLogEntry, Revision; "
    "from cms.publishing.models import UpdateRequest; "
    "from django_tasks_db.models import DBTaskResult; "
    "print(Revision.objects.count(), PageLogEntry.objects.count(), UpdateRequest.objects.count(), "
    "DBTaskResult.objects.count())"
)


def manage(args: list[str], env: dict) -> tuple[float, str, float]:
    """Runs manage.py; returns wall seconds, its output and the CPU seconds it used (user + system).

    On a shared machine the wall clock mostly measures the queue for the CPUs; the CPU time of
    the process (not of the PostgreSQL server) moves much less.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(command, cwd=PROJECT, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, done.stdout, cpu


def tasks_left(env: dict) -> int:
    return int(manage(["shell", "-v", "0", "-c", TASKS_LEFT], env)[1].strip().splitlines()[-1])


def written(env: dict) -> list[int]:
    return [
        int(n) for n in manage(["shell", "-v", "0", "-c", WRITES], env)[1].strip().splitlines()[-1].split()
    ]


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
    fresh, again, fresh_cpu, again_cpu = [], [], [], []
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
        wall, _, cpu = manage(["import_catalogue", str(folder), "-v", "0"], env)
        fresh.append(wall)
        fresh_cpu.append(cpu)
        left = tasks_left(env) - before
        counts = written(env)
        wall, _, cpu = manage(["import_catalogue", str(folder), "-v", "0"], env)
        again.append(wall)
        again_cpu.append(cpu)
        added = [b - a for a, b in zip(counts, written(env), strict=True)]
        print(
            f"  {label}, run {run}: import {fresh[-1]:.1f} s ({fresh_cpu[-1]:.1f} s CPU), "
            f"unchanged re-import {again[-1]:.1f} s ({again_cpu[-1]:.1f} s CPU), "
            f"Wagtail tasks left for the worker: {left}; the re-import added revisions, log entries, "
            f"portal update requests, tasks: {added}",
            flush=True,
        )
    print(
        f"{label}: median of {runs}: import {statistics.median(fresh):.1f} s "
        f"(min {min(fresh):.1f}, max {max(fresh):.1f}; CPU {statistics.median(fresh_cpu):.1f} s); "
        f"re-import {statistics.median(again):.1f} s (CPU {statistics.median(again_cpu):.1f} s)",
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
