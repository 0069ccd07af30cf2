"""deploy/nginx/santer.conf on Debian's nginx, in front of the real app server (cms/gunicorn.conf.py).

nginx serves the portal folder itself and proxies Django's prefixes to gunicorn. Checked as a
visitor and an editor notice it: the same headers as the app server for every kind of file,
precompressed bodies, the portal's 404 page, no mixed or missing files while publishes switch
builds, and an admin login through the proxy on one keep-alive connection.
"""

import dataclasses
import hashlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from catalogue import load_catalogue
from deploy import local_nginx
from site_builder import build_portal

PROJECT = Path(__file__).resolve().parent.parent
SITE_URL = "http://127.0.0.1"
PASSWORD = "sandi-uji-nginx-123"
# Headers both servers must agree on (validators and dates differ by nature).
COMPARED = (
    "Content-Type",
    "Cache-Control",
    "Content-Encoding",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
)


def same(name: str, nginx_value: str | None, app_value: str | None) -> bool:
    """Equal, or the same media type spelt two valid ways: charset="utf-8" (WhiteNoise) or
    charset=utf-8 (nginx), text/javascript (WhiteNoise) or application/javascript (Debian's types)."""
    if name == "Content-Type" and nginx_value and app_value:
        nginx_value = nginx_value.replace('"', "").replace("application/javascript", "text/javascript")
        app_value = app_value.replace('"', "")
    return nginx_value == app_value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def stack(shared_catalogue_dir):
    if not local_nginx.available():
        pytest.fail("nginx with brotli_static not installed: run scripts/setup.sh")
    # nginx's workers run as an unprivileged user: the folder and its parents must be readable.
    data = Path(tempfile.mkdtemp(prefix="santer-nginx-", dir="/tmp"))
    data.chmod(0o755)
    catalogue = load_catalogue(shared_catalogue_dir)
    portal = data / "portal"
    build_portal(catalogue, portal, SITE_URL, search=True)
    env = dict(
        os.environ,
        PORTAL_DIR=str(portal),
        SANTER_DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
        WEB_CONCURRENCY="1",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        LOG_LEVEL="WARNING",
    )
    env.pop("GUNICORN_WORKER_CLASS", None)  # the server cms/gunicorn.conf.py chooses, as the README runs it
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=PROJECT, env=env, check=True)
    subprocess.run(
        [*manage, "createsuperuser", "--noinput", "--username", "redaksi", "--email", "r@example.org"],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
    )
    app_port, port = free_port(), free_port()
    gunicorn = [Path(sys.executable).parent / "gunicorn", "cms.asgi:application", "--config"]
    app = subprocess.Popen(
        [*gunicorn, "cms/gunicorn.conf.py", "--bind", f"127.0.0.1:{app_port}"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    nginx = None
    try:
        wait_for(app_port, app, "gunicorn")
        nginx = local_nginx.start(data, port, portal, app_port)
        wait_for(port, nginx, "nginx")
        yield {"port": port, "app_port": app_port, "portal": portal, "catalogue": catalogue}
    finally:
        if nginx is not None:
            stop(nginx)
        stop(app)
        shutil.rmtree(data, ignore_errors=True)


def fetch(port, path, headers=None, connection=None, method="GET", body=None):
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response, data


PATHS = [
    ("/", {}),
    ("/layanan/ktp-el-pemula/", {"Accept-Encoding": "br, gzip"}),
    ("/layanan/ktp-el-pemula/", {"Accept-Encoding": "gzip"}),
    ("/cari/", {}),
    ("/sitemap.xml", {"Accept-Encoding": "gzip"}),
    ("/robots.txt", {}),
    ("/404.html", {}),
    ("/_search/santer-search-live.js", {"Accept-Encoding": "br"}),
    ("/tidak-ada/", {"Accept-Encoding": "br"}),
    ("/layanan/tidak-ada/", {}),
]


def search_meta(live_js: bytes) -> str:
    """The search index the live pointer names (its meta.json): what the search page loads next."""
    base = re.search(r'SANTER_SEARCH_BASE\s*=\s*"(/_search/[0-9a-f]{8,}/)"', live_js.decode())
    assert base, live_js[:200]
    return base.group(1) + "meta.json"


def asset_paths(html: str) -> list[str]:
    return sorted(set(re.findall(r'(?:src|href)="(/(?:assets|_search)/[^"]+)"', html)))


def test_nginx_sends_the_app_servers_headers_for_every_kind_of_file(stack):
    _, page = fetch(stack["port"], "/cari/")
    paths = PATHS + [(asset, {"Accept-Encoding": "br"}) for asset in asset_paths(page.decode())]
    _, live = fetch(stack["port"], "/_search/santer-search-live.js")
    paths.append((search_meta(live), {"Accept-Encoding": "gzip"}))
    for path, headers in paths:
        via_nginx, nginx_body = fetch(stack["port"], path, headers)
        direct, app_body = fetch(stack["app_port"], path, headers)
        assert via_nginx.status == direct.status, path
        for name in COMPARED:
            assert same(name, via_nginx.getheader(name), direct.getheader(name)), (path, name)
        assert nginx_body == app_body, path
        assert via_nginx.getheader("Content-Security-Policy"), path
    assert (
        fetch(stack["port"], "/layanan/ktp-el-pemula/", {"Accept-Encoding": "br"})[0].getheader(
            "Content-Encoding"
        )
        == "br"
    )


def test_missing_pages_get_the_portal_404_page(stack):
    response, body = fetch(stack["port"], "/layanan/tidak-ada/")
    assert response.status == 404
    assert "Halaman tidak ditemukan" in body.decode()
    assert response.getheader("Cache-Control") == "no-cache" and response.getheader("ETag") is None
    # Content-hashed files in neither the live nor the previous build: the same page.
    for missing in ("/assets/santer.0123456789ab.css", "/_search/0123456789ab/meta.json"):
        response, body = fetch(stack["port"], missing)
        assert response.status == 404 and "Halaman tidak ditemukan" in body.decode(), missing
    response, _ = fetch(stack["port"], "/layanan/ktp-el-pemula")  # no final slash: redirected
    assert response.status == 301 and response.getheader("Location").endswith("/layanan/ktp-el-pemula/")


def test_publishes_never_let_nginx_serve_a_mix_of_two_builds(stack):
    """20 atomic switches while a keep-alive client reads a page, its assets and the search index."""
    port, catalogue = stack["port"], stack["catalogue"]
    service = catalogue.services["ktp-el-pemula"]
    titles = [f"{service.title} (versi {n})" for n in range(21)]
    problems, seen, stop_reading = [], set(), threading.Event()
    started, finished = [0], [0]  # builds begun / returned so far (a build retires the one two back)

    def read():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        while not stop_reading.is_set():
            response, body = fetch(port, "/layanan/ktp-el-pemula/", connection=conn)
            html = body.decode()
            found = [t for t in [service.title, *titles] if f"<h1>{t}</h1>" in html]
            if response.status != 200 or not html.rstrip().endswith("</html>") or len(found) != 1:
                problems.append(("page", response.status, found))
                continue
            seen.add(found[0])
            for asset in asset_paths(html):
                response, content = fetch(port, asset, connection=conn)
                digest = re.search(r"\.([0-9a-f]{10,})\.", asset).group(1)
                if response.status != 200 or digest not in _digests(content):
                    problems.append((asset, response.status))
            finished_before = finished[0]
            response, live = fetch(port, "/_search/santer-search-live.js", connection=conn)
            response, meta = fetch(port, search_meta(live), connection=conn)
            # The live build's and the previous build's index are served; a pointer read two or
            # more switches ago names a retired build's index (a known limit, in the README). The
            # pointer named a build at least as new as the last one finished before it was read, and
            # that build is retired only once a build two later has begun.
            retired_meanwhile = started[0] - finished_before >= 2
            if (response.status != 200 or not meta.startswith(b"{")) and not retired_meanwhile:
                problems.append(("search index", response.status))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for title in titles[1:]:
            services = dict(catalogue.services, **{service.id: dataclasses.replace(service, title=title)})
            started[0] += 1
            build_portal(
                dataclasses.replace(catalogue, services=services), stack["portal"], SITE_URL, search=True
            )
            finished[0] += 1
    finally:
        stop_reading.set()
        reader.join(timeout=60)
    assert problems == []
    assert len(seen) >= 3  # the reader saw several builds go by
    _, body = fetch(port, "/layanan/ktp-el-pemula/")
    assert f"<h1>{titles[-1]}</h1>" in body.decode()


def _digests(content: bytes) -> str:
    """Hex digests the asset's name may carry (site_builder hashes the content)."""
    return " ".join(hashlib.new(name, content).hexdigest() for name in ("md5", "sha1", "sha256"))


def test_an_editor_logs_in_to_the_admin_through_nginx_on_one_keep_alive_connection(stack):
    port = stack["port"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    host = {"Host": f"127.0.0.1:{port}"}
    response, body = fetch(port, "/admin/login/", host, connection=conn)
    assert response.status == 200
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    form = urlencode(
        {"csrfmiddlewaretoken": token, "username": "redaksi", "password": PASSWORD, "next": "/admin/"}
    )
    headers = {
        **host,
        "Cookie": f"csrftoken={cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://127.0.0.1:{port}",
        "Referer": f"http://127.0.0.1:{port}/admin/login/",
    }
    response, _ = fetch(port, "/admin/login/", headers, connection=conn, method="POST", body=form)
    assert response.status == 302, response.status
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie")).group(1)
    cookies = {**host, "Cookie": f"csrftoken={cookie}; sessionid={session}"}
    response, body = fetch(port, "/admin/", cookies, connection=conn)
    assert response.status == 200 and "redaksi" in body.decode()
    response, _ = fetch(port, "/admin/pages/", cookies, connection=conn)
    assert response.status == 200
    response, body = fetch(port, "/api/v2/pages/", host, connection=conn)  # the read API, proxied
    assert response.status == 200 and b'"items"' in body
    # The admin's own hashed static files are Django's, not taken for portal assets.
    static = re.search(r'/static/wagtailadmin/[^"]+\.js', body.decode() or "") or re.search(
        r'/static/[^"]+\.css', fetch(port, "/admin/login/", host, connection=conn)[1].decode()
    )
    assert static, "no admin static file referenced"
    response, _ = fetch(port, static.group(0), host, connection=conn)
    assert response.status == 200
    conn.close()
