"""Asking for a portal update: one pending task at a time, bursts folded into it.

Every publish, unpublish, move or delete calls `request_portal_update`. After the
transaction commits, the request enqueues an update that starts after a short quiet period
(PUBLISH_DEBOUNCE_SECONDS: one editor's publish is live at once), or joins the pending one.
A request that joins, or that comes while an update is running or started moments ago, shows
that several editors are at work: it waits for the longer PUBLISH_BURST_QUIET_SECONDS of quiet,
never beyond PUBLISH_MAX_WAIT_SECONDS after its task was queued, so that a burst (twenty editors
within five seconds) becomes one update besides the first, not one per gap between two publishes.
An update reads the whole published state when it runs — so nothing a folded request asked for is
lost.

The worker's two django-tasks tasks live here too: `update_portal` (run by
`manage.py publish_worker`) and the periodic `check_links_task`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks import task

from cms.links.health import run_link_check
from cms.services.exporting import published_catalogue

from .models import UpdateRequest
from .wake import wake_worker

PORTAL_QUEUE = "portal"
LINKS_QUEUE = "links"
MAX_REASONS = 50  # the run record keeps the first few triggers, not ten thousand lines


def debounce() -> timedelta:
    return timedelta(seconds=settings.PUBLISH_DEBOUNCE_SECONDS)


def burst_quiet() -> timedelta:
    return max(debounce(), timedelta(seconds=settings.PUBLISH_BURST_QUIET_SECONDS))


def max_wait() -> timedelta:
    return timedelta(seconds=settings.PUBLISH_MAX_WAIT_SECONDS)


class _Pending:
    """The on-commit callback of one transaction; later requests in it only add their reason."""

    def __init__(self):
        self.reasons: list[str] = []
        self.done = False

    def __call__(self):
        self.done = True
        enqueue_update(self.reasons)


@task(queue_name=PORTAL_QUEUE)
def update_portal(reasons: list[str]) -> dict:
    # The builder: loaded by the worker, not by every web process.
    from .runner import record_failure, run_portal_update

    try:
        run = run_portal_update(fold_pending(reasons))
    except DatabaseError as exc:  # the database failed the update's own bookkeeping
        record_failure(reasons, exc)
        raise
    return {"run": run.pk, "status": run.status, "pages_written": run.pages_written}


def check_published_links():
    """The link check of what is published (`manage.py check_links` and the periodic task)."""
    return run_link_check(published_catalogue())


@task(queue_name=LINKS_QUEUE)
def check_links_task() -> dict:
    return asdict(check_published_links())


def request_portal_update(reason: str) -> None:
    """Bring the live portal up to date once the current transaction has committed.

    The request is recorded in the transaction itself (UpdateRequest), so it commits or rolls
    back with the change; queuing the update afterwards is only the fast path, and a failure
    there (a locked database, a killed process) delays the update, never loses it.
    """
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Pending) and not func.done:
                if len(func.reasons) < MAX_REASONS:
                    func.reasons.append(reason)
                return
    UpdateRequest.objects.create(reason=reason[:300])
    pending = _Pending()
    pending.reasons.append(reason)
    transaction.on_commit(pending, robust=True)
    wake_worker()  # after `pending` (callbacks run in order): on waking, the worker finds the task


def _pending_tasks():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=update_portal.module_path, status="READY", queue_name=PORTAL_QUEUE
    )


def _uses_database_queue() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(update_portal.get_backend(), DatabaseBackend)


# Folding rewrites the waiting row of django-tasks-db (its DBTaskResult model): django-tasks
# offers no way to merge into, delay or cancel a waiting task. The folding only touches READY
# rows of our own task, in a transaction (tests in cms/publishing). UpdateRequest is no second
# queue: it records durably *that* the portal must change; the task says *when* it runs.
def enqueue_update(reasons: list[str]) -> None:
    if not _uses_database_queue():  # e.g. the immediate backend: nothing to fold into
        update_portal.enqueue(reasons)
        return
    now = timezone.now()
    with transaction.atomic():
        pending = _pending_tasks().order_by("enqueued_at").first()
        if pending is not None:
            merged = (pending.args_kwargs["args"][0] + reasons)[:MAX_REASONS]
            run_after = min(now + burst_quiet(), pending.enqueued_at + max_wait())
            # Only while still READY: a worker that has just claimed it reads the state anew anyway,
            # but then this request needs a task of its own.
            joined = (
                _pending_tasks()
                .filter(pk=pending.pk)
                .update(
                    run_after=max(run_after, pending.run_after),
                    args_kwargs={"args": [merged], "kwargs": {}},
                )
            )
            if joined:
                return
    quiet = min(burst_quiet(), max_wait()) if _update_started_since(now - burst_quiet()) else debounce()
    update_portal.using(run_after=now + quiet).enqueue(reasons)


def _update_started_since(moment) -> bool:
    """An update is running, or one started after `moment` (another editor's publish)."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        Q(status="RUNNING") | Q(started_at__gte=moment),
        task_path=update_portal.module_path,
        queue_name=PORTAL_QUEUE,
    ).exists()


def fold_pending(into_reasons: list[str]) -> list[str]:
    """Mark every other waiting update as done (this run covers it); returns all reasons."""
    if not _uses_database_queue():
        return into_reasons
    now = timezone.now()
    reasons = list(into_reasons)
    with transaction.atomic():
        waiting = list(_pending_tasks())
        for task in waiting:
            reasons += task.args_kwargs["args"][0]
        _pending_tasks().filter(pk__in=[t.pk for t in waiting]).update(
            status="SUCCESSFUL", started_at=now, finished_at=now, return_value={"folded": True}
        )
    return reasons[:MAX_REASONS]
