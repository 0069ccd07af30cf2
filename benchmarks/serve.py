"""Portal serving throughput: gunicorn + WhiteNoise (cms/gunicorn.conf.py) vs Debian's nginx.

    .venv/bin/python benchmarks/serve.py                # one wrk run each, 10 s, 50 connections
    .venv/bin/python benchmarks/serve.py --wsgi         # also the WSGI front door (gthread, sync)
    .venv/bin/python benchmarks/serve.py --rounds 3     # alternate the servers, print medians

Both serve the same built portal folder (the shared catalogue) on 127.0.0.1; wrk asks for one
service page with keep-alive connections, as browsers do. One run each (the 2 CPUs are shared
by wrk, the server and other people's work), so read the ratio, not the absolute figures; with
--rounds N the servers take turns N times and the medians are printed.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
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
