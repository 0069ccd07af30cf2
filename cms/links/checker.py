"""Checking whether links answer: HEAD first, GET when HEAD is refused, a few redirects at most.

Nothing here touches the database; `check_urls` takes URLs and returns one `CheckResult`
per URL, checking at most `concurrency` of them at a time in a thread pool (urllib is
blocking, and a handful of threads is plenty for a few hundred links).
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit

USER_AGENT = "Santer-LinkCheck/1.0 (+https://samarindakota.go.id)"
REDIRECT_CODES = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class CheckResult:
    url: str
    ok: bool
    status_code: int | None  # the last answer's status, None when nothing answered
    latency: float  # seconds until the final answer (all hops, GET fallback included)
    error: str = ""  # why it failed, in Bahasa Indonesia (shown to editors)
    final_url: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by `_fetch` itself, so it can count them and spot loops."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def _request_once(url: str, method: str, timeout: float) -> tuple[int, str | None]:
    """One request; returns (status, Location header). Raises OSError subclasses on failure."""
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx and 5xx land here
        exc.close()
        return exc.code, exc.headers.get("Location")


def _is_ok(status: int) -> bool:
    # 401/403: the app answers and asks for a login, which is what a deep link into it may do.
    return status < 400 or status in (401, 403)


def _fetch(url: str, method: str, timeout: float, max_redirects: int) -> tuple[int, str]:
    """Follow up to `max_redirects` redirects; returns (status, final URL) or raises _Failure."""
    seen = {url}
    current = url
    for _hop in range(max_redirects + 1):
        status, location = _request_once(current, method, timeout)
        if status not in REDIRECT_CODES:
            return status, current
        if not location:
            raise _Failure(status, f"Pengalihan {status} tanpa alamat tujuan.")
        target = urljoin(current, location)
        if urlsplit(target).scheme not in ("http", "https"):
            raise _Failure(status, f"Pengalihan ke alamat yang tidak didukung: {target[:80]}")
        if target in seen:
            raise _Failure(status, "Pengalihan berputar (redirect loop).")
        seen.add(target)
        current = target
    raise _Failure(status, f"Terlalu banyak pengalihan (lebih dari {max_redirects}).")


class _Failure(Exception):
    def __init__(self, status: int | None, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Waktu habis: server tidak menjawab."
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return "Waktu habis: server tidak menjawab."
        if isinstance(reason, ConnectionRefusedError):
            return "Koneksi ditolak."
        if isinstance(reason, socket.gaierror):
            return "Nama host tidak ditemukan."
        return f"Gagal terhubung: {reason}"
    return f"Gagal terhubung: {exc}"


def _attempt(url: str, method: str, timeout: float, max_redirects: int) -> _Outcome:
    try:
        status, final_url = _fetch(url, method, timeout, max_redirects)
    except _Failure as failure:
        return _Outcome(False, failure.status, failure.message)
    except (OSError, ValueError, HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        timed_out = isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError)
        return _Outcome(False, None, _describe(exc), timed_out=timed_out)
    if _is_ok(status):
        return _Outcome(True, status, final_url=final_url)
    return _Outcome(False, status, f"HTTP {status}")


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    status: int | None
    error: str = ""
    final_url: str = ""
    timed_out: bool = False


def check_url(url: str, *, timeout: float = 10.0, max_redirects: int = 5) -> CheckResult:
    """Check one URL: HEAD, then GET when HEAD is refused (405/501) or fails in any other way.

    A timeout is not retried with GET: the link would only take twice as long to be called slow.
    """
    started = time.perf_counter()
    outcome = _attempt(url, "HEAD", timeout, max_redirects)
    if not outcome.ok and not outcome.timed_out:
        outcome = _attempt(url, "GET", timeout, max_redirects)
    latency = time.perf_counter() - started
    return CheckResult(url, outcome.ok, outcome.status, latency, outcome.error, outcome.final_url)


def check_urls(
    urls, *, timeout: float = 10.0, max_redirects: int = 5, concurrency: int = 8
) -> dict[str, CheckResult]:
    """Check many URLs, at most `concurrency` at a time; returns {url: result}."""
    unique = list(dict.fromkeys(urls))
    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(unique)))) as pool:
        results = pool.map(lambda u: check_url(u, timeout=timeout, max_redirects=max_redirects), unique)
        return {result.url: result for result in results}
