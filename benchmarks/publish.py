"""Publish-to-live time: an editor publishes a change, how long until the portal serves it?

    .venv/bin/python benchmarks/publish.py                  # N = 1,000 and 10,000 services
    .venv/bin/python benchmarks/publish.py --sizes 1000 --runs 9
    .venv/bin/python benchmarks/publish.py --portal-on tmpfs     # PORTAL_DIR in /dev/shm only

For each N, in a throw-away folder (its own SQLite database, data folder and PORTAL_DIR):
1. migrate, and import a synthetic catalogue of N services (benchmarks/build.py's generator:
   the shared Samarinda services cloned with new ids and titles) with `import_catalogue`;
2. start the real `manage.py publish_worker` and let it build the first portal;
3. `runs` times: retitle a different service and publish it through Wagtail's own API
   (`page.save_revision().publish()`, what the editor's "Terbitkan" does), then poll the live
   folder's page until the new title is in it. The time covers the publish itself, the
   queue's quiet period (PUBLISH_DEBOUNCE_SECONDS), the worker's pick-up and the incremental
   update with its atomic switch.
Each size is measured with PORTAL_DIR on disk (the benchmark's folder) and on tmpfs
(/dev/shm): an update either recycles a spare build (few file system calls) or, when none was
retired long enough ago, hard-links every unchanged file into a new folder, where the file
system's metadata speed shows directly. Prints each run, the median, and the worker's own
update durations (catalogue export, build and the build's steps). Goals: median ≤ 1 s at
1,000 services, ≤ 2 s at 10,000. The 2 CPUs are shared, so figures move between runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 120


def synthetic_catalogue(n: int):
    spec = importlib.util.spec_from_file_location("benchmark_build", PROJECT / "benchmarks" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthetic_catalogue(n)


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=PROJECT, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(n: int, folder: Path) -> dict:
    from catalogue import write_content

    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        SANTER_DATA_DIR=str(folder / "data"),
        PORTAL_DIR=str(folder / "portal"),
        LOG_LEVEL="WARNING",
    )
    manage(env, "migrate", "-v0")
    write_content(synthetic_catalogue(n), folder / "content")
    started = time.perf_counter()
    manage(env, "import_catalogue", str(folder / "content"))
    print(f"  import of {n} services: {time.perf_counter() - started:.1f} s", flush=True)
    return env


def child(n: int, runs: int, portal_bases: list[str]) -> None:
    """Runs inside the benchmark's environment (Django set up for the throw-away database)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    django.setup()
    from django.conf import settings

    data = Path(settings.DATA_DIR)
    for index, base in enumerate(portal_bases):
        portal = Path(base or data) / f"santer-bench-portal-{os.getpid()}-{index}"
        label = "tmpfs" if str(portal).startswith("/dev/shm") else "disk"
        print(f"  PORTAL_DIR on {label}: {portal}", flush=True)
        try:
            measure(n, runs, portal, data / f"worker-{index}.log")
        finally:
            for build in [portal, *portal.parent.glob(f".{portal.name}.builds")]:
                subprocess.run(["rm", "-rf", str(build)], check=False)


def wait_for_run(worker, count: int, seconds: float):
    from cms.publishing.models import PublishRun

    started = time.perf_counter()
    while (
        PublishRun.objects.count() < count
        or PublishRun.objects.filter(status=PublishRun.Status.RUNNING).exists()
    ):
        if worker.poll() is not None or time.perf_counter() - started > seconds:
            raise SystemExit("publish_worker stopped or did not finish an update")
        time.sleep(0.01)
    return PublishRun.objects.first()


def wait_for_wagtail_tasks(worker) -> float:
    """The import left Wagtail index tasks in the default queue; measure the steady state after them."""
    from django_tasks import DEFAULT_TASK_QUEUE_NAME
    from django_tasks_db.models import DBTaskResult

    started = time.perf_counter()
    waiting = DBTaskResult.objects.filter(queue_name=DEFAULT_TASK_QUEUE_NAME, status__in=["READY", "RUNNING"])
    while waiting.exists():
        if worker.poll() is not None or time.perf_counter() - started > 3600:
            raise SystemExit("publish_worker stopped before Wagtail's tasks were done")
        time.sleep(1)
    return time.perf_counter() - started


def measure(n: int, runs: int, portal: Path, log_path: Path) -> None:
    from cms.publishing.models import PublishRun
    from cms.publishing.queue import enqueue_update
    from cms.services.models import ServicePage

    enqueue_update(["benchmark: first build"])  # the import's own request is folded into it
    log = open(log_path, "w")  # noqa: SIM115 - open while the worker runs
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "publish_worker", "--no-links"],
        cwd=PROJECT,
        env=dict(os.environ, LOG_LEVEL="INFO", PORTAL_DIR=str(portal)),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        first = wait_for_run(worker, PublishRun.objects.count() + 1, 3600)
        print(f"  first build by the worker: {first.duration_seconds:.1f} s ({first.status})", flush=True)
        drained = wait_for_wagtail_tasks(worker)
        print(
            f"  Wagtail's own tasks of the import (search/reference index) done after {drained:.0f} s",
            flush=True,
        )
        ids = list(ServicePage.objects.order_by("pk").values_list("pk", flat=True))
        step = max(1, len(ids) // runs)
        timings, updates = [], []
        for run in range(runs):
            page = ServicePage.objects.get(pk=ids[(run * step + step // 2) % len(ids)])
            title = f"{page.title.split(' [')[0]} [revisi {run}-{time.monotonic_ns()}]"
            target = portal / "layanan" / page.slug / "index.html"
            count = PublishRun.objects.count()
            t0 = time.perf_counter()
            page.title = title
            page.save_revision().publish()
            while True:
                try:
                    if title.encode() in target.read_bytes():
                        break
                except FileNotFoundError:
                    pass
                if time.perf_counter() - t0 > TIMEOUT_SECONDS:
                    raise SystemExit(f"run {run}: the new title did not reach {target}")
                time.sleep(POLL_SECONDS)
            elapsed = time.perf_counter() - t0
            timings.append(elapsed)
            last = wait_for_run(worker, count + 1, TIMEOUT_SECONDS)
            updates.append(last.duration_seconds)
            print(
                f"  run {run + 1}: {elapsed:.3f} s to live "
                f"(worker update {last.duration_seconds:.3f} s, {last.pages_written} pages written)",
                flush=True,
            )
        log.flush()
        for line in log_path.read_text().splitlines():
            if "portal update" in line and "catalogue" in line:
                head, _, tail = line.split("portal update", 1)[1].partition(" → ")
                steps = tail[tail.find(" (") :] if " (" in tail else ""  # the build's breakdown
                print("   worker:", head.strip() + steps, flush=True)
        goal = 1.0 if n <= 1000 else 2.0
        median = statistics.median(timings)
        where = "tmpfs" if str(portal).startswith("/dev/shm") else "disk"
        verdict = "met" if median <= goal else "NOT met"
        print(
            f"N={n} ({where}): publish-to-live median {median:.3f} s (min {min(timings):.3f}, "
            f"max {max(timings):.3f}); worker update median {statistics.median(updates):.3f} s; "
            f"goal ≤ {goal:.0f} s: {verdict}",
            flush=True,
        )
    finally:
        log.close()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--portal-on",
        nargs="+",
        default=["disk", "tmpfs"],
        choices=["disk", "tmpfs"],
        help="where PORTAL_DIR lives: the benchmark's folder on disk, and/or /dev/shm (tmpfs)",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT))
    os.chdir(PROJECT)
    bases = ["" if where == "disk" else "/dev/shm" for where in args.portal_on]
    if args.child:
        child(args.child, args.runs, bases)
        return
    for n in args.sizes:
        print(f"N = {n}", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"santer-publish-{n}-") as tmp:
            env = prepare(n, Path(tmp))
            subprocess.run(
                [PYTHON, __file__, "--child", str(n), "--runs", str(args.runs)],
                cwd=PROJECT,
                env=env,
                check=True,
            )


if __name__ == "__main__":
    main()
