"""Publish in Wagtail → task enqueued → worker brings the live folder up to date, atomically."""

import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.publishing.models import PublishRun
from cms.publishing.queue import PORTAL_QUEUE
from cms.publishing.worker import run_ready
from cms.services.models import OpdPage, ServicePage
from site_builder.theme import THEME_DIR


def live(settings) -> Path:
    return Path(settings.PORTAL_DIR)


def page_html(settings, service_id: str) -> str:
    return (live(settings) / "layanan" / service_id / "index.html").read_text(encoding="utf-8")


def waiting_updates() -> int:
    return DBTaskResult.objects.filter(queue_name=PORTAL_QUEUE, status="READY").count()


def publish(page, capture, **changes):
    """What an editor's "Terbitkan" does: save a revision and publish it through Wagtail."""
    with capture(execute=True):
        for name, value in changes.items():
            setattr(page, name, value)
        page.save_revision().publish()


@pytest.fixture
def portal(imported):
    """The portal as the worker first builds it after the import."""
    assert waiting_updates() == 1  # the import's many publishes asked for one update
    assert run_ready(PORTAL_QUEUE) == 1
    return imported


def test_import_then_worker_builds_the_live_portal(portal):
    assert live(portal).is_symlink()
    html = page_html(portal, "ktp-el-pemula")
    assert "Penerbitan KTP-el Pemula" in html and "data-deep-link" in html
    run = PublishRun.objects.get()
    assert run.status == PublishRun.Status.SUCCEEDED and run.pages_written > 5


def test_publishing_a_change_updates_only_what_shows_it(portal, django_capture_on_commit_callbacks):
    untouched = live(portal) / "layanan" / "pbg" / "index.html"
    inode_before = untouched.stat().st_ino
    build_before = os.path.realpath(live(portal))

    page = ServicePage.objects.get(slug="ktp-el-pemula")
    publish(page, django_capture_on_commit_callbacks, title="KTP Elektronik untuk Pemula")
    assert waiting_updates() == 1
    assert run_ready(PORTAL_QUEUE) == 1

    assert os.path.realpath(live(portal)) != build_before  # switched to a new complete build
    assert "KTP Elektronik untuk Pemula" in page_html(portal, "ktp-el-pemula")
    assert "KTP Elektronik untuk Pemula" in (live(portal) / "opd" / "disdukcapil" / "index.html").read_text()
    assert "KTP Elektronik untuk Pemula" in (live(portal) / "layanan" / "index.html").read_text()  # A–Z
    # A page that does not show the service is the very same file, not written again.
    assert untouched.stat().st_ino == inode_before
    run = PublishRun.objects.first()
    assert run.status == PublishRun.Status.SUCCEEDED
    assert 0 < run.pages_written < 10
    assert "KTP Elektronik untuk Pemula" in run.reasons


def test_burst_of_ten_publishes_gives_one_update(portal, django_capture_on_commit_callbacks):
    runs_before = PublishRun.objects.count()
    for n, page in enumerate(ServicePage.objects.order_by("slug")[:5]):
        for m in range(2):
            publish(page, django_capture_on_commit_callbacks, title=f"Layanan {n} versi {m}")
    assert waiting_updates() == 1
    assert run_ready(PORTAL_QUEUE) == 1
    assert PublishRun.objects.count() == runs_before + 1
    for n, page in enumerate(ServicePage.objects.order_by("slug")[:5]):
        assert f"Layanan {n} versi 1" in page_html(portal, page.slug)


def test_a_lone_publish_starts_at_once_and_one_just_after_another_update_waits_for_quiet(
    portal, settings, django_capture_on_commit_callbacks
):
    settings.PUBLISH_DEBOUNCE_SECONDS = 0.05
    settings.PUBLISH_BURST_QUIET_SECONDS = 1.5
    settings.PUBLISH_MAX_WAIT_SECONDS = 5
    updates = DBTaskResult.objects.filter(queue_name=PORTAL_QUEUE)

    def delay_of_the_waiting_update() -> float:
        task = updates.get(status="READY")
        return (task.run_after - task.enqueued_at).total_seconds()

    # The import's update started moments ago: another editor is at work, so wait for quiet.
    publish(ServicePage.objects.get(slug="pbg"), django_capture_on_commit_callbacks, title="PBG baru")
    assert delay_of_the_waiting_update() == pytest.approx(1.5, abs=0.1)
    assert run_ready(PORTAL_QUEUE) == 0  # not yet due

    updates.filter(status="READY").delete()
    updates.update(started_at=timezone.now() - timedelta(minutes=5))  # the last update: long ago
    publish(ServicePage.objects.get(slug="nib"), django_capture_on_commit_callbacks, title="NIB baru")
    assert delay_of_the_waiting_update() == pytest.approx(0.05, abs=0.1)
    time.sleep(0.1)
    assert run_ready(PORTAL_QUEUE) == 1
    assert "NIB baru" in page_html(portal, "nib")


def test_unpublish_move_and_delete_reach_the_portal(portal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ServicePage.objects.get(slug="pbg").unpublish()
    run_ready(PORTAL_QUEUE)
    assert not (live(portal) / "layanan" / "pbg").exists()
    assert PublishRun.objects.first().pages_removed == 1  # the admin's panel shows it
    assert "Persetujuan Bangunan Gedung" not in (live(portal) / "opd" / "dpmptsp" / "index.html").read_text()

    with django_capture_on_commit_callbacks(execute=True):
        page = ServicePage.objects.get(slug="akta-kelahiran")
        page.move(OpdPage.objects.get(slug="dpmptsp"), pos="last-child")
    run_ready(PORTAL_QUEUE)
    assert "/opd/dpmptsp/" in page_html(portal, "akta-kelahiran")
    assert "Akta Kelahiran" in (live(portal) / "opd" / "dpmptsp" / "index.html").read_text()

    with django_capture_on_commit_callbacks(execute=True):
        ServicePage.objects.get(slug="nib").delete()
    run_ready(PORTAL_QUEUE)
    assert not (live(portal) / "layanan" / "nib").exists()
    assert PublishRun.objects.first().pages_removed == 1
    assert "/layanan/nib/" not in (live(portal) / "sitemap.xml").read_text()


def test_a_failed_update_leaves_the_live_site_and_the_next_publish_retries(
    portal, django_capture_on_commit_callbacks, tmp_path, client, admin_user
):
    broken_theme = tmp_path / "theme"
    shutil.copytree(THEME_DIR, broken_theme)
    (broken_theme / "templates" / "service.html").write_text("{% if %}", encoding="utf-8")
    portal.PORTAL_THEME_DIR = broken_theme
    before = page_html(portal, "nib")

    page = ServicePage.objects.get(slug="nib")
    publish(page, django_capture_on_commit_callbacks, title="NIB versi baru")
    run_ready(PORTAL_QUEUE)
    failed = PublishRun.objects.first()
    assert failed.status == PublishRun.Status.FAILED and failed.error
    assert page_html(portal, "nib") == before  # the live folder still serves the last good build

    client.force_login(admin_user)
    dashboard = client.get("/admin/").content.decode()
    assert "Pembaruan portal terakhir gagal" in dashboard

    portal.PORTAL_THEME_DIR = THEME_DIR  # the theme is fixed; the next publish carries both changes
    publish(ServicePage.objects.get(slug="pbg"), django_capture_on_commit_callbacks, title="PBG versi baru")
    run_ready(PORTAL_QUEUE)
    assert PublishRun.objects.first().status == PublishRun.Status.SUCCEEDED
    assert "NIB versi baru" in page_html(portal, "nib")
    assert "PBG versi baru" in page_html(portal, "pbg")
    assert "Pembaruan portal terakhir gagal" not in client.get("/admin/").content.decode()


def test_draft_changes_do_not_reach_the_portal(portal, django_capture_on_commit_callbacks):
    page = ServicePage.objects.get(slug="pbg")
    with django_capture_on_commit_callbacks(execute=True):
        page.title = "Draf yang belum terbit"
        page.save_revision()
    assert waiting_updates() == 0
    run_ready(PORTAL_QUEUE)
    assert "Draf yang belum terbit" not in page_html(portal, "pbg")
