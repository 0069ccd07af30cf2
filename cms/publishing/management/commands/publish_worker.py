"""The background worker: portal updates after publishing, Wagtail's tasks, the periodic link check.

One worker per database (cms.publishing.wake.Listener: a second one waits until the first
stops). On start it recovers what a dead worker left running, then runs django-tasks-db's
own worker loop for the "portal" queue (cms.publishing.worker), and in threads, one for the
"default" queue, where Wagtail puts its own tasks (search and reference index updates), and
one for the "links" queue (a slow link check must not hold up publishing). None of them
polls: the listener wakes them when work is queued (PostgreSQL LISTEN/NOTIFY, or a datagram
on SQLite), else they sleep until their next task is due.

A small scheduler, always running, brings the live portal to the published state: it queues
an update for published changes no queued update will handle (UpdateRequest: e.g. the web
server died before it could queue one), retries a failed update after PUBLISH_RETRY_SECONDS,
runs Wagtail's scheduled publishing (`publish_scheduled`: go-live and expiry times) when the
next one is due, and, unless --no-links, queues the link check every
LINK_CHECK_INTERVAL_SECONDS. It looks when woken (a publish, a newly scheduled revision) and at
least every PUBLISH_CHECK_SECONDS (a few queries), or sooner when something is due sooner.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import DEFAULT_TASK_QUEUE_NAME, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cms.links.models import LinkStatus
from cms.publishing.models import PublishRun, UpdateRequest
from cms.publishing.queue import LINKS_QUEUE, MAX_REASONS, PORTAL_QUEUE, check_links_task, enqueue_update
from cms.publishing.runner import warm_up
from cms.publishing.wake import Listener
from cms.publishing.worker import (
    PortalWorker,
    make_worker,
    recover_stale,
    recover_stale_waiting_out_the_database,
    run_ready,
    tidy_memory,
)

logger = logging.getLogger("cms.publishing.worker")

# A request this young is still on its way: its own transaction queues its update.
REQUEST_GRACE_SECONDS = 2.0
STANDBY_SECONDS = 2.0  # how often a second worker checks whether the first has stopped


def retry_wait() -> timedelta:
    return timedelta(seconds=settings.PUBLISH_RETRY_SECONDS)


def check_every() -> float:
    return settings.PUBLISH_CHECK_SECONDS


def link_check_due(now=None) -> bool:
    now = now or timezone.now()
    waiting = DBTaskResult.objects.filter(
        task_path=check_links_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    if waiting.exists():
        return False
    last = LinkStatus.objects.order_by("-checked_at").values_list("checked_at", flat=True).first()
    interval = timedelta(seconds=settings.LINK_CHECK_INTERVAL_SECONDS)
    return last is None or now - last >= interval


def _portal_update_waiting() -> bool:
    return DBTaskResult.objects.filter(
        queue_name=PORTAL_QUEUE, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).exists()


def retry_due(now=None) -> bool:
    """The last update failed, long enough ago, and nothing newer is waiting or running."""
    now = now or timezone.now()
    last = PublishRun.objects.order_by("-started_at", "-pk").first()
    if last is None or last.status != PublishRun.Status.FAILED:
        return False
    return now - (last.finished_at or last.started_at) >= retry_wait() and not _portal_update_waiting()


def unhandled_requests(now=None, grace: float = REQUEST_GRACE_SECONDS) -> list[str]:
    """Reasons of published changes that no queued update will bring to the portal.

    Not after a failed update (retry_due waits its pause), not while one is waiting or running.
    """
    now = now or timezone.now()
    last = PublishRun.objects.order_by("-started_at", "-pk").values_list("status", flat=True).first()
    if last == PublishRun.Status.FAILED or _portal_update_waiting():
        return []
    old = UpdateRequest.objects.filter(requested_at__lte=now - timedelta(seconds=grace))
    return [f"pemulihan: {reason}" for reason in old.values_list("reason", flat=True)[:MAX_REASONS]]


def next_scheduled_publishing():
    """When Wagtail's scheduled publishing next has work: the first go-live or expiry time, or None."""
    from django.apps import apps
    from django.db.models import Min
    from wagtail.models import DraftStateMixin, Page, Revision

    times = [
        Revision.objects.filter(approved_go_live_at__isnull=False).aggregate(t=Min("approved_go_live_at"))[
            "t"
        ]
    ]
    for model in [Page] + [
        m for m in apps.get_models() if issubclass(m, DraftStateMixin) and not issubclass(m, Page)
    ]:
        times.append(
            model.objects.filter(live=True, expire_at__isnull=False).aggregate(t=Min("expire_at"))["t"]
        )
    times = [t for t in times if t is not None]
    return min(times) if times else None


def schedule_once(links: bool = True, grace: float = REQUEST_GRACE_SECONDS) -> None:
    due = next_scheduled_publishing()
    if due is not None and due <= timezone.now():
        call_command("publish_scheduled", stdout=StringIO())  # its publishes ask for a portal update
    if links and link_check_due():
        check_links_task.enqueue()
    if retry_due():
        enqueue_update(["percobaan ulang setelah pembaruan gagal"])
    elif reasons := unhandled_requests(grace=grace):
        enqueue_update(reasons)


def seconds_until_next_check(now=None) -> float:
    """The scheduler's next look: its usual interval, or sooner when a retry or a go-live is due."""
    now = now or timezone.now()
    wait = check_every()
    scheduled = next_scheduled_publishing()
    if scheduled is not None:
        # Wagtail compares with "<" and to the second: a moment after the time itself.
        wait = min(wait, (scheduled - now).total_seconds() + 0.05)
    last = PublishRun.objects.order_by("-started_at", "-pk").first()
    if last is not None and last.status == PublishRun.Status.FAILED:
        due = (last.finished_at or last.started_at) + retry_wait()
        wait = min(wait, (due - now).total_seconds())
    return max(wait, 0.05)


class Command(BaseCommand):
    help = "Jalankan pekerja latar: perbarui portal setelah penerbitan, dan periksa tautan secara berkala."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Kerjakan antrean portal yang siap, lalu berhenti."
        )
        parser.add_argument("--no-links", action="store_true", help="Tanpa pemeriksaan tautan berkala.")

    def handle(self, *args, batch, no_links, **options):
        queues = [PORTAL_QUEUE, DEFAULT_TASK_QUEUE_NAME] + ([] if no_links else [LINKS_QUEUE])
        if batch:
            listener = Listener.acquire()
            if listener is not None:  # no other worker is running: what is "running" was cut short
                try:
                    recover_stale([PORTAL_QUEUE])
                finally:
                    listener.close()
            ran = run_ready(PORTAL_QUEUE)
            self.stdout.write(f"{ran} tugas pembaruan portal dijalankan.")
            return
        listener = self._become_the_worker()
        trouble = recover_stale_waiting_out_the_database(queues)
        workers = [make_worker(PORTAL_QUEUE, cls=PortalWorker), make_worker(DEFAULT_TASK_QUEUE_NAME)]
        workers[0].database_trouble = trouble
        if not no_links:
            workers.append(make_worker(LINKS_QUEUE))
        scheduler = threading.Event()
        wakeables = [w.woken for w in workers] + [scheduler]
        threading.Thread(target=self._wake_loop, args=(listener, wakeables), daemon=True).start()
        # Exports the live catalogue and builds the search index state while no publish waits.
        threading.Thread(target=self._warm_up, daemon=True).start()
        threading.Thread(target=self._scheduler_loop, args=(scheduler, not no_links), daemon=True).start()
        for worker in workers[1:]:
            threading.Thread(target=self._queue_loop, args=(worker,), daemon=True).start()
        self.stdout.write(f"publish_worker: antrean {', '.join(queues)} → {settings.PORTAL_DIR}")
        portal = workers[0]
        portal.configure_signals()
        tidy_memory()  # Django and the apps are loaded: the first update's collections skip them
        portal.run()

    def _become_the_worker(self) -> Listener:
        listener = Listener.acquire()
        if listener is None:
            self.stdout.write("publish_worker: pekerja lain sedang berjalan untuk basis data ini; menunggu…")
        while listener is None:
            time.sleep(STANDBY_SECONDS)
            listener = Listener.acquire()
        connection.close()  # the threads open their own
        return listener

    @staticmethod
    def _warm_up():
        try:
            warm_up()
            # What it made lives as long as the worker: frozen, like what an update leaves, so that
            # the collector does not walk it during the first update (0.5 s and more at 10,000).
            tidy_memory()
        finally:
            connection.close()

    @staticmethod
    def _wake_loop(listener: Listener, wakeables: list[threading.Event]):
        while True:
            try:
                woken = listener.wait(None)
            except Exception:  # noqa: BLE001 - e.g. PostgreSQL restarted: listen again
                logger.exception("wake-up listener lost; listening again")
                woken = True  # something may have been queued meanwhile
                listener.close()
                time.sleep(1)
                listener = Listener.acquire() or listener
            if woken:
                for event in wakeables:
                    event.set()

    @staticmethod
    def _queue_loop(worker):
        try:
            worker.run()
        finally:
            connection.close()

    @staticmethod
    def _scheduler_loop(woken: threading.Event, links: bool):
        grace = 0.0  # on start, every request left over is the worker's to handle
        while True:
            woken.clear()
            wait = check_every()
            try:
                close_old_connections()
                schedule_once(links=links, grace=grace)
                grace = REQUEST_GRACE_SECONDS
                wait = seconds_until_next_check()
            except Exception:  # noqa: BLE001 - the scheduler must outlive a locked database
                logger.exception("scheduler")
            finally:
                close_old_connections()
            woken.wait(wait)
