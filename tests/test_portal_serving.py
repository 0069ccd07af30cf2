"""The portal as a real gunicorn (cms/gunicorn.conf.py) serves it: headers, caching, live publishing.

Both front doors run: the ASGI one `make run` uses (uvicorn workers), and the WSGI one for
WSGI-only servers (gthread).
"""

import dataclasses
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder import build_portal
from site_builder.publish import reuse_after

PROJECT = Path(__file__).resolve().parent.parent
SITE_URL = "http://127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(
    scope="module",
    params=[
        ("cms.asgi:application", "uvicorn_worker.UvicornWorker"),
        ("cms.wsgi:application", "gthread"),
    ],
    ids=["asgi", "wsgi"],
)
def server(request, shared_catalogue, build_shared_portal):
    app, worker_class = request.param
    catalogue = shared_catalogue
    portal = build_shared_portal(SITE_URL, "serving", search=False)
    data = portal.parent
    port = free_port()
    env = dict(
        os.environ,
        PORTAL_DIR=str(portal),
        SANTER_DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
        WEB_CONCURRENCY="2",  # as on a 2-core server: a publish must reach every process
        REQUEST_MAX_BODY_BYTES=str(1024 * 1024),
        GUNICORN_WORKER_CLASS=worker_class,
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [gunicorn, app, "--config", "cms/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    yield {"port": port, "portal": portal, "catalogue": catalogue}
    process.terminate()
    process.wait(timeout=20)


def get(server, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_pages_carry_security_headers_and_short_caching(server):
    response, body = get(server, "/layanan/ktp-el-pemula/")
    assert response.status == 200
    assert b"data-deep-link" in body
    csp = response.getheader("Content-Security-Policy")
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy")
    cache = response.getheader("Cache-Control")
    assert "max-age=60" in cache and "immutable" not in cache
    etag = response.getheader("ETag")
    again, _ = get(server, "/layanan/ktp-el-pemula/", {"If-None-Match": etag})
    assert again.status == 304


def test_a_page_without_its_slash_redirects_with_the_same_headers(server):
    response, _ = get(server, "/layanan/ktp-el-pemula")
    assert response.status == 302
    assert response.getheader("Location") == "ktp-el-pemula/"
    assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy")
    head = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    head.request("HEAD", "/layanan/ktp-el-pemula/")
    answer = head.getresponse()
    assert answer.status == 200 and answer.read() == b""
    head.close()


def test_hashed_assets_are_immutable_and_text_is_sent_compressed(server):
    (css,) = (server["portal"] / "assets").glob("santer.*.css")
    response, _ = get(server, f"/assets/{css.name}", {"Accept-Encoding": "gzip, br"})
    assert response.status == 200
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.getheader("Content-Encoding") == "br"
    page, _ = get(server, "/", {"Accept-Encoding": "gzip"})
    assert page.getheader("Content-Encoding") == "gzip"


def test_unknown_path_gets_the_portal_404_page_and_admin_stays_django(server):
    response, body = get(server, "/tidak-ada/")
    assert response.status == 404
    assert "Halaman tidak ditemukan" in body.decode()
    assert response.getheader("Content-Security-Policy")
    admin, _ = get(server, "/admin/login/")
    assert admin.status != 404  # Django answers it (a fresh database may lack tables: 500 is fine here)
    assert "frame-ancestors 'none'" not in (admin.getheader("Content-Security-Policy") or "")


def test_a_new_build_is_served_without_restarting_by_every_process_at_once(server):
    """Once build_portal has switched, no request gets the page from before: not on a fresh
    connection (either server process), not on a connection kept alive from before the publish."""
    catalogue = server["catalogue"]
    path = "/layanan/akta-kelahiran/"
    kept = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    kept.request("GET", path)
    assert b"Akta Kelahiran Baru" not in kept.getresponse().read()
    time.sleep(1)  # both processes idle for a while before the publish
    services = dict(catalogue.services)
    services["akta-kelahiran"] = dataclasses.replace(services["akta-kelahiran"], title="Akta Kelahiran Baru")
    build_portal(dataclasses.replace(catalogue, services=services), server["portal"], SITE_URL, search=False)
    stale = []
    for n in range(30):
        if n % 3:
            response, body = get(server, path)
        else:
            kept.request("GET", path)
            response = kept.getresponse()
            body = response.read()
        assert response.status == 200
        assert int(response.getheader("Content-Length")) == len(body)
        if "Akta Kelahiran Baru" not in body.decode():
            stale.append(n)
    kept.close()
    assert stale == [], f"requests {stale} of 30 after the publish got the page from before"


def test_a_page_rewritten_in_the_same_second_at_the_same_length_is_not_answered_304(server):
    """A browser revalidating its copy gets the new page, whatever its validators; a page the
    publish left alone still gets 304 (it is linked from the build before, not rewritten)."""
    catalogue = server["catalogue"]
    path, untouched = "/layanan/akta-kematian/", "/layanan/ktp-el-pemula/"
    before, old_body = get(server, path, {"Accept-Encoding": "br"})
    kept, _ = get(server, untouched, {"Accept-Encoding": "br"})
    page = server["portal"].resolve() / path.strip("/") / "index.html"
    old_mtime = page.stat().st_mtime
    services = dict(catalogue.services)
    title = services["akta-kematian"].title
    services["akta-kematian"] = dataclasses.replace(services["akta-kematian"], title=title.swapcase())
    build_portal(dataclasses.replace(catalogue, services=services), server["portal"], SITE_URL, search=False)
    new_page = server["portal"].resolve() / path.strip("/") / "index.html"
    # The worst case, made certain: the new version written in the old one's second (WhiteNoise's
    # own validators, mtime in seconds and size, are then equal).
    for copy in (new_page, *new_page.parent.glob("index.html.*")):
        os.utime(copy, (old_mtime, old_mtime))
    deadline = time.monotonic() + 10
    while title.swapcase() not in get(server, path)[1].decode():
        assert time.monotonic() < deadline, "the publish never went live"
        time.sleep(0.1)
    for validator in (
        {"If-None-Match": before.getheader("ETag")},
        {"If-Modified-Since": before.getheader("Last-Modified")},
    ):
        again, body = get(server, path, validator)
        assert again.status == 200, f"{validator} answered {again.status}: the browser keeps the old page"
        assert title.swapcase() in body.decode()
    same, _ = get(server, untouched, {"If-None-Match": kept.getheader("ETag"), "Accept-Encoding": "br"})
    assert same.status == 304


def test_a_retired_build_is_left_for_the_live_one_at_once(shared_catalogue, tmp_path):
    from cms.portal.serving import PortalApp

    catalogue = shared_catalogue
    portal = tmp_path / "portal"
    build_portal(catalogue, portal, SITE_URL, search=False)
    app = PortalApp(lambda environ, start_response: [], portal)
    app.live()
    known = portal.resolve()
    services = dict(catalogue.services)
    for n in range(3):  # the build the app knows is retired, then recycled into a newer one
        time.sleep(reuse_after(len(catalogue.services)) + 0.2)
        services["akta-kelahiran"] = dataclasses.replace(services["akta-kelahiran"], title=f"Judul {n}")
        report = build_portal(
            dataclasses.replace(catalogue, services=services), portal, SITE_URL, search=False
        )
        if report.cleanup:
            report.cleanup.join()
    assert not known.exists()
    statuses = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/layanan/akta-kelahiran/"}
    body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses == ["200 OK"]
    assert b"Judul 2" in body


def test_a_body_over_the_limit_is_refused_before_it_is_read(server, request):
    """A 50 MB upload announced to the admin is answered 413 at once, without sending the body;
    a chunked body over the limit too; a small form still reaches Django (its CSRF refusal)."""
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=5)
    conn.putrequest("POST", "/admin/login/")
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Content-Length", str(50 * 1024 * 1024))
    conn.endheaders()  # and no body: the answer must not wait for it
    response = conn.getresponse()
    assert response.status == 413
    assert "Permintaan terlalu besar: paling banyak 1 MB" in response.read().decode()
    conn.close()

    small = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    small.request(
        "POST",
        "/admin/login/",
        body=b"username=a&password=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = small.getresponse()
    answer.read()
    assert answer.status == 403  # Django's CSRF check: the request got through the front door
    small.close()

    if "asgi" not in request.node.callspec.id:
        return  # gunicorn's own WSGI worker streams a chunked body to Django, which reads it lazily
    chunked = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    chunks = (b"x" * 65536 for _ in range(32))  # 2 MB, no Content-Length
    chunked.request(
        "POST",
        "/admin/login/",
        body=chunks,
        encode_chunked=True,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.getresponse().status == 413
    chunked.close()
