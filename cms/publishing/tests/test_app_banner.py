"""While an app is down its service pages say so calmly; the banner goes when the app is back."""

import dataclasses

import pytest

from catalogue import Catalogue
from cms.links.health import run_link_check
from cms.publishing.models import PublishRun
from cms.publishing.queue import PORTAL_QUEUE
from cms.publishing.tests.test_pipeline import page_html
from cms.publishing.worker import run_ready
from cms.services.exporting import published_catalogue

BANNER = "Aplikasi Dafduk Online sedang tidak dapat diakses."


def pointed_at(server) -> Catalogue:
    """The published catalogue with every link moved to the local server (nothing else is contacted)."""
    catalogue = published_catalogue()
    apps = {
        slug: dataclasses.replace(
            app, base_url=f"{server.base}/{'toggle' if slug == 'dafduk-online' else 'ok'}"
        )
        for slug, app in catalogue.apps.items()
    }
    services = {
        sid: dataclasses.replace(s, deep_link=f"{server.base}/ok/{sid}") if s.deep_link else s
        for sid, s in catalogue.services.items()
    }
    return dataclasses.replace(catalogue, apps=apps, services=services)


@pytest.mark.django_db
def test_app_down_banner_comes_and_goes_through_the_incremental_publish(
    imported,
    app_server,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.LINK_CHECK_TIMEOUT_SECONDS = 1
    run_ready(PORTAL_QUEUE)
    before = page_html(imported, "ktp-el-pemula")
    assert BANNER not in before

    app_server.toggle_up = False
    for _ in range(3):  # "down" needs three failed checks in a row
        with django_capture_on_commit_callbacks(execute=True):
            run_link_check(pointed_at(app_server))
    assert run_ready(PORTAL_QUEUE) == 1

    html = page_html(imported, "ktp-el-pemula")
    assert BANNER in html
    assert "Layanan tetap dapat diajukan di Kantor disdukcapil" in html
    # Everything else stays: requirements, steps, the button and the JSON-LD.
    for kept in ("KTP asli", "Ajukan permohonan", "data-deep-link", "application/ld+json"):
        assert kept in html
    assert "sedang tidak dapat diakses" not in page_html(imported, "pbg")  # another app's service
    run = PublishRun.objects.first()
    assert "kesehatan tautan: dafduk-online" in run.reasons
    assert run.pages_written < 8  # the app's service pages and what lists them, not the whole site

    app_server.toggle_up = True
    with django_capture_on_commit_callbacks(execute=True):
        run_link_check(pointed_at(app_server))
    assert run_ready(PORTAL_QUEUE) == 1
    assert page_html(imported, "ktp-el-pemula") == before
