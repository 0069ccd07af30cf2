"""One portal update: the live catalogue in, the live folder brought up to date, a run recorded.

The builder (site_builder.build_portal) does the incremental work: pages whose inputs are
unchanged are hard-linked from the live build rather than written again (or, in a recycled
spare build, left where they are), changed pages, listings, the sitemap and the search index
are written into the new build folder, and the live folder is switched to it in one rename.
Whatever fails, the live folder keeps serving the previous complete build; the run is
recorded as failed with its message, and the next publish (or the worker's retry) starts
over from the live build.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.utils import timezone

from site_builder import build_portal
from site_builder.theme import THEME_DIR

from . import elastic_delta
from .live import LiveCatalogue
from .models import PublishRun

logger = logging.getLogger(__name__)

KEEP_RUNS = 500

# One per process: the worker keeps exported records between runs (see LiveCatalogue).
_live = LiveCatalogue()
_live_lock = threading.Lock()
_last_catalogue = None  # what the Elasticsearch index was last brought up to


def live_catalogue():
    with _live_lock:
        return _live.load()


def run_portal_update(reasons: list[str], *, full: bool = False) -> PublishRun:
    run = PublishRun.objects.create(
        kind=PublishRun.Kind.FULL if full else PublishRun.Kind.INCREMENTAL,
        reasons="\n".join(reasons),
    )
    try:
        started = time.perf_counter()
        catalogue = live_catalogue()
        exported = time.perf_counter() - started
        report = build_portal(
            catalogue,
            settings.PORTAL_DIR,
            settings.SITE_URL,
            theme_dir=settings.PORTAL_THEME_DIR or THEME_DIR,
            reuse=not full,
            search_log_url=settings.SEARCH_LOG_URL,
        )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded; the live site is untouched
        logger.exception("portal update %s failed", run.pk)
        run.status = PublishRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:4000]
    else:
        run.status = PublishRun.Status.SUCCEEDED
        run.pages_written = report.rendered
        run.pages_removed = report.removed
        run.error = _update_elasticsearch(catalogue)
        logger.info(
            "portal update %s: catalogue %.2f s (%d service pages re-exported); build %s (%s)",
            run.pk,
            exported,
            _live.last_reexported,
            report.summary(),
            report.breakdown(),
        )
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "pages_written", "pages_removed", "finished_at"])
    # The admin shows the last few; keep a few hundred for the record, not one row per publish forever.
    old = PublishRun.objects.values_list("pk", flat=True)[KEEP_RUNS:]
    PublishRun.objects.filter(pk__in=list(old)).delete()
    return run


def _update_elasticsearch(catalogue) -> str:
    """The search API's index follows the portal; its failure is reported, the portal stays updated."""
    global _last_catalogue
    previous, _last_catalogue = _last_catalogue, catalogue
    if not settings.ELASTICSEARCH_URL:
        return ""
    try:
        logger.info(elastic_delta.apply(previous, catalogue))
    except Exception as exc:  # noqa: BLE001 - the portal is already live; the editor sees the message
        logger.exception("Elasticsearch update failed")
        _last_catalogue = None  # the next run cannot know what the index holds
        return f"Portal diperbarui, tetapi Elasticsearch gagal: {type(exc).__name__}: {exc}"[:4000]
    return ""
