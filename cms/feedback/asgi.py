"""The search-report endpoint answered by the ASGI front door itself, on the event loop.

Beacons come in bursts from every visitor: through Django they would take the middleware stack
and the one thread Django gives synchronous views under ASGI, competing with the admin. Here a
report costs a bounded body read, the same checks as the Django view (views.accept_report:
django-ratelimit, schema, scrubbing) and an in-memory count; the portal's pages, answered on the
same loop, do not wait for the database (see aggregate.py).
"""

from __future__ import annotations

import json

from django.http import HttpRequest

from .views import MAX_BODY_BYTES, accept_report

HEADERS = [(b"cache-control", b"no-store")]


async def search_report(scope, receive, send) -> None:
    request = HttpRequest()
    request.method = scope["method"]
    client = scope.get("client") or ("", 0)
    request.META = {"REMOTE_ADDR": client[0], "REQUEST_METHOD": scope["method"]}
    for name, value in scope.get("headers", []):
        request.META["HTTP_" + name.decode("latin-1").upper().replace("-", "_")] = value.decode("latin-1")
    length = request.META.get("HTTP_CONTENT_LENGTH", "0")
    body = b""
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        body = b"x" * (MAX_BODY_BYTES + 1)  # refused after the rate limit; the rest is never read
    else:
        more = True
        while more and len(body) <= MAX_BODY_BYTES:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
    status, error = accept_report(request, body)
    headers = list(HEADERS)
    payload = b""
    if error:
        payload = json.dumps(error, ensure_ascii=False).encode("utf-8")
        headers.append((b"content-type", b"application/json"))
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
