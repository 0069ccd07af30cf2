"""Serving the built portal at / through WhiteNoise, in front of Django (admin, API).

WhiteNoise (autorefresh off, as in production) reads a folder's file list and headers once.
That is only correct for a folder that never changes — and a build never changes after it
is complete (site_builder.publish): PORTAL_DIR is a symlink that a publish swaps to a new
build. So there is one WhiteNoise per build: on each request a single readlink(2) tells
whether the live build changed; if it did, a background thread scans the new build while
requests keep being served from the previous (still complete, still on disk) build until the
new one is ready — a second or two at 10k services.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from wsgiref.headers import Headers

from whitenoise import WhiteNoise
from whitenoise.responders import StaticFile
from whitenoise.string_utils import decode_path_info

from site_builder.theme import HASHED_ASSET_RE

# Paths Django answers; everything else is the portal.
DJANGO_PREFIXES = ("/admin/", "/admin", "/api/", "/cms/", "/static/", "/media/", "/documents/")
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
_HASHED = re.compile(HASHED_ASSET_RE)


def portal_headers(headers: Headers, path: str, url: str) -> None:
    """WhiteNoise calls this once per file when it scans a build; the result is cached."""
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    if _HASHED.search(url):
        headers["Cache-Control"] = IMMUTABLE
    else:
        headers["Cache-Control"] = f"public, max-age={HTML_MAX_AGE}, must-revalidate"


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

    def redirect(self, from_url, to_url):
        redirect = super().redirect(from_url, to_url)  # "/layanan/x" → "x/"
        redirect.response.headers.extend(SECURITY_HEADERS.items())
        return redirect

    def serve(self, static_file, environ, start_response):
        if (
            not isinstance(static_file, StaticFile)
            or environ["REQUEST_METHOD"] != "GET"
            or "HTTP_RANGE" in environ
            or static_file.is_not_modified(environ)
        ):
            return super().serve(static_file, environ, start_response)
        path, headers = static_file.get_path_and_headers(environ)
        body = self._bytes.get(path)
        if body is None:
            with open(path, "rb") as fh:
                body = fh.read()
            if len(body) <= self.MAX_CACHED_FILE and self._cached + len(body) <= self.MAX_CACHE:
                self._bytes[path] = body  # dict assignment is atomic: safe across threads
                self._cached += len(body)
        start_response("200 OK", list(headers))
        return [body]


def whitenoise_for(build_dir: str) -> WhiteNoise:
    return BuildFiles(
        None,
        root=build_dir,
        max_age=HTML_MAX_AGE,
        allow_all_origins=False,
        index_file=True,
        immutable_file_test=HASHED_ASSET_RE,
        add_headers_function=portal_headers,
    )


class PortalApp:
    """WSGI: a file of the live portal build if there is one, else Django (404 → the portal's 404.html)."""

    def __init__(self, application, portal_dir: str | os.PathLike):
        self.application = application
        self.portal_dir = str(Path(portal_dir).absolute())
        self._live: tuple[str | None, WhiteNoise | None] = (None, None)
        self._loading = threading.Lock()

    def live(self) -> WhiteNoise | None:
        key, files = self._live
        current = self._target()
        if current == key:
            return files
        if files is None:
            self._load(current)  # nothing to serve meanwhile: wait for the scan
        elif self._loading.acquire(blocking=False):
            # Scanning 10k pages takes a second or two: do it aside, keep serving the old build.
            self._loading.release()
            threading.Thread(target=self._load, args=(current,), daemon=True).start()
        return self._live[1]

    def _load(self, current: str | None) -> None:
        with self._loading:
            if self._live[0] == current:
                return
            build = os.path.join(os.path.dirname(self.portal_dir), current) if current else None
            files = whitenoise_for(os.path.realpath(build)) if build and os.path.isdir(build) else None
            self._live = (current, files)

    def _target(self) -> str | None:
        try:
            return os.readlink(self.portal_dir)  # one syscall: which build is live
        except FileNotFoundError:
            return None
        except OSError:
            return self.portal_dir  # a plain folder: served as it was when first seen

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(DJANGO_PREFIXES):
            return self.application(environ, start_response)
        files = self.live()
        if files is None:
            return self.application(environ, start_response)
        static_file = files.files.get(decode_path_info(path))
        if static_file is not None:
            try:
                return files.serve(static_file, environ, start_response)
            except FileNotFoundError:
                if environ.get("santer.retried"):
                    raise
                # The build being served was retired (two publishes within one scan): switch now.
                environ["santer.retried"] = True
                self._load(self._target())
                return self(environ, start_response)
        return self._django_or_not_found(files, environ, start_response)

    def _django_or_not_found(self, files: WhiteNoise, environ, start_response):
        captured = []

        def capture(status, headers, exc_info=None):
            captured.append((status, headers, exc_info))
            return lambda data: None

        body = self.application(environ, capture)
        status, headers, exc_info = captured[0]
        not_found = files.files.get("/404.html")
        if not status.startswith("404") or not_found is None:
            start_response(status, headers, exc_info)
            return body
        if hasattr(body, "close"):
            body.close()
        # The portal's own page, with a 404 status and no validators (it is not a cacheable resource).
        plain = {k: v for k, v in environ.items() if not k.startswith("HTTP_IF_")}
        response = not_found.get_response(environ["REQUEST_METHOD"], plain)
        headers = [(k, v) for k, v in response.headers if k not in ("ETag", "Last-Modified", "Cache-Control")]
        headers.append(("Cache-Control", "no-cache"))
        start_response("404 Not Found", headers)
        if response.file is None:
            return []
        return environ.get("wsgi.file_wrapper", _file_iter)(response.file)


def _file_iter(fh, size=65536):
    with fh:
        while chunk := fh.read(size):
            yield chunk
