"""The portal update as a django-tasks task (run by `manage.py publish_worker`)."""

from django_tasks import task

from .queue import PORTAL_QUEUE


@task(queue_name=PORTAL_QUEUE)
def update_portal(reasons: list[str]) -> dict:
    from django.db import DatabaseError

    from .queue import fold_pending
    from .runner import record_failure, run_portal_update

    try:
        run = run_portal_update(fold_pending(reasons))
    except DatabaseError as exc:  # the database failed the update's own bookkeeping
        record_failure(reasons, exc)
        raise
    return {"run": run.pk, "status": run.status, "pages_written": run.pages_written}
