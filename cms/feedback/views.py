"""The search-report endpoint the portal's beacons post to.

Cheap and safe: the rate limit is checked first (django-ratelimit, per client address, counted in
the server process's memory, see CACHES in cms/settings.py; the address is only a hashed, expiring
cache key, never stored), then the body size (413), then a strict schema (400, with the reason in
Indonesian). The report itself is only added to an in-memory counter (see aggregate.py): 204 at once.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import aggregate
from .scrub import clean_query

MAX_QUERY_LENGTH = 100
MAX_BODY_BYTES = 2048
SERVICE_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class SearchReport(BaseModel):
    """One finished search, or one opened result of it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    q: str = Field(min_length=1, max_length=500)
    results: int = Field(ge=0, le=1_000_000)
    opened: int | None = Field(default=None, ge=1, le=1000)  # rank of the opened result, 1 = first
    service: str | None = Field(default=None, pattern=SERVICE_ID, max_length=100)  # the opened one
    top: str | None = Field(default=None, pattern=SERVICE_ID, max_length=100)  # the first result


def problem(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def schema_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "-"
    return f"Kolom '{where}' tidak valid: {first['msg']}."


def limited(request, group: str, rate: str) -> bool:
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)


def accept_report(request, body: bytes) -> tuple[int, dict | None]:
    """(status, JSON error or None) for one search report; counts it when it is good.

    `request` only needs META and method (the rate limit's client address). Shared by the
    Django view and the ASGI front door's fast path (cms.feedback.asgi).
    """
    if limited(request, "search-report", settings.SEARCH_LOG_RATE):
        return 429, {"error": "Terlalu banyak laporan pencarian; coba lagi sebentar lagi."}
    if len(body) > MAX_BODY_BYTES:
        return 413, {"error": f"Isi permintaan terlalu besar (paling banyak {MAX_BODY_BYTES} bita)."}
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return 400, {"error": "Isi permintaan bukan JSON yang valid."}
    try:
        report = SearchReport.model_validate(data)
    except ValidationError as exc:
        return 400, {"error": schema_error(exc)}
    query = clean_query(report.q, MAX_QUERY_LENGTH)
    if query:
        aggregate.add(query, report.results, report.opened, report.service, report.top)
    return 204, None


def bounded_body(request, limit: int) -> bytes:
    """At most limit + 1 bytes of the body: a body announced as larger is never read (the
    caller refuses anything longer than `limit` with 413, after the rate limit)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > limit:
        return b"x" * (limit + 1)
    return request.read(limit + 1)


@csrf_exempt  # no session, no cookie: nothing a forged request could abuse
@require_POST
def search_report(request):
    body = bounded_body(request, MAX_BODY_BYTES)
    status, error = accept_report(request, body)
    if error:
        return problem(status, error["error"])
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response
