"""The background worker: portal updates after publishing, and the periodic link check.

It runs django-tasks-db's own worker loop for the "portal" queue (waking when an update is
due, and keeping the garbage collector off the catalogue it holds: cms.publishing.worker);
in threads, one for the "links" queue (a slow link check must not hold up publishing) and
one for the "default" queue, where Wagtail puts its own tasks (search and reference index
updates); and a small scheduler that enqueues the link check every
LINK_CHECK_INTERVAL_SECONDS and retries a failed portal update after PUBLISH_RETRY_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import DEFAULT_TASK_QUEUE_NAME, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cms.links.models import LinkStatus
from cms.publishing.models import PublishRun
from cms.publishing.queue import LINKS_QUEUE, PORTAL_QUEUE, check_links_task, enqueue_update
from cms.publishing.worker import PortalWorker, make_worker, run_ready, tidy_memory

logger = logging.getLogger("cms.publishing.worker")


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


def retry_due(now=None) -> bool:
    """The last update failed, long enough ago, and nothing newer is waiting or running."""
    now = now or timezone.now()
    last = PublishRun.objects.order_by("-started_at", "-pk").first()
    if last is None or last.status != PublishRun.Status.FAILED:
        return False
    wait = timedelta(seconds=settings.PUBLISH_RETRY_SECONDS)
    pending = DBTaskResult.objects.filter(
        queue_name=PORTAL_QUEUE, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    return now - (last.finished_at or last.started_at) >= wait and not pending.exists()


def schedule_once() -> None:
    if link_check_due():
        check_links_task.enqueue()
    if retry_due():
        enqueue_update(["percobaan ulang setelah pembaruan gagal"])


class Command(BaseCommand):
    help = "Jalankan pekerja latar: perbarui portal setelah penerbitan, dan periksa tautan secara berkala."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0.1, help="Jeda antar-pengecekan antrean (detik)."
        )
        parser.add_argument(
            "--batch", action="store_true", help="Kerjakan antrean portal yang siap, lalu berhenti."
        )
        parser.add_argument("--no-links", action="store_true", help="Tanpa pemeriksaan tautan berkala.")

    def handle(self, *args, interval, batch, no_links, **options):
        interrupted = PublishRun.objects.filter(status=PublishRun.Status.RUNNING).update(
            status=PublishRun.Status.FAILED,
            finished_at=timezone.now(),
            error="Pekerja berhenti di tengah pembaruan; portal tetap pada versi sebelumnya.",
        )
        if interrupted:  # the scheduler's retry brings the portal up to date again
            logger.warning("%d interrupted portal update(s) marked failed", interrupted)
        if batch:
            ran = run_ready(PORTAL_QUEUE)
            self.stdout.write(f"{ran} tugas pembaruan portal dijalankan.")
            return
        # Wagtail's own tasks (search and reference index) wait in the default queue of the same
        # database backend: nothing else runs them.
        background = [(self._queue_loop, (DEFAULT_TASK_QUEUE_NAME, 1.0))]
        if not no_links:
            background += [(self._queue_loop, (LINKS_QUEUE, 2.0)), (self._scheduler_loop, ())]
        for target, args in background:
            threading.Thread(target=target, args=args, daemon=True).start()
        self.stdout.write(f"publish_worker: antrean '{PORTAL_QUEUE}' → {settings.PORTAL_DIR}")
        worker = make_worker(PORTAL_QUEUE, interval, cls=PortalWorker)
        worker.configure_signals()
        tidy_memory()  # Django and the apps are loaded: the first update's collections skip them
        worker.run()

    @staticmethod
    def _queue_loop(queue: str, interval: float):
        try:
            make_worker(queue, interval).run()
        finally:
            connection.close()

    @staticmethod
    def _scheduler_loop():
        while True:
            try:
                close_old_connections()
                schedule_once()
            except Exception:  # noqa: BLE001 - the scheduler must outlive a locked database
                logger.exception("scheduler")
            time.sleep(5)
