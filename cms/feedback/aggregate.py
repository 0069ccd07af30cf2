"""Search reports counted in memory and written in batches by a background thread.

A beacon only adds to a counter under a lock; every SEARCH_LOG_FLUSH_SECONDS one thread per
process writes the day's sums (one row per query) in one transaction. So the endpoint never
waits for the database and portal pages never wait for the endpoint; a crash loses at most
those few seconds of counts, which daily aggregates can afford. Nothing but the sums is kept.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction

logger = logging.getLogger(__name__)
WITA = ZoneInfo("Asia/Makassar")


@dataclass
class _Sums:
    searches: int = 0
    zero_results: int = 0
    opens: int = 0
    ranks: Counter = field(default_factory=Counter)
    services: Counter = field(default_factory=Counter)
    tops: Counter = field(default_factory=Counter)


SUMMED_FIELDS = ("searches", "zero_results", "opens", "opens_by_rank", "opened_services", "top_services")
ROWS_PER_STATEMENT = 500
_lock = threading.Lock()
_pending: dict[tuple[date, str], _Sums] = defaultdict(_Sums)
_flusher: threading.Thread | None = None
_wake = threading.Event()


def today() -> date:
    return datetime.now(WITA).date()


def add(query: str, results: int, opened: int | None, service: str | None, top: str | None = None) -> None:
    """Count one finished search (opened=None; `top`: its first result) or one opened result
    (its rank and `service`)."""
    with _lock:
        sums = _pending[(today(), query)]
        if opened is None:
            sums.searches += 1
            if results == 0:
                sums.zero_results += 1
            elif top:
                sums.tops[top] += 1
        else:
            sums.opens += 1
            sums.ranks[str(opened)] += 1
            if service:
                sums.services[service] += 1
    _start_flusher()


def _start_flusher() -> None:
    global _flusher
    if _flusher is not None and _flusher.is_alive():
        return
    with _lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher = threading.Thread(target=_run, name="search-log-flush", daemon=True)
            _flusher.start()


def _run() -> None:
    while True:
        _wake.wait(float(settings.SEARCH_LOG_FLUSH_SECONDS))
        _wake.clear()
        flush_keeping_connection()


def flush_keeping_connection() -> None:
    """One flush of the writer thread. Its database connection stays open for the next flush:
    opening one (SQLite's CONN_MAX_AGE is 0) cost as much CPU as the flush itself, 1.2 ms, all of
    it holding the interpreter lock the serving event loop needs. After a failure it is closed,
    and the next flush opens a new one."""
    try:
        flush()
    except Exception:  # noqa: BLE001 - counts stay pending and are written next time
        logger.exception("search log: writing the counts failed")
        connections.close_all()  # this thread's


def flush() -> int:
    """Write what is pending; returns how many rows were touched."""
    with _lock:
        batch = dict(_pending)
        _pending.clear()
    if not batch:
        return 0
    try:
        for attempt in range(3):
            try:
                with transaction.atomic():
                    _write(batch)
                break
            except IntegrityError:  # another process created one of the rows: read them and add again
                if attempt == 2:
                    raise
    except Exception:
        with _lock:  # keep the counts for the next try
            for key, sums in batch.items():
                mine = _pending[key]
                mine.searches += sums.searches
                mine.zero_results += sums.zero_results
                mine.opens += sums.opens
                mine.ranks.update(sums.ranks)
                mine.services.update(sums.services)
                mine.tops.update(sums.tops)
        raise
    return len(batch)


def _write(batch: dict[tuple[date, str], _Sums]) -> None:
    """Add the sums to their rows: a few statements per ROWS_PER_STATEMENT queries, not two per query.

    This runs in a thread of a process that serves the portal on its event loop: Python work here
    holds the interpreter lock the loop needs, so the ORM's per-row cost (0.6 ms a query, one
    get-or-create and one save each) would hold pages up for as long as a flush lasts.
    """
    from .models import SearchDay

    keys = sorted(batch)
    for start in range(0, len(keys), ROWS_PER_STATEMENT):
        chunk = keys[start : start + ROWS_PER_STATEMENT]
        stored = SearchDay.objects.select_for_update().filter(
            day__in={day for day, _ in chunk}, query__in={query for _, query in chunk}
        )
        rows = {(row.day, row.query): row for row in stored.order_by("day", "query")}  # locked in one order
        created, changed = [], []
        for key in chunk:
            row = rows.get(key)
            if row is None:
                row = SearchDay(day=key[0], query=key[1])
                created.append(row)
            else:
                changed.append(row)
            sums = batch[key]
            row.searches += sums.searches
            row.zero_results += sums.zero_results
            row.opens += sums.opens
            row.opens_by_rank = dict(Counter(row.opens_by_rank) + sums.ranks)
            row.opened_services = dict(Counter(row.opened_services) + sums.services)
            row.top_services = dict(Counter(row.top_services) + sums.tops)
        SearchDay.objects.bulk_create(created)
        _update(SearchDay, changed)


def _update(model, rows: list) -> None:
    """UPDATE each row's SUMMED_FIELDS in one executemany (Django's bulk_update builds a CASE
    expression per row and field, which costs more than the get-or-create it replaces)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in SUMMED_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # noqa: BLE001 - the process is ending; nothing else to do
        logger.exception("search log: last write failed")


atexit.register(_flush_at_exit)
