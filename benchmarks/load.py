"""Load with editors at work: the production set-up under many keep-alive clients while changes publish.

    .venv/bin/python benchmarks/load.py                     # 500 connections, 60 s
    .venv/bin/python benchmarks/load.py --connections 200 --seconds 20
    .venv/bin/python benchmarks/load.py --front app       # only the app server alone (make run)

Starts the production set-up over a fresh demo data folder (tests/e2e/production.py: gunicorn
with cms/gunicorn.conf.py and `manage.py publish_worker`), then runs one wrk per kind of route at
the same time, the connections shared out as citizens and editors would use them (most on portal
pages and the search's files, some on /api/v2/ and /api/search, a few on admin pages with a
logged-in session), while this script publishes a change to a service every few seconds (a new
revision, published as a reviewer would: the worker then switches the live portal over).
Each wrk's Lua script checks every answer: a portal page must be complete (end with </html>) and
never a 404 during the switch-overs. Prints requests/s, p50/p99/max latency, socket errors,
timeouts, non-2xx, incomplete pages and 404s per kind of route. Needs wrk (apt-get install wrk).

Two fronts, one after the other over the same data: the app server alone (`make run`: gunicorn
answers everything) and deploy/nginx/santer.conf in front of it (the production recipe: nginx
serves the portal folder itself and proxies Django's prefixes). Portal pages and search files are
what nginx takes off the Python processes; the API and admin rows go through to gunicorn in both.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from deploy import local_nginx  # noqa: E402

# Share of the connections per kind of route.
MIX = {
    "portal pages": 0.70,
    "search assets": 0.12,
    "API v2": 0.07,
    "search API": 0.07,
    "admin (logged in)": 0.04,
}

LUA = r"""
local paths, i, html = {}, 0, false
incomplete, missing = 0, 0  -- globals: done() reads them from each thread with thread:get()
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  html = args[1] == "html"
  for n = 2, #args do paths[#paths + 1] = args[n] end
  i = math.random(#paths) - 1
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  if status == 404 then missing = missing + 1 end
  if html and status == 200 and not string.find(string.sub(body, -64), "</html>%s*$") then
    incomplete = incomplete + 1
  end
end

function done(summary, latency, requests)
  local inc, miss = 0, 0
  for _, t in ipairs(threads) do inc = inc + t:get("incomplete"); miss = miss + t:get("missing") end
  io.write(string.format("SANTER requests=%d incomplete=%d missing=%d p50=%.1f p99=%.1f max=%.1f\n",
    summary.requests, inc, miss, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def route_paths(server) -> dict[str, tuple[bool, list[str]]]:
    """Paths per kind of route (html: the answer must be a complete page)."""
    portal = server.portal.resolve()
    pages = []
    for index in sorted(portal.rglob("index.html")):
        folder = index.parent.relative_to(portal).as_posix()
        pages.append("/" if folder == "." else f"/{folder}/")
    assets = sorted(
        "/" + p.relative_to(portal).as_posix()
        # The search's live pointer (a fixed name), not the files it names: each publish names
        # a new index, and the build two publishes back is retired with its files.
        for p in [portal / "_search" / "santer-search-live.js", *portal.glob("assets/*.css")]
    )
    return {
        "portal pages": (True, pages),
        "search assets": (False, assets),
        "API v2": (False, ["/api/v2/pages/", "/api/v2/pages/?type=services.ServicePage&fields=summary"]),
        "search API": (
            False,
            [f"/api/search?q={q}" for q in ("ktp", "akta+lahir", "bikin+kk", "pajak", "sampah")],
        ),
        "admin (logged in)": (False, ["/admin/", "/admin/pages/", "/admin/pages/search/?q=akta"]),
    }


def admin_cookie(base: str) -> str:
    from tests.e2e.http_checks import _admin_session

    session = _admin_session(base, "admin", "santer-demo")
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def publisher(every: float) -> None:
    """Publishes a changed summary of one service after another, every `every` seconds, until
    stopped (SIGTERM); one line per publish. Run as a child process in the front's environment."""
    import signal

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    from cms.services.models import ServicePage

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    pages = list(ServicePage.objects.live().order_by("path"))
    n = 0
    while not stop.wait(every):
        page = pages[n % len(pages)].get_latest_revision_as_object()
        page.summary = f"{page.summary.split(' [rev')[0]} [rev {n}]"
        page.save_revision().publish()
        print(f"{time.strftime('%H:%M:%S')} published {page.slug}", flush=True)
        n += 1


def run(args) -> None:
    from tests.e2e.production import make_demo_data

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    fronts = ["app", "nginx"] if args.front == "both" else [args.front]
    if "nginx" in fronts and not local_nginx.available():
        raise SystemExit("nginx with brotli_static is not installed (scripts/setup.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="santer-load-") as tmp:
        tmp = Path(tmp)
        tmp.chmod(0o755)  # nginx's workers run as an unprivileged user and read the portal folder
        prepared = tmp / "prepared"
        if args.demo_data:  # a folder made by make_demo_data earlier: copied, never changed
            shutil.copytree(args.demo_data, prepared, symlinks=True)
        else:
            print("preparing the demo data folder (migrate, import content/, build) …", flush=True)
            make_demo_data(prepared)
        for front in fronts:
            data = tmp / f"data-{front}"
            shutil.copytree(prepared, data, symlinks=True)
            run_front(args, front, tmp, data)


def run_front(args, front: str, tmp: Path, data: Path) -> None:
    from tests.e2e.production import ProductionServer, free_port

    server = ProductionServer(data)
    server.start_web()
    server.start_worker()
    nginx = None
    try:
        base_url = server.base_url
        if front == "nginx":
            port = free_port()
            nginx_dir = tmp / "nginx"
            nginx_dir.mkdir(exist_ok=True)
            nginx = local_nginx.start(nginx_dir, port, server.portal, server.port)
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(base_url, nginx)
        routes = route_paths(server)
        cookie = admin_cookie(base_url)
        script = tmp / "santer.lua"
        script.write_text(LUA)
        publishing = subprocess.Popen(
            [sys.executable, __file__, "--publisher", str(args.publish_every)],
            cwd=PROJECT,
            env=dict(server.env, LOG_LEVEL="WARNING"),
            stdout=subprocess.PIPE,
            text=True,
        )
        runs = {}
        for kind, share in MIX.items():
            html, paths = routes[kind]
            connections = max(2, round(args.connections * share))
            command = ["wrk", "-t1", f"-c{connections}", f"-d{args.seconds}s", "--timeout", "10s"]
            command += ["--latency", "-s", str(script)]
            if kind.startswith("admin"):
                command += ["-H", f"Cookie: {cookie}"]
            if kind == "search assets":
                command += ["-H", "Accept-Encoding: gzip, br"]
            command += [base_url, "--", "html" if html else "-", *paths]
            runs[kind] = (connections, subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
        results = {kind: (c, p.communicate()[0]) for kind, (c, p) in runs.items()}
        publishing.terminate()
        published = publishing.communicate(timeout=60)[0].splitlines()
        report(results, args, published, front)
        failed_updates = server.manage("shell", "-c", FAILED_RUNS).strip().splitlines()[-1]
        print(f"portal updates during the run: {failed_updates}")
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(20)
        server.stop()


def wait_until_up(base_url: str, process) -> None:
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"nginx exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(base_url + "/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit("nginx did not start")


FAILED_RUNS = (
    "from cms.publishing.models import PublishRun as R;"
    "print(R.objects.filter(status=R.Status.SUCCEEDED).count(), 'succeeded,',"
    " R.objects.filter(status=R.Status.FAILED).count(), 'failed')"
)


def report(results, args, published, front: str) -> None:
    where = "nginx (deploy/nginx/santer.conf) in front of gunicorn" if front == "nginx" else "gunicorn alone"
    print(
        f"\n{where}: {args.connections} keep-alive connections for {args.seconds} s on loopback,"
        f" {os.cpu_count()} CPUs (shared with other work), a change published every"
        f" {args.publish_every:.0f} s ({len(published)} publishes)"
    )
    head = (
        "route",
        "conns",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "sock err",
        "timeouts",
        "non-2xx",
        "incomplete",
        "404",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    total = 0.0
    for kind, (connections, out) in results.items():
        line = re.search(r"SANTER (.*)", out)
        stats = dict(kv.split("=") for kv in line.group(1).split()) if line else {}
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) if "Requests/sec" in out else 0.0
        total += rate
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        socket_errors = sum(map(int, errors.groups()[:3])) if errors else 0
        timeouts = int(errors.group(4)) if errors else 0
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        cells = [
            kind,
            str(connections),
            f"{rate:.0f}",
            stats.get("p50", "?"),
            stats.get("p99", "?"),
            stats.get("max", "?"),
            str(socket_errors),
            str(timeouts),
            non2xx.group(1) if non2xx else "0",
            stats.get("incomplete", "?"),
            stats.get("missing", "?"),
        ]
        print("| " + " | ".join(cells) + " |")
    print(f"total: {total:.0f} req/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--publish-every", type=float, default=5.0, help="seconds between published changes")
    parser.add_argument("--demo-data", type=Path, help="copy this folder made by make_demo_data")
    parser.add_argument(
        "--front",
        choices=["app", "nginx", "both"],
        default="both",
        help="who answers the clients: the app server alone, nginx in front of it, or both in turn",
    )
    parser.add_argument("--publisher", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        publisher(args.publisher)
    else:
        run(args)


if __name__ == "__main__":
    main()
