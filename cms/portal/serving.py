"""Serving the built portal at / through WhiteNoise, in front of Django (admin, API).

WhiteNoise (autorefresh off, as in production) reads a folder's file list and headers once.
That is only correct for a folder that never changes — and a build never changes after it
is complete (site_builder.publish): PORTAL_DIR is a symlink that a publish swaps to a new
build. So there is one WhiteNoise per build (LivePortal): each serving process watches the
symlink and scans a new build as soon as a publish makes it live (0.1 s at 1,000 services, a
second or two at 10k); a request that comes during that scan waits for it, so no process
answers from the old build once another has answered from the new one.

Two front doors share that: PortalApp (WSGI, cms/wsgi.py) and PortalASGI (ASGI, cms/asgi.py,
what cms/gunicorn.conf.py runs on uvicorn workers). The ASGI one exists for speed: uvicorn
answers a portal request on its event loop without handing it to a thread pool, several times
the requests per second of gunicorn's threaded WSGI worker on the same file table.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
import time
from concurrent.futures import Future
from email.utils import parsedate
from http import HTTPStatus
from pathlib import Path
from typing import NamedTuple
from wsgiref.headers import Headers

from whitenoise import WhiteNoise
from whitenoise.responders import StaticFile
from whitenoise.string_utils import decode_path_info

from catalogue.hashing import HASHED_PATH_RE
from catalogue.urls import DJANGO_PREFIXES

SEARCH_REPORT_PATH = "/api/laporan-pencarian"  # cms.feedback: answered before Django (see PortalASGI)
# DJANGO_PREFIXES: the paths Django answers; everything else is the portal, and a portal path the
# live build has no file for gets the build's own 404 page straight from the front door, as fast
# as a page (Django has no route outside them: tests/test_portal_not_found.py checks that).
HTML_MAX_AGE = 60  # seconds before a browser revalidates a page (ETag/Last-Modified → 304)
IMMUTABLE = "public, max-age=31536000, immutable"
SECURITY_HEADERS = {
    # Scripts and styles only from the portal itself (JSON-LD blocks are data, not scripts).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
_HASHED = re.compile(HASHED_PATH_RE)
# Revalidated on every load: a new service worker (a new build's assets) must be seen at once.
NO_CACHE = frozenset({"/sw.js"})
CHUNK = 64 * 1024


def strict_transport_security() -> dict[str, str]:
    """HSTS as Django's SecurityMiddleware sends it (SECURE_HSTS_*, on with HTTPS=1), for the portal's
    files, which never reach Django. Browsers ignore the header on plain-HTTP answers (RFC 6797)."""
    from django.conf import settings

    if not settings.SECURE_HSTS_SECONDS:
        return {}
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return {"Strict-Transport-Security": value}


def portal_headers(headers: Headers, path: str, url: str) -> None:
    """WhiteNoise calls this once per file when it scans a build; the result is cached."""
    for name, value in {**SECURITY_HEADERS, **strict_transport_security()}.items():
        headers[name] = value
    if url in NO_CACHE:
        headers["Cache-Control"] = "no-cache"
    elif _HASHED.search(url):
        headers["Cache-Control"] = IMMUTABLE
    else:
        headers["Cache-Control"] = f"public, max-age={HTML_MAX_AGE}, must-revalidate"


class BuildFile(StaticFile):
    """One file of a build, with validators that tell two versions of it apart.

    WhiteNoise's own ETag is the file's mtime in whole seconds and its size, and Last-Modified has
    whole seconds too: a page rewritten within the second it was last served, at the same length
    (a one-letter fix, two publishes moments apart), was answered 304 and the browser kept the old
    page for good. This ETag also names the inode and the nanosecond mtime: a build writes each
    changed file anew, and links unchanged ones from the build before (same inode, same ETag, so
    revalidating them across publishes still gets 304).
    """

    def is_not_modified(self, request_headers):
        if "HTTP_IF_NONE_MATCH" in request_headers:
            return request_headers["HTTP_IF_NONE_MATCH"] == self.etag
        # If-Modified-Since alone (HTTP/1.0 clients): a date in the file's own second may name a
        # version from before a rewrite in that second; only a later one proves the copy current.
        since = request_headers.get("HTTP_IF_MODIFIED_SINCE")
        since_ts = parsedate(since) if since else None
        return since_ts is not None and self.last_modified is not None and since_ts > self.last_modified


def file_etag(stat: os.stat_result) -> str:
    return f'"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"'


class Reply(NamedTuple):
    """One answer from a build: the body is either bytes (small files, from memory) or a file."""

    status: HTTPStatus
    headers: list[tuple[str, str]]
    body: bytes = b""
    file: object = None
    key: str | None = None  # the file (and encoding) whose headers these are, when they never change


class BuildFiles(WhiteNoise):
    """WhiteNoise for one immutable build, keeping small files' bytes in memory.

    A build never changes, so its bytes can be cached without any check: a page is then
    answered without open/read/close — the main per-request cost after HTTP parsing.
    """

    MAX_CACHED_FILE = 256 * 1024
    MAX_CACHE = 64 * 1024 * 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bytes: dict[str, bytes] = {}
        self._cached = 0
        self._raw: dict[str, list[tuple[bytes, bytes]]] = {}

    def get_static_file(self, path, url, stat_cache=None):
        """WhiteNoise's own, with BuildFile's validators (from the stat its scan already made)."""
        headers = Headers([])
        self.add_mime_headers(headers, path, url)
        self.add_cache_headers(headers, path, url)
        if self.add_headers_function is not None:
            self.add_headers_function(headers, path, url)
        headers["ETag"] = file_etag(stat_cache[path] if stat_cache else os.stat(path))
        encodings = {"gzip": path + ".gz", "br": path + ".br"}
        return BuildFile(path, headers.items(), stat_cache=stat_cache, encodings=encodings)

    def redirect(self, from_url, to_url):
        redirect = super().redirect(from_url, to_url)  # "/layanan/x" → "x/"
        redirect.response.headers.extend({**SECURITY_HEADERS, **strict_transport_security()}.items())
        return redirect

    def respond(self, static_file, method: str, request: dict) -> Reply:
        """WhiteNoise's answer for a file (304, 405, ranges, encodings), small bodies from memory."""
        if (
            not isinstance(static_file, StaticFile)
            or method not in ("GET", "HEAD")
            or "HTTP_RANGE" in request
            or static_file.is_not_modified(request)
        ):
            response = static_file.get_response(method, request)
            return Reply(response.status, list(response.headers), b"", response.file)
        path, headers = static_file.get_path_and_headers(request)
        body = self._read(path) if method == "GET" else b""
        if body is None:
            return Reply(HTTPStatus.OK, list(headers), b"", open(path, "rb"))  # noqa: SIM115
        return Reply(HTTPStatus.OK, headers, body, key=path)

    def raw_headers(self, reply: Reply) -> list[tuple[bytes, bytes]]:
        """ASGI wants header bytes: encode each file's headers once per build."""
        raw = self._raw.get(reply.key) if reply.key else None
        if raw is None:
            raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
            if reply.key:
                self._raw[reply.key] = raw
        return raw

    def not_found(self, method: str, request: dict) -> Reply | None:
        """The portal's own 404 page, with a 404 status and no validators (not a cacheable resource)."""
        page = self.files.get("/404.html")
        if page is None:
            return None
        plain = {k: v for k, v in request.items() if not k.startswith("HTTP_IF_")}
        reply = self.respond(page, "GET", plain)  # whatever the method: the page, with status 404
        headers = [(k, v) for k, v in reply.headers if k not in ("ETag", "Last-Modified", "Cache-Control")]
        headers.append(("Cache-Control", "no-cache"))
        if method == "HEAD":
            return Reply(HTTPStatus.NOT_FOUND, headers)
        return reply._replace(status=HTTPStatus.NOT_FOUND, headers=headers, key=None)

    def _read(self, path: str) -> bytes | None:
        """A small file's bytes (cached); None for a large one, which is streamed instead."""
        body = self._bytes.get(path)
        if body is not None:
            return body
        if os.path.getsize(path) > self.MAX_CACHED_FILE:
            return None
        with open(path, "rb") as fh:
            body = fh.read()
        if self._cached + len(body) <= self.MAX_CACHE:
            self._bytes[path] = body  # dict assignment is atomic: safe across threads
            self._cached += len(body)
        return body


Answer = tuple[BuildFiles | None, Reply | None]  # the build that answered, and its reply (None: no file)


def whitenoise_for(build_dir: str) -> BuildFiles:
    return BuildFiles(
        None,
        root=build_dir,
        max_age=HTML_MAX_AGE,
        allow_all_origins=False,
        index_file=True,
        immutable_file_test=HASHED_PATH_RE,
        add_headers_function=portal_headers,
    )


class LivePortal:
    """The file table of the build PORTAL_DIR points at, rescanned when a publish swaps it.

    Every process serving the portal watches the symlink (one readlink(2) every
    `watch_seconds`) and scans a new build as soon as it is live, so a process that had no
    request for a while is not behind. A request that arrives while the scan is under way
    waits for it, up to `max_wait` (the ASGI front door awaits it without blocking its event
    loop): once any process has answered from the new build, no process answers from the old
    one — an editor who sees a change live does not get the page from before on the next
    request — unless a scan takes longer than `max_wait` (then the old build answers meanwhile).
    """

    def __init__(self, portal_dir: str | os.PathLike, watch_seconds: float = 0.2, max_wait: float = 1.0):
        self.portal_dir = str(Path(portal_dir).absolute())
        self.watch_seconds = watch_seconds
        # A request waits at most this long for a scan (a big build on a saturated machine): then it
        # is answered from the previous build, complete and consistent, rather than time out.
        self.max_wait = max_wait
        self._live: tuple[str | None, BuildFiles | None] = (None, None)
        # The build served before the live one: a page another server process still serves from
        # it asks this process for its content-hashed files (as nginx falls back to builds/.previous).
        self._previous: BuildFiles | None = None
        self._loading = threading.Lock()  # one scan at a time
        self._scans: dict[str | None, Future] = {}  # target → its scan under way
        self._scans_lock = threading.Lock()
        self._watching = False
        os.register_at_fork(after_in_child=self._forked)  # threads do not survive gunicorn's fork

    def files(self) -> BuildFiles | None:
        """The live build's files, scanned first if a publish has just switched to it."""
        current = self._target()
        if current != self._live[0]:
            # A failed scan, or one slower than max_wait: keep answering from the last build.
            with contextlib.suppress(Exception):
                self._scan(current).result(timeout=self.max_wait)
        return self._live[1]

    async def files_async(self) -> BuildFiles | None:
        """files() for an event loop: the wait for a scan does not hold up other requests."""
        current = self._target()
        if current != self._live[0]:
            with contextlib.suppress(Exception):
                scan = asyncio.wrap_future(self._scan(current))
                await asyncio.wait_for(asyncio.shield(scan), self.max_wait)
        return self._live[1]

    def switch_now(self) -> BuildFiles | None:
        """The build being served was retired (two publishes within one scan): load the live one."""
        self._load(self._target())
        return self._live[1]

    def answer(self, path: str, method: str, request: dict) -> Answer:
        """The live build and its reply for `path`; no reply when the build has no such file."""
        self._watch()
        return self.reply(self.files(), path, method, request)

    async def answer_async(self, path: str, method: str, request: dict) -> Answer:
        self._watch()
        return self.reply(await self.files_async(), path, method, request)

    def reply(self, files: BuildFiles | None, path: str, method: str, request: dict) -> Answer:
        static_file = files.files.get(path) if files else None
        if static_file is None:
            return files, self._from_previous(path, method, request)
        try:
            return files, files.respond(static_file, method, request)
        except FileNotFoundError:  # that build was retired meanwhile (recycled by a publish)
            files = self.switch_now()
            static_file = files.files.get(path) if files else None
            return files, (files.respond(static_file, method, request) if static_file else None)

    def _from_previous(self, path: str, method: str, request: dict) -> Reply | None:
        previous = self._previous
        if previous is None or not _HASHED.search(path) or (static_file := previous.files.get(path)) is None:
            return None
        try:
            return previous.respond(static_file, method, request)
        except FileNotFoundError:  # recycled meanwhile
            return None

    def not_found(self, files: BuildFiles, method: str, request: dict) -> tuple[BuildFiles, Reply | None]:
        """The portal's 404 page from `files`, or from the live build if that one was retired."""
        try:
            return files, files.not_found(method, request)
        except FileNotFoundError:
            live = self.switch_now()
            return live, (live.not_found(method, request) if live else None)

    def _scan(self, target: str | None) -> Future:
        """The scan of `target` under way, started if there is none (one thread per new build)."""
        with self._scans_lock:
            scan = self._scans.get(target)
            if scan is None:
                scan = self._scans[target] = Future()
                threading.Thread(target=self._run_scan, args=(target, scan), daemon=True).start()
        return scan

    def _run_scan(self, target: str | None, scan: Future) -> None:
        try:
            self._load(target)
            scan.set_result(None)
        except Exception as error:  # e.g. the build was recycled while it was being scanned
            scan.set_exception(error)
        finally:
            with self._scans_lock:
                self._scans.pop(target, None)

    def _watch(self) -> None:
        """Start this process's watcher once: only processes that answer requests watch."""
        if self._watching or not self.watch_seconds:
            return
        self._watching = True
        threading.Thread(target=self._watch_loop, name="portal-watcher", daemon=True).start()

    def _forked(self) -> None:
        self._watching = False
        self._scans_lock = threading.Lock()  # in case another thread held it at the fork
        self._loading = threading.Lock()
        self._scans = {}

    def _watch_loop(self) -> None:
        while True:
            time.sleep(self.watch_seconds)
            self.files()  # starts the scan of a new build (or joins the one under way)

    def _load(self, current: str | None) -> None:
        with self._loading:
            if self._live[0] == current:
                return
            build = os.path.join(os.path.dirname(self.portal_dir), current) if current else None
            files = whitenoise_for(os.path.realpath(build)) if build and os.path.isdir(build) else None
            self._previous = self._live[1]
            self._live = (current, files)

    def _target(self) -> str | None:
        try:
            return os.readlink(self.portal_dir)  # one syscall: which build is live
        except FileNotFoundError:
            return None
        except OSError:
            return self.portal_dir  # a plain folder: served as it was when first seen


class _PortalFront:
    """What both front doors hold: Django (`application`) and the live portal build."""

    def __init__(
        self,
        application,
        portal_dir: str | os.PathLike,
        watch_seconds: float = 0.2,
        max_body: int = 32 * 1024 * 1024,
        switch_wait: float = 1.0,
    ):
        self.application = application
        self.portal = LivePortal(portal_dir, watch_seconds, switch_wait)
        # Django's ASGI handler spools a whole request body to disk before any view can refuse it:
        # a larger body is refused here, before it is read.
        self.max_body = max_body

    @classmethod
    def from_settings(cls, application):
        """The front door as cms/settings.py configures it (cms/asgi.py, cms/wsgi.py)."""
        from django.conf import settings

        return cls(
            application,
            settings.PORTAL_DIR,
            watch_seconds=settings.PORTAL_WATCH_SECONDS,
            max_body=settings.REQUEST_MAX_BODY_BYTES,
            switch_wait=settings.PORTAL_SWITCH_WAIT_SECONDS,
        )

    def live(self) -> BuildFiles | None:
        return self.portal.files()


class PortalApp(_PortalFront):
    """WSGI: a file of the live portal build if there is one, else Django (404 → the portal's 404.html)."""

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(DJANGO_PREFIXES):
            length = environ.get("CONTENT_LENGTH") or "0"
            if length.isdigit() and int(length) > self.max_body:
                start_response("413 Content Too Large", [("Content-Type", "text/plain; charset=utf-8")])
                return [too_large_message(self.max_body)]
            return self.application(environ, start_response)
        method = environ["REQUEST_METHOD"]
        files, reply = self.portal.answer(decode_path_info(path), method, environ)
        if reply is None and files is not None:
            _, reply = self.portal.not_found(files, method, environ)
        if reply is None:  # no build yet, or one without a 404 page
            return self.application(environ, start_response)
        return self._send(reply, environ, start_response)

    @staticmethod
    def _send(reply: Reply, environ, start_response):
        start_response(f"{reply.status} {reply.status.phrase}", reply.headers)
        if reply.file is not None:
            return environ.get("wsgi.file_wrapper", _file_iter)(reply.file)
        return [reply.body] if reply.body else []


def _file_iter(fh, size=CHUNK):
    with fh:
        while chunk := fh.read(size):
            yield chunk


# The request headers WhiteNoise looks at, by their ASGI (lower-case) names.
_ASGI_REQUEST_HEADERS = {
    b"accept-encoding": "HTTP_ACCEPT_ENCODING",
    b"if-none-match": "HTTP_IF_NONE_MATCH",
    b"if-modified-since": "HTTP_IF_MODIFIED_SINCE",
    b"range": "HTTP_RANGE",
}


class PortalASGI(_PortalFront):
    """ASGI: the same portal files as PortalApp, Django's ASGI handler for the rest."""

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)  # Django has no start-up/shut-down hooks to run
        path = scope.get("path", "")
        if scope["type"] == "http" and path == SEARCH_REPORT_PATH and scope["method"] == "POST":
            from cms.feedback.asgi import search_report  # Django is set up by now

            return await search_report(scope, receive, send)  # beacons: on the loop, not via Django
        if scope["type"] == "http" and path.startswith(DJANGO_PREFIXES):
            receive = await _bounded_body(scope, receive, self.max_body)
            if receive is None:
                return await _send_too_large(send, self.max_body)
            return await self.application(scope, receive, send)
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        request = _request_headers(scope)
        files, reply = await self.portal.answer_async(path, scope["method"], request)
        if reply is None and files is not None:
            files, reply = self.portal.not_found(files, scope["method"], request)
        if reply is None:  # no build yet, or one without a 404 page
            return await self.application(scope, receive, send)
        await _send(files, reply, send)


def too_large_message(limit: int) -> bytes:
    return f"Permintaan terlalu besar: paling banyak {limit // (1024 * 1024)} MB.\n".encode()


async def _bounded_body(scope, receive, limit: int):
    """`receive` for Django, or None when the body is over `limit` bytes.

    A declared Content-Length is checked before anything is read; a chunked body (no length)
    is read here up to the limit and then replayed to Django.
    """
    length = None
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
            break
    else:
        if not any(name == b"transfer-encoding" for name, _ in scope["headers"]):
            return receive  # no body at all
    if length is not None:
        return receive if length <= limit else None
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body"):
            break
    replay = iter(messages)

    async def replayed():
        return next(replay, None) or await receive()

    return replayed


async def _send_too_large(send, limit: int) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": too_large_message(limit)})


async def _send(files: BuildFiles, reply: Reply, send) -> None:
    headers = files.raw_headers(reply)
    await send({"type": "http.response.start", "status": int(reply.status), "headers": headers})
    if reply.file is None:
        await send({"type": "http.response.body", "body": reply.body})
        return
    loop = asyncio.get_running_loop()
    try:
        while chunk := await loop.run_in_executor(None, reply.file.read, CHUNK):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        reply.file.close()


def _request_headers(scope) -> dict[str, str]:
    request = {}
    for name, value in scope["headers"]:
        key = _ASGI_REQUEST_HEADERS.get(name)
        if key is not None:
            request[key] = value.decode("latin-1")
    return request


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
