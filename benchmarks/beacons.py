"""Search-report beacons under load while the portal is served: do portal pages slow down?

    .venv/bin/python benchmarks/beacons.py                  # 30 s each: portal alone, portal + beacons
    .venv/bin/python benchmarks/beacons.py --rounds 3       # alternate, print medians
    .venv/bin/python benchmarks/beacons.py --seconds 10 --beacon-clients 100   # a quick look
    .venv/bin/python benchmarks/beacons.py --feedback-clients 50   # page-feedback answers too
    .venv/bin/python benchmarks/beacons.py --front nginx    # the production recipe (deploy/)

One gunicorn as the README runs it (cms/gunicorn.conf.py, the demo catalogue's portal, a SQLite
database in a temporary folder). wrk asks for a service page with --page-clients keep-alive
connections and reports its latency percentiles; in the second run a second wrk posts search
reports to /api/laporan-pencarian from --beacon-clients connections at the same time. The rate
limit is raised out of the way (SEARCH_LOG_RATE), so every beacon is validated, scrubbed and
counted. Each beacon client pauses between reports a random time that averages
--beacon-interval-ms (uniform from 0 to twice that; default 5 s: 500 visitors each finishing a
search every 5 s or so, about 100 reports/s, not all at the same instant as a fixed pause makes
wrk's clients do); 0 makes it a flood that saturates the
machine's CPUs, which no endpoint survives without slowing the pages beside it. The goal
(issue 10): the pages' p99 rises by at most 10 %. wrk, the server and other people's work share
the machine's CPUs: read the ratio. With --feedback-clients, a third wrk posts "Apakah informasi ini
membantu?" answers (plain form posts to /api/masukan, one in four with a comment to scrub; the same
pause) in a third run beside the other two: those go through Django and write to the database at once.
With --page-pause-ms, each page client pauses between pages: the pages come at a steady rate below
what the machine can do, so their p99 is their latency rather than the wait in a saturated queue
(where any other work, even wrk's own beacon clients, shows as a rise). With --front nginx, every
client talks to deploy/nginx/santer.conf in front of that gunicorn (the production recipe): nginx
serves the page from the portal folder and passes the reports to gunicorn. The clients that post
reports and answers run at nice 19 (REMOTE).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.serve import free_port, gunicorn, stop, wait_for  # noqa: E402
from deploy import local_nginx  # noqa: E402

PAGE = "/layanan/ktp-el/"
# The reports' and answers' clients stand for phones elsewhere: at the lowest CPU priority, so that on
# two shared cores their own work does not show as the pages' delay (the page clients and every
# server process keep theirs).
REMOTE = ["nice", "-n", "19"]
COUNT_SEARCHES = (
    "from cms.feedback.models import SearchDay; from django.db.models import Sum; "
    "print(SearchDay.objects.aggregate(Sum('searches'))['searches__sum'])"
)
BEACON = "/api/laporan-pencarian"
FEEDBACK = "/api/masukan"
COUNT_FEEDBACK = (
    "from cms.feedback.models import PageComment, PageFeedbackDay; from django.db.models import Sum; "
    "s = PageFeedbackDay.objects.aggregate(y=Sum('helpful'), t=Sum('not_helpful')); "
    "print((s['y'] or 0) + (s['t'] or 0), PageComment.objects.count())"
)
FEEDBACK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = "service=ktp-el&helpful=ya"
  if n % 4 == 0 then
    body = "service=ktp-el&helpful=tidak&comment=syarat+kurang+jelas+NIK+6471012304560001"
  end
  return wrk.format(nil, nil, nil, body)
end
delay = function()  -- visitors do not search in lock-step: a random pause, INTERVAL_MS on average
  return math.random(0, 2 * INTERVAL_MS)
end
"""
POST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
local queries = {"ktp hilang", "akta lahir 6471012304560001", "izin usaha", "gakin", "pbb 0812 3456 7890"}
local n = 0
request = function()
  n = n + 1
  local body = '{"q":"' .. queries[n % #queries + 1] .. '","results":' .. (n % 4) .. '}'
  return wrk.format(nil, nil, nil, body)
end
delay = function()  -- visitors do not search in lock-step: a random pause, INTERVAL_MS on average
  return math.random(0, 2 * INTERVAL_MS)
end
"""

# --control: the same clients at the same pace ask for the portal's smallest file instead (the
# cheapest answer the server has): what any requests at that rate do to the pages on this machine.
CONTROL = "/robots.txt"
CONTROL_LUA = """
delay = function()
  return math.random(0, 2 * INTERVAL_MS)
end
"""


def percentile_ms(output: str, label: str) -> float:
    match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if not match:
        raise SystemExit(f"no {label} latency in wrk's output:\n{output}")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def requests_per_second(output: str) -> float:
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def background_wrk(port: int, args, clients: int, lua: Path, path: str) -> subprocess.Popen:
    command = [
        *REMOTE,
        "wrk",
        "-t1",
        f"-c{clients}",
        f"-d{args.seconds}s",
        "-s",
        str(lua),
        f"http://127.0.0.1:{port}{path}",
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def cpu_times() -> list[int]:
    """The machine's CPU time so far, per state (the first line of /proc/stat, in ticks)."""
    return [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def child_cpu_seconds() -> float:
    """CPU seconds (user + system) of the finished client processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_busy(before: list[int], after: list[int]) -> float:
    """The share of the machine's CPUs busy between two readings (idle and iowait count as free)."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return 1 - (spent[3] + spent[4]) / sum(spent)


def rate_and_errors(output: str) -> tuple[float, int]:
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return requests_per_second(output), int(bad.group(1)) if bad else 0


def run(
    port: int, args, beacons: bool, lua: Path, feedback_lua: Path, answers: bool = False, path: str = BEACON
) -> dict:
    page = [
        "wrk",
        "-t1",
        f"-c{args.page_clients}",
        f"-d{args.seconds}s",
        "--latency",
        *(["-s", str(lua.parent / "pace.lua")] if args.page_pause_ms else []),
        f"http://127.0.0.1:{port}{PAGE}",
    ]
    beacon = None
    if beacons:
        beacon = subprocess.Popen(
            [
                *REMOTE,
                "wrk",
                "-t2",
                f"-c{args.beacon_clients}",
                f"-d{args.seconds}s",
                "-s",
                str(lua),
                f"http://127.0.0.1:{port}{path}",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
    feedback = None
    if answers:
        feedback = background_wrk(port, args, args.feedback_clients, feedback_lua, FEEDBACK)
    before, children = cpu_times(), child_cpu_seconds()
    result = subprocess.run(page, capture_output=True, text=True, check=True).stdout
    busy = cpu_busy(before, cpu_times())
    page_client_cpu = child_cpu_seconds() - children
    figures = {
        "p50": percentile_ms(result, "50%"),
        "p99": percentile_ms(result, "99%"),
        "rps": requests_per_second(result),
        "busy": busy,
        "page client cpu": page_client_cpu,
    }
    if beacon is not None:
        children = child_cpu_seconds()
        out, _ = beacon.communicate()
        figures["beacon client cpu"] = child_cpu_seconds() - children
        figures["beacons/s"] = requests_per_second(out)
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        figures["beacon errors"] = int(bad.group(1)) if bad else 0
    if feedback is not None:
        out, _ = feedback.communicate()
        figures["answers/s"], figures["answer errors"] = rate_and_errors(out)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--page-clients", type=int, default=20)
    parser.add_argument(
        "--page-pause-ms",
        type=int,
        default=0,
        help="each page client's pause between pages (a steady rate well below the machine's capacity, "
        "where p99 is the pages' latency, not the queue of a saturated machine); 0: as fast as it can",
    )
    parser.add_argument("--beacon-clients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--front",
        choices=["app", "nginx"],
        default="app",
        help="who answers the clients: gunicorn alone (make run) or nginx in front of it (deploy/)",
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help=f"a third run per round: the same clients at the same pace GET {CONTROL} instead of reporting",
    )
    parser.add_argument("--feedback-clients", type=int, default=0, help="also post page-feedback answers")
    parser.add_argument(
        "--beacon-interval-ms",
        type=int,
        default=5000,
        help="each beacon client's pause between reports (a visitor searching every few seconds); 0: a flood",
    )
    args = parser.parse_args()
    if args.front == "nginx" and not local_nginx.available():
        raise SystemExit("nginx with brotli_static is not installed (scripts/setup.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="santer-beacons-") as tmp_name:
        tmp = Path(tmp_name)
        tmp.chmod(0o755)  # nginx's workers run as an unprivileged user and read the portal folder
        env = dict(
            os.environ,
            SANTER_DATA_DIR=str(tmp),
            PORTAL_DIR=str(tmp / "portal"),
            DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
            SEARCH_LOG_URL=BEACON,
            FEEDBACK_URL=FEEDBACK,
            LOG_LEVEL="WARNING",
        )
        for command in (
            ["migrate", "--no-input", "-v", "0"],
            ["import_catalogue", "content", "-v", "0"],
            ["build_portal", "-v", "0"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=PROJECT, env=env, check=True, capture_output=True
            )
        lua = tmp / "post.lua"
        lua.write_text(POST_LUA.replace("INTERVAL_MS", str(args.beacon_interval_ms)))
        (tmp / "pace.lua").write_text(f"delay = function() return {args.page_pause_ms} end\n")
        control_lua = tmp / "control.lua"
        control_lua.write_text(CONTROL_LUA.replace("INTERVAL_MS", str(args.beacon_interval_ms)))
        feedback_lua = tmp / "feedback.lua"
        feedback_lua.write_text(FEEDBACK_LUA.replace("INTERVAL_MS", str(args.beacon_interval_ms)))
        os.environ.update(
            SEARCH_LOG_URL=BEACON,
            SEARCH_LOG_RATE="100000000/m",
            FEEDBACK_URL=FEEDBACK,
            FEEDBACK_RATE="100000000/m",
            LOG_LEVEL="WARNING",
        )
        app_port = free_port()
        server = gunicorn(
            tmp, tmp / "portal", app_port, "cms.asgi:application", "uvicorn_worker.UvicornWorker", []
        )
        nginx = None
        try:
            wait_for(app_port, server)
            port = app_port
            if args.front == "nginx":
                port = free_port()
                (tmp / "nginx").mkdir()
                nginx = local_nginx.start(tmp / "nginx", port, tmp / "portal", app_port)
                wait_for(port, nginx)
            subprocess.run(
                ["wrk", "-t1", "-c4", "-d2s", f"http://127.0.0.1:{port}{PAGE}"], capture_output=True
            )
            if args.feedback_clients:  # Django's first request in each worker imports the admin: not measured
                for _ in range(8):  # a new connection each: they spread over the workers
                    warm = urllib.request.Request(
                        f"http://127.0.0.1:{port}{FEEDBACK}",
                        data=b"service=ktp-el&helpful=ya",
                        headers={"Accept": "application/json"},
                    )
                    urllib.request.urlopen(warm, timeout=30).close()
            runs: dict[str, list[dict]] = {"alone": [], "loaded": []}
            for _ in range(args.rounds):
                runs["alone"].append(run(port, args, False, lua, feedback_lua))
                runs["loaded"].append(run(port, args, True, lua, feedback_lua))
                if args.feedback_clients:
                    runs.setdefault("answers", []).append(run(port, args, True, lua, feedback_lua, True))
                if args.control:
                    control = run(port, args, True, control_lua, feedback_lua, path=CONTROL)
                    runs.setdefault("control", []).append(control)
                    print(f"  round {len(runs['alone'])}: control p99 {control['p99']:.2f} ms", flush=True)
                alone, loaded = runs["alone"][-1], runs["loaded"][-1]
                print(
                    f"  round {len(runs['alone'])}: p99 {alone['p99']:.2f} → {loaded['p99']:.2f} ms"
                    f" ({loaded['p99'] / alone['p99']:.2f}×),"
                    f" CPUs busy {alone['busy']:.0%} → {loaded['busy']:.0%};"
                    f" clients' CPU s: pages {alone['page client cpu']:.1f} →"
                    f" {loaded['page client cpu']:.1f}, beacons {loaded['beacon client cpu']:.1f}",
                    flush=True,
                )
        finally:
            if nginx is not None:
                stop(nginx)
            stop(server)
        counted = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                COUNT_SEARCHES,
            ],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
        ).stdout.strip()
        answers = ""
        if args.feedback_clients:
            answers = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", COUNT_FEEDBACK],
                cwd=PROJECT,
                env=env,
                capture_output=True,
                text=True,
            ).stdout.strip()
    alone = {k: statistics.median(r[k] for r in runs["alone"]) for k in ("p50", "p99", "rps")}
    loaded = {
        k: statistics.median(r[k] for r in runs["loaded"])
        for k in ("p50", "p99", "rps", "beacons/s", "beacon errors")
    }
    front = "gunicorn alone"
    if args.front == "nginx":
        front = "nginx (deploy/nginx/santer.conf) in front of gunicorn"
    print(
        f"{front}: portal page {PAGE}, {args.page_clients} clients"
        f"{f' pausing {args.page_pause_ms} ms' if args.page_pause_ms else ''}, {args.seconds} s,"
        f" median of {args.rounds} round(s)"
    )
    print(
        f"  without beacons: p50 {alone['p50']:.2f} ms  p99 {alone['p99']:.2f} ms  {alone['rps']:.0f} req/s"
    )
    print(
        f"  with {args.beacon_clients} beacon clients (pause {args.beacon_interval_ms} ms): "
        f"p50 {loaded['p50']:.2f} ms  p99 {loaded['p99']:.2f} ms  {loaded['rps']:.0f} req/s; "
        f"beacons {loaded['beacons/s']:.0f}/s, {loaded['beacon errors']:.0f} not 2xx"
    )
    print(f"  searches counted in the database: {counted.splitlines()[-1] if counted else '?'}")
    if args.feedback_clients:
        both = {k: statistics.median(r[k] for r in runs["answers"]) for k in ("p50", "p99", "rps")}
        rate = statistics.median(r["answers/s"] for r in runs["answers"])
        errors = statistics.median(r["answer errors"] for r in runs["answers"])
        stored, comments = answers.splitlines()[-1].split() if answers else ("?", "?")
        print(
            f"  with the beacons and {args.feedback_clients} feedback clients: p50 {both['p50']:.2f} ms  "
            f"p99 {both['p99']:.2f} ms  {both['rps']:.0f} req/s; answers {rate:.1f}/s, {errors:.0f} not 2xx; "
            f"stored: {stored} answers, {comments} comments"
        )
        print(f"p99 ratio with/without feedback answers (beacons in both): {both['p99'] / loaded['p99']:.3f}")
    if args.control:
        figures = ("p50", "p99", "rps", "beacons/s")
        control = {k: statistics.median(r[k] for r in runs["control"]) for k in figures}
        print(
            f"  control, the same clients GET {CONTROL} instead: p50 {control['p50']:.2f} ms"
            f"  p99 {control['p99']:.2f} ms  {control['rps']:.0f} req/s;"
            f" {control['beacons/s']:.0f} requests/s"
        )
        print(f"p99 ratio with/without the control requests: {control['p99'] / alone['p99']:.3f}")
    print(f"p99 ratio with/without beacons: {loaded['p99'] / alone['p99']:.3f} (goal: at most 1.10)")


if __name__ == "__main__":
    main()
