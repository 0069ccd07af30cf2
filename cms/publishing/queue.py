"""Asking for a portal update: one pending task at a time, bursts folded into it.

Every publish, unpublish, move or delete calls `request_portal_update`. After the
transaction commits, the request joins the pending `update_portal` task if there is one
(pushing its start back by a short quiet period, but never beyond a maximum wait), or
enqueues a new one. Ten publishes in a burst therefore cause one update, which reads
the whole published state when it runs — so nothing a folded request asked for is lost.

The worker's two django-tasks tasks live here too: `update_portal` (run by
`manage.py publish_worker`) and the periodic `check_links_task`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from cms.links.health import run_link_check
from cms.services.exporting import published_catalogue

PORTAL_QUEUE = "portal"
LINKS_QUEUE = "links"
MAX_REASONS = 50  # the run record keeps the first few triggers, not ten thousand lines


def debounce() -> timedelta:
    return timedelta(seconds=settings.PUBLISH_DEBOUNCE_SECONDS)


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
    from .runner import run_portal_update  # the builder: loaded by the worker, not by every web process

    run = run_portal_update(fold_pending(reasons))
    return {"run": run.pk, "status": run.status, "pages_written": run.pages_written}


def check_published_links():
    """The link check of what is published (`manage.py check_links` and the periodic task)."""
    return run_link_check(published_catalogue())


@task(queue_name=LINKS_QUEUE)
def check_links_task() -> dict:
    return asdict(check_published_links())


def request_portal_update(reason: str) -> None:
    """Bring the live portal up to date once the current transaction has committed."""
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Pending) and not func.done:
                if len(func.reasons) < MAX_REASONS:
                    func.reasons.append(reason)
                return
    pending = _Pending()
    pending.reasons.append(reason)
    transaction.on_commit(pending)


def _pending_tasks():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=update_portal.module_path, status="READY", queue_name=PORTAL_QUEUE
    )


def _uses_database_queue() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(update_portal.get_backend(), DatabaseBackend)


def enqueue_update(reasons: list[str]) -> None:
    if not _uses_database_queue():  # e.g. the immediate backend: nothing to fold into
        update_portal.enqueue(reasons)
        return
    now = timezone.now()
    with transaction.atomic():
        pending = _pending_tasks().order_by("enqueued_at").first()
        if pending is not None:
            merged = (pending.args_kwargs["args"][0] + reasons)[:MAX_REASONS]
            run_after = min(now + debounce(), pending.enqueued_at + max_wait())
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
    update_portal.using(run_after=now + debounce()).enqueue(reasons)


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
