"""What a web server must get right for Santer, checked over real sockets against a running server.

Used by the suite (tests/e2e/test_web_server.py, the production set-up) and by
benchmarks/serve.py, which runs the same checks on every candidate server before measuring it.
Each check raises AssertionError (or a socket error) with what went wrong; standard library and
requests only.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import re
import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# One route of each kind the server answers: a built portal page, Django's admin, the admin's
# static files, the read API and the search API.
ROUTES = {
    "portal page": "/",
    "portal service": "/layanan/ktp-el/",
    "admin login": "/admin/login/",
    "admin static": "/static/wagtailadmin/js/core.js",
    "API v2": "/api/v2/pages/",
    "search API": "/api/search?q=ktp",
}
LARGE_FILE = "unduhan/besar.bin"  # written into the live build by the caller (see write_large_file)
TIMEOUT = 10.0


def keep_alive(host: str, port: int, rounds: int = 5) -> None:
    """Several requests in a row on one connection, for every route kind (what browsers do)."""
    for name, path in ROUTES.items():
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            for i in range(rounds):
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                assert response.status == 200, f"{name} {path}: HTTP {response.status} on request {i + 1}"
        except OSError as exc:
            raise AssertionError(f"{name} {path}: {exc!r} after {i} answer(s) on one connection") from exc
        finally:
            conn.close()


class _SharedFile:
    """Lets several HTTPResponse objects read one after another from one buffered socket file
    (each closes its file when its body is read: the next one must still find the buffer)."""

    def __init__(self, file):
        self.file = file

    def makefile(self, *args, **kwargs):
        return self

    def close(self):
        pass

    def __getattr__(self, name):
        return getattr(self.file, name)


def pipelining(host: str, port: int) -> None:
    """HTTP/1.1 pipelining: every route's request written at once, answers read back in order."""
    paths = list(ROUTES.values())
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        sock.sendall(b"".join(f"GET {p} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode() for p in paths))
        shared = _SharedFile(sock.makefile("rb"))
        for path in paths:
            response = http.client.HTTPResponse(shared, method="GET")
            try:
                response.begin()
                body = response.read()
            except OSError as exc:
                raise AssertionError(f"pipelined {path}: {exc!r}") from exc
            assert response.status == 200, f"pipelined {path}: HTTP {response.status}"
            if path.startswith("/admin/"):
                assert b"</html>" in body, f"pipelined {path}: answer out of order or incomplete"


def slow_clients(host: str, port: int, count: int = 40) -> None:
    """Clients that send their headers or body slowly (slowloris) must not hold up anyone else."""
    stalled = []
    try:
        for i in range(count):
            sock = socket.create_connection((host, port), timeout=TIMEOUT)
            if i % 2:  # half the headers
                sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Lambat: ".encode())
            else:  # the headers, then a tenth of the body it announced
                sock.sendall(
                    f"POST /admin/login/ HTTP/1.1\r\nHost: {host}\r\nContent-Length: 10000\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n\r\nusername=".encode()
                )
            stalled.append(sock)
        for path in ("/", "/admin/login/", "/api/v2/pages/"):
            started = time.monotonic()
            conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
            except OSError as exc:
                raise AssertionError(f"{path} while {count} clients stall: {exc!r}") from exc
            finally:
                conn.close()
            took = time.monotonic() - started
            assert response.status == 200 and took < 3, f"{path} while {count} clients stall: {took:.1f} s"
    finally:
        for sock in stalled:
            sock.close()


def _admin_session(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/admin/login/", timeout=TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/admin/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"},
        headers={"Referer": f"{base}/admin/login/"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200 and answer.url == f"{base}/admin/", (
        f"admin login form POST: HTTP {answer.status_code} at {answer.url}"
    )
    return session


def _png(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def request_bodies(base: str, username: str, password: str) -> None:
    """An admin form POST (the login) and a multipart image upload, as the admin's pages send them."""
    session = _admin_session(base, username, password)
    page = session.get(f"{base}/admin/images/multiple/add/", timeout=TIMEOUT)
    assert page.status_code == 200, f"image upload page: HTTP {page.status_code}"
    token = session.cookies["csrftoken"]
    answer = session.post(
        f"{base}/admin/images/multiple/add/",
        data={"csrfmiddlewaretoken": token},
        files={"files[]": ("uji-unggah.png", _png(), "image/png")},
        headers={"X-Requested-With": "XMLHttpRequest", "Referer": page.url},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, f"image upload: HTTP {answer.status_code}"
    assert answer.json().get("success") is True, f"image upload refused: {answer.text[:300]}"


def write_large_file(portal_build, size: int = 8 * 1024 * 1024) -> str:
    """A large download in the live build (before the server starts); returns its sha256."""
    data = hashlib.sha256(b"santer").digest() * (size // 32)
    target = portal_build / LARGE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def streaming(host: str, port: int, sha256: str) -> None:
    """A large file reaches a slow reader whole, and other clients are answered meanwhile."""
    result = {}

    def slow_reader():
        digest, size = hashlib.sha256(), 0
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        conn.request("GET", "/" + LARGE_FILE)
        response = conn.getresponse()
        while chunk := response.read(256 * 1024):
            digest.update(chunk)
            size += len(chunk)
            time.sleep(0.05)
        conn.close()
        result.update(status=response.status, sha256=digest.hexdigest(), size=size)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    time.sleep(0.2)
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    for path in ("/", "/admin/login/"):
        started = time.monotonic()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        took = time.monotonic() - started
        assert response.status == 200 and took < 3, f"{path} while a large file streams: {took:.1f} s"
    conn.close()
    reader.join(timeout=60)
    assert result.get("status") == 200, f"large file: {result}"
    assert result["sha256"] == sha256, f"large file arrived damaged ({result['size']} bytes)"


def browser_like_session() -> requests.Session:
    """Keep-alive client that retries an idempotent request once when a reused connection was closed
    before any answer arrived, as browsers do (the server may close idle connections at any time)."""
    session = requests.Session()
    retry = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET"})
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def graceful_restart(base: str, restart, seconds: float = 6.0) -> int:
    """Clients keep asking while `restart()` replaces the server's workers: no request fails.

    Returns how many requests were answered during the run."""
    stop, failures, answered = threading.Event(), [], [0]

    def client(paths):
        session = browser_like_session()
        while not stop.is_set():
            for path in paths:
                try:
                    response = session.get(base + path, timeout=TIMEOUT)
                    if response.status_code != 200:
                        failures.append(f"{path}: HTTP {response.status_code}")
                    else:
                        answered[0] += 1
                except requests.RequestException as exc:
                    failures.append(f"{path}: {exc!r}")

    threads = [
        threading.Thread(target=client, args=(paths,))
        for paths in (["/", "/layanan/ktp-el/"], ["/admin/login/"], ["/api/v2/pages/", "/api/search?q=ktp"])
    ]
    for thread in threads:
        thread.start()
    time.sleep(1)
    restart()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, f"{len(failures)} failed request(s) across the restart: {failures[:5]}"
    return answered[0]
