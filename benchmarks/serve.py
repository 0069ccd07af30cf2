"""Portal serving throughput: gunicorn + WhiteNoise (cms/gunicorn.conf.py) vs Debian's nginx.

    .venv/bin/python benchmarks/serve.py                # one wrk run each, 10 s, 50 connections
    .venv/bin/python benchmarks/serve.py --wsgi         # also the WSGI front door (gthread, sync)
    .venv/bin/python benchmarks/serve.py --rounds 3     # alternate the servers, print medians
    .venv/bin/python benchmarks/serve.py --compare      # candidate servers: correctness, then req/s

--compare starts each candidate web server over a copy of the demo data folder (as `make run`
prepares it), runs the correctness checks of tests/e2e/http_checks.py (keep-alive, pipelining,
slow clients, request bodies, streaming, graceful restart) and then wrk on a portal page, the
admin login page and the read API.

Both serve the same built portal folder (the shared catalogue) on 127.0.0.1; wrk asks for one
service page with keep-alive connections, as browsers do. One run each (the 2 CPUs are shared
by wrk, the server and other people's work), so read the ratio, not the absolute figures; with
--rounds N the servers take turns N times and the medians are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
SHARED = PROJECT.parent / "shared" / "catalogue" / "samarinda"
PAGE = "/layanan/ktp-el-pemula/"
MISSING = "/layanan/tidak-ada/"  # answered with the build's 404.html

NGINX_CONF = """daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  keepalive_requests 100000;
  gzip_static on;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    index index.html;
    error_page 404 /404.html;
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def wrk(port: int, seconds: int, connections: int, path: str = PAGE) -> float:
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run(["wrk", "-t1", "-c4", "-d1s", url], capture_output=True)  # warm-up
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    total = re.search(r"(\d+) requests in", result.stdout)
    if path == MISSING:  # every answer must be the 404 page, none an error or a time-out
        if not errors or int(errors.group(1)) != int(total.group(1)) or "Socket errors" in result.stdout:
            raise SystemExit(f"not every answer was a 404:\n{result.stdout}")
    elif errors:
        raise SystemExit(f"{errors.group(1)} failed responses:\n{result.stdout}")
    return float(match.group(1))


def rates(port: int, args) -> tuple[float, float]:
    """Requests per second for the service page, then for a missing page (the portal's 404)."""
    return wrk(port, args.seconds, args.connections), wrk(port, args.seconds, args.connections, MISSING)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def gunicorn(tmp: Path, portal: Path, port: int, app: str, worker_class: str | None, extra: list[str]):
    env = dict(
        os.environ,
        PORTAL_DIR=str(portal),
        SANTER_DATA_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 2)),
    )
    if worker_class:
        env["GUNICORN_WORKER_CLASS"] = worker_class
    else:  # cms/gunicorn.conf.py's own choice, as `make run` starts it
        env.pop("GUNICORN_WORKER_CLASS", None)
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "--config",
        "cms/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        *extra,
    ]
    return subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def run_nginx(tmp: Path, portal: Path, args) -> tuple[float, float]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=os.cpu_count() or 2, tmp=tmp, port=port, root=portal))
    nginx = subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, nginx)
        return rates(port, args)
    finally:
        stop(nginx)


def candidates(bin_dir: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Web server commands ({port}: the free port) and their environment, two processes each."""
    gunicorn = [str(bin_dir / "gunicorn"), "--config", "cms/gunicorn.conf.py", "--bind", "127.0.0.1:{port}"]
    granian = [str(bin_dir / "granian"), "--host", "127.0.0.1", "--port", "{port}", "--workers", "2"]
    return {
        "gunicorn asgi worker (before)": (
            [*gunicorn, "cms.asgi:application"],
            {"GUNICORN_WORKER_CLASS": "asgi"},
        ),
        "gunicorn gthread + cms.wsgi": (
            [*gunicorn, "cms.wsgi:application"],
            {"GUNICORN_WORKER_CLASS": "gthread"},
        ),
        "gunicorn + uvicorn worker": ([*gunicorn, "cms.asgi:application"], {}),
        "granian asgi": ([*granian, "--interface", "asgi", "cms.asgi:application"], {}),
        "granian wsgi": ([*granian, "--interface", "wsgi", "cms.wsgi:application"], {}),
    }


def compare(args) -> None:
    """Correctness first (every check, every route kind), then throughput, candidate by candidate."""
    from tests.e2e import http_checks
    from tests.e2e.production import ProductionServer, make_demo_data

    checks = CHECKS
    routes = {"portal": "/layanan/ktp-el/", "admin": "/admin/login/", "API": "/api/v2/pages/"}
    rows = {}
    with tempfile.TemporaryDirectory(prefix="santer-compare-") as tmp:
        tmp = Path(tmp)
        print("preparing the demo data folder (migrate, import content/, build) …", flush=True)
        demo = make_demo_data(tmp / "demo")
        for label, (command, env) in candidates(Path(sys.executable).parent).items():
            if args.only and not any(word in label for word in args.only):
                continue
            data = tmp / re.sub(r"\W+", "-", label)
            shutil.copytree(demo, data, symlinks=True)
            sha256 = http_checks.write_large_file((data / "portal").resolve())
            server = ProductionServer(data, {"WEB_CONCURRENCY": "2", **env}, web_command=command)
            server.start_web()
            try:
                verdicts = run_checks(label, server, sha256)
                rates = {}
                for route, path in routes.items():
                    rates[route] = wrk_route(server.port, path, args.seconds, args.connections)
                rows[label] = (verdicts, rates)
                print(f"{label}: {verdicts} {rates}", flush=True)
            finally:
                server.stop()
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.seconds}s per route, 2 server processes, loopback,"
        f" {os.cpu_count()} CPUs (shared); req/s (timeouts, non-2xx)"
    )
    print("| server | " + " | ".join(checks) + " | " + " | ".join(routes) + " |")
    print("|" + " --- |" * (1 + len(checks) + len(routes)))
    for label, (verdicts, rates) in rows.items():
        cells = [verdicts[c] for c in checks] + [rates[r] for r in routes]
        print(f"| {label} | " + " | ".join(cells) + " |")


CHECKS = ["keep-alive", "pipelining", "slow clients", "bodies", "streaming", "restart"]


def run_checks(label: str, server, sha256: str) -> dict[str, str]:
    import requests

    from tests.e2e import http_checks

    host, port, base = "127.0.0.1", server.port, server.base_url
    runs = {
        "keep-alive": lambda: http_checks.keep_alive(host, port),
        "pipelining": lambda: http_checks.pipelining(host, port),
        "slow clients": lambda: http_checks.slow_clients(host, port),
        "bodies": lambda: http_checks.request_bodies(base, "admin", "santer-demo"),
        "streaming": lambda: http_checks.streaming(host, port, sha256),
        "restart": lambda: http_checks.graceful_restart(base, server.reload_web),
    }
    for path in http_checks.ROUTES.values():  # first answers load caches (search index): not timed
        for _ in range(4):
            with contextlib.suppress(OSError):
                requests.get(base + path, timeout=60)
    verdicts = {}
    for name in CHECKS:
        try:
            runs[name]()
            verdicts[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - a failed check is the result
            verdicts[name] = "FAIL"
            print(f"  {label}: {name}: {str(exc).splitlines()[0][:160]}", flush=True)
    return verdicts


def wrk_route(port: int, path: str, seconds: int, connections: int) -> str:
    """req/s on one route, with wrk's timeouts and non-2xx answers (a hung server shows here)."""
    url = f"http://127.0.0.1:{port}{path}"
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", url],
        capture_output=True,
        text=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    timeouts = re.search(r"timeout (\d+)", result.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    figure = f"{float(rate.group(1)):.0f}" if rate else "—"
    notes = [f"{timeouts.group(1)} t/o" for _ in [0] if timeouts and timeouts.group(1) != "0"]
    notes += [f"{non2xx.group(1)} non-2xx" for _ in [0] if non2xx]
    return figure + (f" ({', '.join(notes)})" if notes else "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--wsgi", action="store_true", help="also cms.wsgi on gunicorn's gthread and sync workers"
    )
    parser.add_argument("--rounds", type=int, default=1, help="alternate the servers N times (medians)")
    parser.add_argument("--compare", action="store_true", help="candidate web servers: checks, then req/s")
    parser.add_argument("--only", nargs="*", help="with --compare: candidates whose name has one of these")
    args = parser.parse_args()
    if args.compare:
        return compare(args)
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is not installed (apt-get install {tool})")

    from catalogue import load_catalogue
    from site_builder import build_portal

    results = {}
    with tempfile.TemporaryDirectory(prefix="santer-serve-") as tmp:
        tmp = Path(tmp)
        tmp.chmod(0o755)  # nginx's workers run as an unprivileged user
        portal = tmp / "portal"
        build_portal(load_catalogue(SHARED), portal, "http://127.0.0.1", search=False)

        # What `make run` serves (cms/gunicorn.conf.py), then the WSGI front door for reference.
        variants = [("gunicorn.conf.py + PortalASGI", ("cms.asgi:application", None, []))]
        if args.wsgi:
            variants.append(("gunicorn gthread + WhiteNoise", ("cms.wsgi:application", "gthread", [])))
            variants.append(
                ("gunicorn sync + WhiteNoise", ("cms.wsgi:application", "sync", ["--keep-alive", "0"]))
            )
        for _ in range(args.rounds):
            results.setdefault("nginx", []).append(run_nginx(tmp, portal, args))
            for label, (app, worker_class, extra) in variants:
                port = free_port()
                server = gunicorn(tmp, portal, port, app, worker_class, extra)
                try:
                    wait_for(port, server)
                    results.setdefault(label, []).append(rates(port, args))
                finally:
                    stop(server)

    print(
        f"\nGET {PAGE} and GET {MISSING} (404), wrk -t2 -c{args.connections} -d{args.seconds}s,"
        f" loopback, {os.cpu_count()} CPUs (shared)"
    )
    page = {label: statistics.median(r[0] for r in runs) for label, runs in results.items()}
    missing = {label: statistics.median(r[1] for r in runs) for label, runs in results.items()}
    print(f"{'server':<32} {'page req/s':>10} {'× nginx':>8} {'404 req/s':>10} {'404/page':>8}   runs")
    for label, rate in page.items():
        runs = " ".join(f"{p:.0f}/{m:.0f}" for p, m in results[label])
        print(
            f"{label:<32} {rate:>10.0f} {rate / page['nginx']:>8.2f} {missing[label]:>10.0f}"
            f" {missing[label] / rate:>8.2f}   {runs}"
        )


if __name__ == "__main__":
    main()
