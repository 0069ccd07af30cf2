"""Which search answers /api/search: Elasticsearch when ELASTICSEARCH_URL is set and reachable,
else the Python twin of the portal's static search over the published catalogue."""

from __future__ import annotations

import threading
import time

from django.conf import settings

from cms.services.exporting import published_catalogue
from search import elastic
from search.analysis import highlight_html
from search.query import StaticSearcher
from search.results import SearchResult
from search.static_index import build_index

PYTHON_INDEX_TTL = 60  # seconds: publishing shows up in the fallback search within a minute
_lock = threading.Lock()
_cached: tuple[float, StaticSearcher, object] | None = None


class SearchUnavailable(Exception):
    """Elasticsearch is configured but did not answer."""


def _python_searcher():
    global _cached
    with _lock:
        if _cached is None or time.monotonic() - _cached[0] > PYTHON_INDEX_TTL:
            catalogue = published_catalogue()
            searcher = StaticSearcher(build_index(catalogue).files)
            _cached = (time.monotonic(), searcher, catalogue)
        return _cached[1], _cached[2]


def reset_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def python_search(
    query: str, *, opd: str | None = None, category: str | None = None, size: int = 20
) -> list[dict]:
    searcher, catalogue = _python_searcher()
    terms = []
    for group in searcher.analyze(query):
        terms.append(group.word)
        for form, stem, _ in group.alts:
            terms += [form, stem]
    results = []
    for service_id, score in searcher.search(query, limit=max(size * 5, 100)):
        service = catalogue.services[service_id]
        if opd and service.opd != opd or category and category not in service.categories:
            continue
        results.append(
            SearchResult(
                id=service.id,
                title=service.title,
                title_html=highlight_html(service.title, terms),
                summary=service.summary,
                snippet_html=highlight_html(service.summary, terms),
                opd=service.opd,
                opd_name=catalogue.opds[service.opd].name if service.opd in catalogue.opds else "",
                categories=list(service.categories),
                score=round(score, 3),
            ).to_dict()
        )
        if len(results) >= size:
            break
    return results


def elasticsearch_search(query: str, **filters) -> list[dict]:
    from elasticsearch import ApiError, TransportError

    client = elastic.shared_client(settings.ELASTICSEARCH_URL).options(request_timeout=3.0)
    _searcher, catalogue = _python_searcher()  # the published vocabulary and best bets, cached
    try:
        return elastic.search(
            client, query, alias=settings.ELASTICSEARCH_INDEX, catalogue=catalogue, **filters
        )
    except (TransportError, ApiError) as exc:
        raise SearchUnavailable(str(exc)) from exc


def run_search(query: str, **filters) -> tuple[str, list[dict]]:
    """(backend name, results). Falls back to the Python search when Elasticsearch is down."""
    if settings.ELASTICSEARCH_URL:
        try:
            return "elasticsearch", elasticsearch_search(query, **filters)
        except SearchUnavailable:
            return "python-fallback", python_search(query, **filters)
    return "python", python_search(query, **filters)
