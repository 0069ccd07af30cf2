"""The periodic link check as a django-tasks task (publish_worker schedules and runs it)."""

from dataclasses import asdict

from django_tasks import task

LINKS_QUEUE = "links"


@task(queue_name=LINKS_QUEUE)
def check_links_task() -> dict:
    from .health import run_link_check

    return asdict(run_link_check())
