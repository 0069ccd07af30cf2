"""Running queued tasks with django-tasks-db's own Worker (the same code path as its db_worker)."""

from __future__ import annotations

from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction


def make_worker(queue: str, interval: float = 0.1, batch: bool = False) -> Worker:
    return Worker(
        queue_names=[queue],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{queue}-{get_random_string(12)}",
        excluded_queue_names=[],
    )


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
