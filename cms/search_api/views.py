"""GET /api/search?q=…[&opd=…][&category=…][&size=…]: read-only JSON search over published services."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from catalogue import urls

from .backends import run_search

MAX_SIZE = 50
MAX_QUERY = 200


@require_GET
def search_view(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    try:
        size = min(max(int(request.GET.get("size", 20)), 1), MAX_SIZE)
    except ValueError:
        return JsonResponse({"error": "Parameter 'size' harus berupa angka."}, status=400)
    filters = {"opd": request.GET.get("opd") or None, "category": request.GET.get("category") or None}
    if not query:
        return JsonResponse({"query": "", "backend": None, "count": 0, "results": []})
    backend, results = run_search(query, size=size, **filters)
    for result in results:
        result["url"] = urls.service(result["id"])
    response = JsonResponse({"query": query, "backend": backend, "count": len(results), "results": results})
    response["Cache-Control"] = "public, max-age=60"
    return response
