"""The worker's own duties: retrying a failed update, scheduling link checks, --batch."""

from io import StringIO

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from cms.publishing.management.commands.publish_worker import link_check_due, retry_due, schedule_once
from cms.publishing.models import PublishRun
from cms.publishing.queue import check_links_task
from cms.publishing.tests.test_pipeline import page_html


def test_a_failed_update_is_retried_without_a_new_publish(imported, settings, tmp_path):
    settings.PUBLISH_RETRY_SECONDS = 0
    settings.PORTAL_THEME_DIR = tmp_path / "no-theme-here"
    call_command("publish_worker", "--batch", stdout=StringIO())
    assert PublishRun.objects.get().status == PublishRun.Status.FAILED
    assert not (settings.PORTAL_DIR).exists()  # nothing half-built is served

    settings.PORTAL_THEME_DIR = None  # fixed: the project's theme again
    assert retry_due()
    schedule_once()
    out = StringIO()
    call_command("publish_worker", "--batch", stdout=out)
    assert "1 tugas" in out.getvalue()
    assert PublishRun.objects.first().status == PublishRun.Status.SUCCEEDED
    assert "Penerbitan KTP-el Pemula" in page_html(settings, "ktp-el-pemula")
    assert not retry_due()


def test_link_check_is_scheduled_when_due_and_only_once(db, settings):
    settings.LINK_CHECK_INTERVAL_SECONDS = 3600
    assert link_check_due()  # never checked
    schedule_once()
    queued = DBTaskResult.objects.filter(task_path=check_links_task.module_path, status="READY")
    assert queued.count() == 1
    assert not link_check_due()  # one is already waiting
    schedule_once()
    assert queued.count() == 1


def test_an_update_cut_short_by_a_stopped_worker_is_marked_failed_and_retried(imported, settings):
    settings.PUBLISH_RETRY_SECONDS = 0
    DBTaskResult.objects.all().delete()  # its task was taken by the worker that died
    PublishRun.objects.create(reasons="terbit: layanan")  # "running" when the worker died
    out = StringIO()
    call_command("publish_worker", "--batch", stdout=out)
    assert "0 tugas" in out.getvalue()
    cut_short = PublishRun.objects.get()
    assert cut_short.status == PublishRun.Status.FAILED and "berhenti" in cut_short.error
    schedule_once()
    call_command("publish_worker", "--batch", stdout=StringIO())
    assert PublishRun.objects.count() == 2
    assert PublishRun.objects.first().status == PublishRun.Status.SUCCEEDED
    assert "Penerbitan KTP-el Pemula" in page_html(settings, "ktp-el-pemula")


def test_the_worker_wakes_when_an_update_is_due_not_at_its_next_poll(db):
    from datetime import timedelta

    from django.utils import timezone

    from cms.publishing.queue import PORTAL_QUEUE, update_portal
    from cms.publishing.worker import PortalWorker, make_worker

    DBTaskResult.objects.filter(queue_name=PORTAL_QUEUE).delete()  # `migrate` asked for one
    worker = make_worker(PORTAL_QUEUE, interval=5.0, cls=PortalWorker)
    assert worker.interval == 5.0  # nothing waiting: the usual poll
    update_portal.using(run_after=timezone.now() + timedelta(seconds=0.3)).enqueue(["terbit: layanan"])
    assert 0 < worker.interval <= 0.3


def test_memory_tidied_after_an_update_lets_old_cycles_be_collected():
    import gc
    import weakref

    from cms.publishing.worker import tidy_memory

    class Node:
        pass

    node = Node()
    node.self = node  # a reference cycle: only the cyclic collector can free it
    alive = weakref.ref(node)
    try:
        tidy_memory()  # frozen while still in use
        assert gc.get_freeze_count() > 0
        del node
        tidy_memory()
        assert alive() is None
    finally:
        gc.unfreeze()
