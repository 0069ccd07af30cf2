"""Running queued tasks with django-tasks-db's own Worker: woken when there is work, never polling.

`QueueWorker` is django-tasks-db's Worker (its claiming and task running, unchanged) with
another wait: instead of sleeping a fixed poll interval, it waits on an event that the
worker's listener sets when someone queues work (cms.publishing.wake), or until its next
task is due (run_after: the portal queue's quiet period). An idle worker therefore does
nothing at all. A database error while waiting or claiming (the database locked longer
than its timeout) is waited out, not fatal.

`recover_stale` is what a worker that has just become the database's only worker does
first: tasks still marked running were left by a worker that died, and run again.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

from django.db import DatabaseError, OperationalError, close_old_connections
from django.db.models import Min
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from .models import PublishRun
from .queue import PORTAL_QUEUE
from .runner import explain_failure, note_delay, prepare_spare_builds

logger = logging.getLogger("cms.publishing.worker")

MIN_WAIT = 0.01  # never spin on the database, e.g. while it is locked
IDLE_WAIT = 300.0  # a safety net only: queued work wakes the worker at once
DATABASE_RETRY_SECONDS = 1.0  # after a database error, before trying again
MAX_ATTEMPTS = 3  # a task that took down this many workers is not started again

INTERRUPTED = (
    "Pekerja pembaruan portal berhenti di tengah pembaruan (dimatikan atau mati mendadak). "
    "Portal tetap menampilkan versi sebelumnya yang lengkap; pembaruan diulang otomatis."
)


class QueueWorker(Worker):
    """django-tasks-db's Worker, sleeping until woken (self.woken) or until a task is due."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.woken = threading.Event()
        self.database_trouble: tuple[float, str] | None = None  # since when, and what

    @property
    def interval(self) -> float:
        """Seconds until the next task of its queues is due (at most the usual wait)."""
        due = (
            DBTaskResult.objects.filter(status=TaskResultStatus.READY, queue_name__in=self.queue_names)
            .exclude(run_after=get_date_max())
            .aggregate(first=Min("run_after"))["first"]
        )
        if due is None:
            return self._poll
        return min(self._poll, max((due - timezone.now()).total_seconds(), MIN_WAIT))

    @interval.setter
    def interval(self, value: float) -> None:
        self._poll = value

    def run(self) -> None:
        logger.info("worker %s: queues %s", self.worker_id, ",".join(self.queue_names))
        stale = False
        while self.running:
            self.woken.clear()  # before looking: a wake-up from now on is not lost
            try:
                if stale:
                    recover_stale(self.queue_names, (self.database_trouble or (0, INTERRUPTED))[1])
                    stale = False
                while self.running and self.run_next():
                    pass
                if self.running:
                    self.idle()
                wait = self.interval
            except DatabaseError as exc:  # e.g. locked longer than its timeout: wait it out
                logger.warning("worker %s: database error, retrying: %s", self.worker_id, exc)
                if self.database_trouble is None:
                    self.database_trouble = (time.monotonic(), _explain(exc))
                stale = True  # a task may have been left "running" by the failed write
                wait = DATABASE_RETRY_SECONDS
            finally:
                close_old_connections()
            if self.running:
                self.woken.wait(wait)

    def idle(self) -> None:
        """Nothing is due: a moment for work that helps the next task."""

    def run_next(self) -> bool:
        """Claim and run the next due task; False when there is none (or the database is busy)."""
        tasks = DBTaskResult.objects.ready().filter(queue_name__in=self.queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            if self.database_trouble is None:
                self.database_trouble = (time.monotonic(), _explain(exc))
            return False
        if task_result is None:
            return False
        self.run_task(task_result)
        return True


class PortalWorker(QueueWorker):
    """The portal queue's worker: one more change that shortens publish-to-live.

    After each task it collects garbage and freezes what survives (gc.freeze). The worker
    holds the whole catalogue and the search package's memo; during a build the cyclic
    collector would otherwise walk all of it again and again (~0.3 s of an update at 10k
    services). Reference counting still frees frozen objects; unfreezing before the full
    collection lets it find cycles among them, so nothing leaks. The collection runs after
    the update is live, while the next publish is in its quiet period.

    A database that was locked before the update could run is noted on the update's record,
    so the admin's panel says why it came late.

    When idle after an update (or after starting), it prepares spare builds for the next updates
    to recycle (runner.prepare_spare_builds): without them the first updates after a full build
    hard-link every unchanged file into a fresh folder (1.6–1.8 s at 10,000 services, against
    0.3 s recycling a spare).
    """

    spares_due = True

    def idle(self) -> None:
        if self.spares_due:
            self.spares_due = False
            prepare_spare_builds(stop=self.woken.is_set)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        if self.database_trouble is not None:
            since, message = self.database_trouble
            note_delay(f"Tertunda ± {time.monotonic() - since:.0f} detik: {message}")
            self.database_trouble = None
        try:
            super().run_task(db_task_result)
        finally:
            tidy_memory()
            self.spares_due = True


def _explain(exc: BaseException) -> str:
    return explain_failure(exc)


def tidy_memory() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def make_worker(
    queue: str, interval: float = IDLE_WAIT, batch: bool = False, cls: type[Worker] = QueueWorker
) -> Worker:
    return cls(
        queue_names=[queue],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{queue}-{get_random_string(12)}",
        excluded_queue_names=[],
    )


def recover_stale(queues: list[str], message: str = INTERRUPTED) -> int:
    """Tasks of `queues` marked running, and unfinished portal update records, left by a dead worker.

    Call only as the database's one worker (wake.Listener) and while none of these queues
    runs a task. A task runs again at once, unless it was already started MAX_ATTEMPTS times
    (then it is marked failed, and the scheduler's retry takes over after its pause).
    Returns how many tasks were recovered.
    """
    now = timezone.now()
    recovered = 0
    for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, queue_name__in=queues):
        if len(task.worker_ids) >= MAX_ATTEMPTS:
            changes = {
                "status": TaskResultStatus.FAILED,
                "finished_at": now,
                "exception_class_path": "cms.publishing.worker.WorkerStopped",
                "traceback": message,
            }
        else:
            changes = {"status": TaskResultStatus.READY, "started_at": None}
        still_running = DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING)
        recovered += still_running.update(**changes)
    if PORTAL_QUEUE in queues:
        interrupted = PublishRun.objects.filter(status=PublishRun.Status.RUNNING).update(
            status=PublishRun.Status.FAILED, finished_at=now, error=message
        )
        if interrupted:
            logger.warning("%d interrupted portal update(s) marked failed", interrupted)
    if recovered:
        logger.warning("%d task(s) left running by a stopped worker recovered", recovered)
    return recovered


def recover_stale_waiting_out_the_database(queues: list[str]) -> tuple[float, str] | None:
    """recover_stale() at start-up, waiting while the database is locked (a backup, a long
    migration, an editor's big import) instead of dying. Returns since when and why it waited
    (an update already queued then came late: its record says so), or None."""
    trouble = None
    while True:
        try:
            recover_stale(queues)
            return trouble
        except DatabaseError as exc:
            logger.warning("worker start-up: database error, retrying: %s", exc)
            if trouble is None:
                trouble = (time.monotonic(), _explain(exc))
            close_old_connections()
            time.sleep(DATABASE_RETRY_SECONDS)


def run_ready(queue: str) -> int:
    """Claim and run every task of `queue` that is due now; returns how many ran.

    Unlike Worker.run(batch=True) this leaves database connections alone, so it also
    works inside a caller's transaction (tests, a management command's --batch).
    """
    worker = make_worker(queue)
    ran = 0
    while True:
        with exclusive_transaction(DBTaskResult.objects.db):
            task_result = DBTaskResult.objects.ready().filter(queue_name=queue).get_locked()
            if task_result is None:
                return ran
            task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
