"""Checking whether links answer: HEAD first, GET when HEAD is refused, a few redirects at most.

Nothing here touches the database; `check_urls` takes URLs and returns one `CheckResult`
per URL, checking at most `concurrency` of them at a time in a thread pool over one shared
httpx client (its connection pool keeps connections to the same app host open between links).
Redirects are followed one hop at a time with httpx's own next request, so they can be
counted and a loop spotted.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

USER_AGENT = "Santer-LinkCheck/1.0 (+https://samarindakota.go.id)"


@dataclass(frozen=True)
class CheckResult:
    url: str
    ok: bool
    status_code: int | None  # the last answer's status, None when nothing answered
    latency: float  # seconds until the final answer (all hops, GET fallback included)
    error: str = ""  # why it failed, in Bahasa Indonesia (shown to editors)
    final_url: str = ""


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx.Client:
    """The process's one HTTP client (thread-safe; made on first use)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(headers={"User-Agent": USER_AGENT}, follow_redirects=False)
        return _client


def _is_ok(status: int) -> bool:
    # 401/403: the app answers and asks for a login, which is what a deep link into it may do.
    return status < 400 or status in (401, 403)


def _fetch(url: str, method: str, timeout: float, max_redirects: int) -> tuple[int, str]:
    """Follow up to `max_redirects` redirects; returns (status, final URL) or raises _Failure."""
    http = client()
    request = http.build_request(method, url, timeout=timeout)
    seen = {url}
    for _hop in range(max_redirects + 1):
        response = http.send(request, stream=True)  # the body is never read
        response.close()
        status, current = response.status_code, str(request.url)
        if response.next_request is None:
            if httpx.codes.is_redirect(status):
                raise _Failure(status, f"Pengalihan {status} tanpa alamat tujuan.")
            return status, current
        request = response.next_request
        target = str(request.url)
        if request.url.scheme not in ("http", "https"):
            raise _Failure(status, f"Pengalihan ke alamat yang tidak didukung: {target[:80]}")
        if target in seen:
            raise _Failure(status, "Pengalihan berputar (redirect loop).")
        seen.add(target)
    raise _Failure(status, f"Terlalu banyak pengalihan (lebih dari {max_redirects}).")


class _Failure(Exception):
    def __init__(self, status: int | None, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "Waktu habis: server tidak menjawab."
    cause = exc
    while (inner := cause.__cause__ or cause.__context__) is not None:  # httpx → httpcore → socket
        cause = inner
    if isinstance(cause, ConnectionRefusedError):
        return "Koneksi ditolak."
    if isinstance(cause, socket.gaierror):
        return "Nama host tidak ditemukan."
    return f"Gagal terhubung: {cause or exc}"


def _attempt(url: str, method: str, timeout: float, max_redirects: int) -> _Outcome:
    try:
        status, final_url = _fetch(url, method, timeout, max_redirects)
    except _Failure as failure:
        return _Outcome(False, failure.status, failure.message)
    except httpx.HTTPError as exc:
        timed_out = isinstance(exc, httpx.TimeoutException)
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
