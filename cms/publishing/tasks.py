"""The portal update as a django-tasks task (run by `manage.py publish_worker`)."""

from django_tasks import task

from .queue import PORTAL_QUEUE


@task(queue_name=PORTAL_QUEUE)
def update_portal(reasons: list[str]) -> dict:
    from .queue import fold_pending
    from .runner import run_portal_update

    run = run_portal_update(fold_pending(reasons))
    return {"run": run.pk, "status": run.status, "pages_written": run.pages_written}
