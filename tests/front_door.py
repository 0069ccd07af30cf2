"""The portal's front doors (PortalASGI, PortalApp) called in-process, as a server calls them."""

import asyncio
import io
from pathlib import Path


def small_portal(site: Path) -> Path:
    """A build folder with one page and the 404 page."""
    (site / "layanan" / "ktp").mkdir(parents=True)
    (site / "layanan" / "ktp" / "index.html").write_text("<h1>KTP</h1>", encoding="utf-8")
    (site / "404.html").write_text("<h1>Halaman tidak ditemukan</h1>", encoding="utf-8")
    return site


def asgi_call(app, path, method="GET", headers=(), body=b"x=1", chunks=None):
    """(status, headers with lower-case names, body) of one request; `chunks` (a list) receives
    the body messages as sent. The request carries `body` (a form posted to a wrong address)."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(name.encode(), value.encode()) for name, value in headers],
        "query_string": b"",
    }
    messages = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    start, *bodies = messages
    if chunks is not None:
        chunks.extend(bodies)
    answer_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], answer_headers, b"".join(m.get("body", b"") for m in bodies)


def wsgi_call(app, path, method="GET", body=b"x=1"):
    """(status, headers with lower-case names, body) of one request, as asgi_call."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO(body)}
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), {k.lower(): v for k, v in headers}

    answer = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], answer
