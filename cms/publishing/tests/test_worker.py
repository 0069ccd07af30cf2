"""The worker's own duties: retrying a failed update, scheduling link checks, --batch."""

import time
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


def test_a_publish_is_kept_as_a_request_until_an_update_has_made_it_live(
    imported, settings, django_capture_on_commit_callbacks
):
    from cms.publishing.management.commands.publish_worker import unhandled_requests
    from cms.publishing.models import UpdateRequest
    from cms.publishing.queue import PORTAL_QUEUE
    from cms.publishing.worker import run_ready
    from cms.services.models import ServicePage

    assert UpdateRequest.objects.count() == 1  # the import's, until the first update
    run_ready(PORTAL_QUEUE)
    assert UpdateRequest.objects.count() == 0

    # A publishing process killed after its commit, before queuing the update: only the request is left.
    page = ServicePage.objects.get(slug="nib")
    page.title = "NIB tanpa tugas"
    with django_capture_on_commit_callbacks(execute=False):
        page.save_revision().publish()
    assert UpdateRequest.objects.count() == 1
    assert not DBTaskResult.objects.filter(queue_name=PORTAL_QUEUE, status="READY").exists()
    assert unhandled_requests(grace=0) == ["pemulihan: terbit: layanan «NIB tanpa tugas»"]
    schedule_once(links=False, grace=0)
    assert run_ready(PORTAL_QUEUE) == 1
    assert "NIB tanpa tugas" in page_html(settings, "nib")
    assert UpdateRequest.objects.count() == 0 and unhandled_requests(grace=0) == []


def test_a_failed_update_keeps_its_requests_and_the_panel_explains_why(
    imported, settings, client, admin_user
):
    import errno

    from cms.publishing.models import UpdateRequest
    from cms.publishing.runner import explain_failure, run_portal_update

    settings.PORTAL_DIR = "/proc/santer-not-writable/portal"  # mkdir fails: like a broken disk
    run = run_portal_update(["terbit: layanan"])
    assert run.status == PublishRun.Status.FAILED
    assert UpdateRequest.objects.count() == 1  # not lost: the retry will bring it

    full = OSError(errno.ENOSPC, "No space left on device")
    try:
        raise RuntimeError("Portal gagal dibangun") from full
    except RuntimeError as exc:
        run.error = explain_failure(exc)
    run.save()
    client.force_login(admin_user)
    dashboard = client.get("/admin/").content.decode()
    assert "Pembaruan portal terakhir gagal" in dashboard
    assert "Disk penuh: ruang penyimpanan portal habis" in dashboard
    assert "diulang otomatis" in dashboard


def test_the_panel_says_when_published_changes_are_waiting_for_the_worker(imported, client, admin_user):
    from datetime import timedelta

    from django.utils import timezone

    from cms.publishing.models import UpdateRequest

    client.force_login(admin_user)
    assert "belum tampil di portal" not in client.get("/admin/").content.decode()  # just published
    UpdateRequest.objects.update(requested_at=timezone.now() - timedelta(minutes=2))
    dashboard = client.get("/admin/").content.decode()
    assert "1 perubahan yang terbit sejak" in dashboard and "belum tampil di portal" in dashboard


def test_stale_running_tasks_of_a_dead_worker_run_again_until_they_took_down_three(db):
    from django.utils import timezone

    from cms.publishing.queue import update_portal
    from cms.publishing.worker import recover_stale

    DBTaskResult.objects.all().delete()
    update_portal.enqueue(["terbit: layanan"])
    task = DBTaskResult.objects.get()
    PublishRun.objects.create(reasons="terbit: layanan")
    for attempt in range(1, 4):
        task.claim(f"worker-{attempt}")  # claimed, then the worker was killed
        assert recover_stale(["portal"]) == 1
        task.refresh_from_db()
        assert task.status == ("READY" if attempt < 3 else "FAILED")
    assert PublishRun.objects.get().status == PublishRun.Status.FAILED
    assert "berhenti di tengah pembaruan" in PublishRun.objects.get().error
    assert task.finished_at <= timezone.now()


def test_scheduled_publishing_runs_when_due_without_anyone_running_a_command(
    imported, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from cms.publishing.management.commands.publish_worker import (
        next_scheduled_publishing,
        seconds_until_next_check,
    )
    from cms.services.models import ServicePage

    settings.PUBLISH_CHECK_SECONDS = 600
    assert next_scheduled_publishing() is None
    page = ServicePage.objects.get(slug="pbg")
    page.title = "PBG terjadwal"
    page.go_live_at = timezone.now() + timedelta(seconds=2)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()  # scheduled, as the admin's "publish" with a go-live time
    due = next_scheduled_publishing()
    assert due is not None and 0 < seconds_until_next_check() <= 2.1  # wakes for it, not in 10 minutes
    schedule_once(links=False)
    assert ServicePage.objects.get(slug="pbg").title != "PBG terjadwal"  # not yet
    time.sleep(max(0, (due - timezone.now()).total_seconds()) + 0.1)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_once(links=False)
    assert ServicePage.objects.get(slug="pbg").title == "PBG terjadwal"
    assert next_scheduled_publishing() is None
