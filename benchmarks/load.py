"""Load with editors at work: the production set-up under many keep-alive clients while changes publish.

    .venv/bin/python benchmarks/load.py                     # 500 connections, 60 s
    .venv/bin/python benchmarks/load.py --connections 200 --seconds 20

Starts the production set-up over a fresh demo data folder (tests/e2e/production.py: gunicorn
with cms/gunicorn.conf.py and `manage.py publish_worker`), then runs one wrk per kind of route at
the same time, the connections shared out as citizens and editors would use them (most on portal
pages and the search's files, some on /api/v2/ and /api/search, a few on admin pages with a
logged-in session), while this script publishes a change to a service every few seconds (a new
revision, published as a reviewer would: the worker then switches the live portal over).
Each wrk's Lua script checks every answer: a portal page must be complete (end with </html>) and
never a 404 during the switch-overs. Prints requests/s, p50/p99/max latency, socket errors,
timeouts, non-2xx, incomplete pages and 404s per kind of route. Needs wrk (apt-get install wrk).
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
        # Not the index fragments (_search/<hash>/…): each publish names them anew in the new pages.
        for p in [*portal.glob("_search/*.js"), *portal.glob("assets/*.css")]
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


def publisher(env: dict[str, str], stop: threading.Event, every: float, log: list[str]) -> None:
    """Publishes a changed summary of one service after another, every `every` seconds, in Django."""
    os.environ.update({k: env[k] for k in ("SANTER_DATA_DIR", "DATABASE_URL", "PORTAL_DIR", "SITE_URL")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    from cms.services.models import ServicePage

    pages = list(ServicePage.objects.live().order_by("path"))
    n = 0
    while not stop.wait(every):
        page = pages[n % len(pages)].get_latest_revision_as_object()
        page.summary = f"{page.summary.split(' [rev')[0]} [rev {n}]"
        page.save_revision().publish()
        log.append(f"{time.strftime('%H:%M:%S')} published {page.slug}")
        n += 1


def run(args) -> None:
    from tests.e2e.production import ProductionServer, make_demo_data

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="santer-load-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        if args.demo_data:  # a folder made by make_demo_data earlier: copied, never changed
            shutil.copytree(args.demo_data, data, symlinks=True)
        else:
            print("preparing the demo data folder (migrate, import content/, build) …", flush=True)
            make_demo_data(data)
        server = ProductionServer(data)
        server.start_web()
        server.start_worker()
        try:
            routes = route_paths(server)
            cookie = admin_cookie(server.base_url)
            script = tmp / "santer.lua"
            script.write_text(LUA)
            stop, published = threading.Event(), []
            thread = threading.Thread(
                target=publisher, args=(server.env, stop, args.publish_every, published)
            )
            thread.start()
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
                command += [server.base_url, "--", "html" if html else "-", *paths]
                runs[kind] = (connections, subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
            results = {kind: (c, p.communicate()[0]) for kind, (c, p) in runs.items()}
            stop.set()
            thread.join()
            report(results, args, published)
            failed_updates = server.manage("shell", "-c", FAILED_RUNS).strip()
            print(f"portal updates during the run: {failed_updates}")
        finally:
            server.stop()


FAILED_RUNS = (
    "from cms.publishing.models import PublishRun as R;"
    "print(R.objects.filter(status=R.Status.SUCCEEDED).count(), 'succeeded,',"
    " R.objects.filter(status=R.Status.FAILED).count(), 'failed')"
)


def report(results, args, published) -> None:
    print(
        f"\n{args.connections} keep-alive connections for {args.seconds} s on loopback,"
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
    run(parser.parse_args())


if __name__ == "__main__":
    main()
