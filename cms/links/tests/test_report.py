"""The admin report of broken and slow links: per OPD, and an OPD editor sees only their own."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.links.models import LinkStatus
from cms.publishing.tests.fixtures import small_catalogue
from cms.services.importing import import_catalogue
from cms.services.models import OpdPage
from cms.services.setup import ensure_editor_group

REPORT = "/admin/reports/tautan/"


@pytest.fixture
def links(db, settings):
    import_catalogue(small_catalogue())
    now = timezone.now()
    rows = [
        (
            "app",
            "dafduk-online",
            "https://dafduk.samarindakota.go.id",
            "disdukcapil",
            "Dafduk Online",
            "down",
            3,
        ),
        (
            "deep_link",
            "kartu-keluarga",
            "https://dafduk.samarindakota.go.id/kk",
            "disdukcapil",
            "Kartu Keluarga",
            "slow",
            0,
        ),
        (
            "deep_link",
            "ktp-el-pemula",
            "https://dafduk.samarindakota.go.id/ktp",
            "disdukcapil",
            "KTP-el",
            "up",
            0,
        ),
        ("app", "sicantik", "https://sicantik.samarindakota.go.id", "dpmptsp", "SiCantik", "up", 1),
        (
            "deep_link",
            "pbg",
            "https://sicantik.samarindakota.go.id/pbg",
            "dpmptsp",
            "Bangunan Gedung",
            "down",
            4,
        ),
    ]
    for kind, key, url, opd, label, state, failures in rows:
        LinkStatus.objects.create(
            kind=kind,
            key=key,
            url=url,
            opd=opd,
            label=label,
            state=state,
            consecutive_failures=failures,
            status_code=503 if failures else 200,
            latency_ms=4200 if state == "slow" else 90,
            checked_at=now,
        )


def test_superuser_sees_every_broken_or_slow_link(links, client, admin_user):
    client.force_login(admin_user)
    html = client.get(REPORT).content.decode()
    assert "Kesehatan tautan" in html
    for label in ("Dafduk Online", "Kartu Keluarga", "SiCantik", "Bangunan Gedung"):
        assert label in html
    assert "KTP-el" not in html  # healthy links are not listed
    assert "Dinas Penanaman Modal dan PTSP" in html  # grouped by OPD, shown by name


def test_an_opd_editor_sees_only_their_own_opds_links(links, client):
    editor = get_user_model().objects.create_user("editor-dukcapil", password="x")
    editor.groups.add(ensure_editor_group(OpdPage.objects.get(slug="disdukcapil")))
    client.force_login(editor)
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dafduk Online" in html and "Kartu Keluarga" in html
    assert "SiCantik" not in html and "Bangunan Gedung" not in html
    # Filtering by another OPD does not widen the view.
    assert "Bangunan Gedung" not in client.get(REPORT, {"opd": "dpmptsp"}).content.decode()


def test_report_filters_by_state(links, client, admin_user):
    client.force_login(admin_user)
    html = client.get(REPORT, {"state": "down"}).content.decode()
    assert "Dafduk Online" in html and "Bangunan Gedung" in html
    assert "Kartu Keluarga" not in html
