"""One portal update: the live catalogue in, the live folder brought up to date, a run recorded.

The builder (site_builder.build_portal) does the incremental work: pages whose inputs are
unchanged are hard-linked from the live build rather than written again (or, in a recycled
spare build, left where they are), changed pages, listings, the sitemap and the search index
are written into the new build folder, and the live folder is switched to it in one rename.
Whatever fails, the live folder keeps serving the previous complete build; the run is
recorded as failed with its message (in words an editor can act on: disk full, database
locked), and the next publish (or the worker's retry) starts over from the live build.

The update removes the UpdateRequests it saw when it started, once its build is live: a
request that arrives meanwhile, or an update cut short at any point, leaves requests behind,
and the worker starts another update for them.
"""

from __future__ import annotations

import errno
import logging
import threading
import time

from django.conf import settings
from django.utils import timezone

import site_builder
from site_builder import build_portal
from site_builder.theme import THEME_DIR

from . import elastic_delta
from .live import LiveCatalogue
from .models import PublishRun, UpdateRequest

logger = logging.getLogger(__name__)

KEEP_RUNS = 500

# One per process: the worker keeps exported records between runs (see LiveCatalogue).
_live = LiveCatalogue()
_live_lock = threading.Lock()
_last_catalogue = None  # what the Elasticsearch index was last brought up to
_delay_note = ""  # why the next update comes late (the worker waited out a locked database)


def note_delay(text: str) -> None:
    global _delay_note
    _delay_note = text


def live_catalogue():
    with _live_lock:
        return _live.load()


def warm_up() -> None:
    """Export the live catalogue and prepare the builder's reusable state (search index, record
    digests) before the first publish, which then costs what any later one does."""
    started = time.perf_counter()
    try:
        site_builder.warm_up(live_catalogue(), settings.PORTAL_THEME_DIR or THEME_DIR)
    except Exception:  # noqa: BLE001 - the first update then does the work itself
        logger.exception("warm-up failed")
        return
    logger.info("warm-up: live catalogue and search index ready in %.2f s", time.perf_counter() - started)


def prepare_spare_builds(stop=lambda: False) -> None:
    """While the worker is idle: spare builds for the next updates to recycle (site_builder.publish);
    none after `stop()` turns true (a publish woke the worker)."""
    from site_builder.publish import prepare_spares

    if settings.PORTAL_SPARE_BUILDS <= 0:
        return
    started = time.perf_counter()
    try:
        made = prepare_spares(settings.PORTAL_DIR, settings.PORTAL_SPARE_BUILDS, stop)
    except OSError as exc:  # only a head start for later updates: they work without one
        logger.warning("spare builds: not made (%s)", exc)
        return
    if made:
        logger.info("spare builds: %d ready in %.2f s", made, time.perf_counter() - started)


def run_portal_update(reasons: list[str], *, full: bool = False) -> PublishRun:
    global _delay_note
    run = PublishRun.objects.create(
        kind=PublishRun.Kind.FULL if full else PublishRun.Kind.INCREMENTAL,
        reasons="\n".join(reasons),
    )
    # Before the catalogue is read: every request seen here committed with its change, so the
    # build below shows that change.
    seen = list(UpdateRequest.objects.values_list("pk", flat=True))
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
            search_api=bool(settings.ELASTICSEARCH_URL),
            search_log_url=settings.SEARCH_LOG_URL,
            feedback_url=settings.FEEDBACK_URL,
        )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded; the live site is untouched
        logger.exception("portal update %s failed", run.pk)
        run.status = PublishRun.Status.FAILED
        run.error = explain_failure(exc)[:4000]
    else:
        run.status = PublishRun.Status.SUCCEEDED
        run.pages_written = report.rendered
        run.pages_removed = report.removed
        run.error = _update_elasticsearch(catalogue)
    if _delay_note:
        run.error = "\n".join(filter(None, [_delay_note, run.error]))
        _delay_note = ""
    if run.status == PublishRun.Status.SUCCEEDED:
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
    if run.status == PublishRun.Status.SUCCEEDED:
        for start in range(0, len(seen), 500):  # keeps within SQLite's limit on query parameters
            UpdateRequest.objects.filter(pk__in=seen[start : start + 500]).delete()
    # The admin shows the last few; keep a few hundred for the record, not one row per publish forever.
    old = PublishRun.objects.values_list("pk", flat=True)[KEEP_RUNS:]
    PublishRun.objects.filter(pk__in=list(old)).delete()
    return run


def record_failure(reasons: list[str], exc: BaseException) -> None:
    """An update that could not even record itself (the database failed it): say so when possible."""
    from django.db import DatabaseError

    error = explain_failure(exc)[:4000]
    try:
        unfinished = PublishRun.objects.filter(status=PublishRun.Status.RUNNING)
        if not unfinished.update(status=PublishRun.Status.FAILED, finished_at=timezone.now(), error=error):
            PublishRun.objects.create(
                status=PublishRun.Status.FAILED,
                reasons="\n".join(reasons),
                error=error,
                finished_at=timezone.now(),
            )
    except DatabaseError:
        logger.warning("could not record the failed portal update either: %s", exc)


def _errnos(exc: BaseException):
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno is not None:
            yield exc.errno
        exc = exc.__cause__ or exc.__context__


def explain_failure(exc: BaseException) -> str:
    """What the admin's panel says about a failed update: the cause in Indonesian, then the detail."""
    from django.db import OperationalError

    detail = f"{type(exc).__name__}: {exc}"
    codes = set(_errnos(exc))
    if codes & {errno.ENOSPC, errno.EDQUOT}:
        return (
            "Disk penuh: ruang penyimpanan portal habis saat membangun versi baru. Portal tetap "
            "menampilkan versi sebelumnya; kosongkan ruang disk, pembaruan diulang otomatis. "
            f"({detail})"
        )
    if isinstance(exc, OperationalError) and "lock" in str(exc).lower():
        return (
            "Basis data terkunci lebih lama dari batas waktu. Portal tetap menampilkan versi "
            f"sebelumnya; pembaruan diulang otomatis. ({detail})"
        )
    return detail


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
