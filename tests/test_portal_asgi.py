"""PortalASGI in-process: what the real-server tests cannot easily reach (large files, lifespan)."""

import asyncio

import pytest

from cms.portal.serving import PortalASGI
from tests.front_door import asgi_call, small_portal, wsgi_call


async def django_stub(scope, receive, send):
    """Stands in for Django: 404 for anything under /tidak-ada/, else 200 "django"."""
    status = 404 if scope["path"].startswith("/tidak-ada/") else 200
    await send({"type": "http.response.start", "status": status, "headers": [(b"x-from", b"django")]})
    await send({"type": "http.response.body", "body": b"django " + str(status).encode()})


@pytest.fixture
def portal(tmp_path):
    site = small_portal(tmp_path / "portal")
    (site / "besar.bin").write_bytes(bytes(range(256)) * 2048)  # 512 KB: above the in-memory limit
    return site


def test_pages_come_from_the_build_and_unknown_paths_get_the_portal_404(portal):
    app = PortalASGI(django_stub, portal)
    status, headers, body = asgi_call(app, "/layanan/ktp/")
    assert (status, body) == (200, b"<h1>KTP</h1>")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    status, headers, body = asgi_call(app, "/tidak-ada/")
    assert status == 404 and body == b"<h1>Halaman tidak ditemukan</h1>"
    assert headers["cache-control"] == "no-cache" and "etag" not in headers
    status, _, body = asgi_call(app, "/admin/")  # Django's prefixes never look at the build
    assert (status, body) == (200, b"django 200")


def test_large_files_are_streamed_in_chunks_and_ranges_honoured(portal):
    app = PortalASGI(django_stub, portal)
    bodies = []
    status, headers, body = asgi_call(app, "/besar.bin", chunks=bodies)
    assert status == 200 and body == (portal / "besar.bin").read_bytes()
    assert len(bodies) > 2 and bodies[-1].get("more_body", False) is False
    status, headers, body = asgi_call(app, "/besar.bin", headers=[("range", "bytes=10-19")])
    assert status == 206 and body == bytes(range(10, 20))
    assert headers["content-range"] == "bytes 10-19/524288"


def test_head_and_conditional_requests(portal):
    app = PortalASGI(django_stub, portal)
    status, headers, body = asgi_call(app, "/layanan/ktp/", method="HEAD")
    assert status == 200 and body == b"" and headers["content-length"] == "12"
    status, _, body = asgi_call(app, "/layanan/ktp/", headers=[("if-none-match", headers["etag"])])
    assert (status, body) == (304, b"")
    status, _, _ = asgi_call(app, "/layanan/ktp/", method="POST")
    assert status == 405


def test_lifespan_is_answered_without_django(portal):
    app = PortalASGI(django_stub, portal)
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []

    async def receive():
        return inbox.pop(0)

    async def send(message):
        sent.append(message["type"])

    asyncio.run(app({"type": "lifespan"}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def django_stub_wsgi(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"django 404"]


def test_a_retired_build_is_left_for_the_live_one_also_for_the_404_page(tmp_path):
    """A publish can retire (rename, recycle) the build a quiet server process still knows."""
    import shutil

    from cms.portal.serving import PortalApp

    builds = tmp_path / ".portal.builds"
    for name in ("lama", "baru"):
        (builds / name / "layanan" / "ktp").mkdir(parents=True)
        (builds / name / "layanan" / "ktp" / "index.html").write_text(f"<h1>KTP {name}</h1>")
        (builds / name / "404.html").write_text(f"<h1>Tidak ditemukan ({name})</h1>")
    portal = tmp_path / "portal"
    portal.symlink_to(".portal.builds/lama")
    asgi, wsgi = PortalASGI(django_stub, portal), PortalApp(django_stub_wsgi, portal)
    asgi.live(), wsgi.live()  # both scanned "lama"
    tmp = tmp_path / "link"
    tmp.symlink_to(".portal.builds/baru")
    tmp.replace(portal)
    shutil.rmtree(builds / "lama")

    assert asgi_call(asgi, "/tidak-ada/")[::2] == (404, b"<h1>Tidak ditemukan (baru)</h1>")
    assert wsgi_call(wsgi, "/tidak-ada/")[::2] == (404, b"<h1>Tidak ditemukan (baru)</h1>")
    assert asgi_call(asgi, "/layanan/ktp/")[::2] == (200, b"<h1>KTP baru</h1>")
