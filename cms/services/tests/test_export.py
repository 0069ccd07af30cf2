"""export_content / published_catalogue: only what is live, byte-stable files, a lossless round trip."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from wagtail.models import Page

from catalogue import load_catalogue
from cms.services.exporting import published_catalogue
from cms.services.models import App, Category, LifeEvent, OpdPage, ServicePage
from cms.services.setup import catalogue_root

PROJECT_DIR = Path(__file__).resolve().parents[3]


def export(folder: Path) -> dict[str, bytes]:
    call_command("export_content", "--out", str(folder), verbosity=0)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def empty_catalogue() -> None:
    """Back to a fresh database's state: only the catalogue root."""
    for page in ServicePage.objects.all():
        page.delete()
    App.objects.all().delete()  # apps protect their OPDs
    for page in catalogue_root().get_children():
        page.delete()
    Category.objects.all().delete()
    LifeEvent.objects.all().delete()


@pytest.mark.django_db
def test_round_trip_of_shared_catalogue_is_byte_identical(shared_catalogue_dir, tmp_path):
    call_command("import_catalogue", str(shared_catalogue_dir), verbosity=0)
    first = export(tmp_path / "a")
    assert sum(name.startswith("services/") for name in first) == 151
    assert export(tmp_path / "a-again") == first  # two exports of an unchanged catalogue

    empty_catalogue()
    assert not ServicePage.objects.exists()
    call_command("import_catalogue", str(tmp_path / "a"), verbosity=0)
    assert export(tmp_path / "b") == first

    call_command("import_catalogue", str(tmp_path / "a"), verbosity=0)  # and nothing to change
    assert export(tmp_path / "b") == first

    # And through the command line into a really fresh database (a new SQLite file).
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", LOG_LEVEL="WARNING")
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["import_catalogue", str(tmp_path / "a"), "-v", "0"],
        ["export_content", "--out", str(tmp_path / "c"), "-v", "0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=PROJECT_DIR, env=env, check=True, timeout=600
        )
    folder = tmp_path / "c"
    assert {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == first


@pytest.mark.django_db
def test_export_keeps_the_updated_date_of_the_record(imported, tmp_path):
    out = tmp_path / "content"
    export(out)
    record = json.loads((out / "services" / "pbg.json").read_text())
    record["updated"] = "2025-02-03"
    record["summary"] = "Ringkasan yang diubah."
    (out / "services" / "pbg.json").write_text(json.dumps(record), encoding="utf-8")

    call_command("import_catalogue", str(out), verbosity=0)
    exported = published_catalogue().services["pbg"]
    assert exported.updated == "2025-02-03"
    assert exported.summary == "Ringkasan yang diubah."
    # A file of the content/ format, written by the exporter: stable key order, trailing newline.
    text = (out / "services" / "akta-kelahiran.json").read_text()
    assert list(json.loads(text))[:3] == ["id", "title", "summary"] and text.endswith("}\n")


@pytest.mark.django_db
def test_drafts_and_unpublished_pages_never_leak(imported):
    kk = imported["kk"]
    kk.title = "JUDUL DRAF"
    kk.save_revision()  # a draft: not published
    imported["pbg"].unpublish()
    opd = imported["dpmptsp"]
    draft = ServicePage(title="Layanan draf", slug="layanan-draf", summary="Belum terbit.", live=False)
    imported["disdukcapil"].add_child(instance=draft)

    catalogue = published_catalogue()
    assert catalogue.services["kartu-keluarga"].title == "Penerbitan Kartu Keluarga"
    assert "pbg" not in catalogue.services
    assert "layanan-draf" not in catalogue.services

    opd.unpublish()  # an unpublished OPD takes its apps out too
    catalogue = published_catalogue()
    assert "dpmptsp" not in catalogue.opds and "simbg" not in catalogue.apps


@pytest.mark.django_db
def test_rich_text_links_to_pages_become_portal_urls(imported):
    akta = imported["akta"]
    opd = imported["disdukcapil"]
    akta.description = (
        f'<p data-block-key="a1">Lihat <a linktype="page" id="{imported["kk"].id}">KK</a>, '
        f'<a linktype="page" id="{opd.id}">Disdukcapil</a>, <a href="https://lapor.go.id">LAPOR!</a> '
        f'dan <a linktype="page" id="999999">hilang</a>.</p><script>alert(1)</script>'
    )
    akta.save_revision().publish()
    html = published_catalogue().services["akta-kelahiran"].description
    assert html == (
        '<p>Lihat <a href="/layanan/kartu-keluarga/" rel="noopener">KK</a>, '
        '<a href="/opd/disdukcapil/" rel="noopener">Disdukcapil</a>, '
        '<a href="https://lapor.go.id" rel="noopener">LAPOR!</a> dan <a rel="noopener">hilang</a>.</p>'
    )


@pytest.mark.django_db
def test_exported_content_folder_loads_back(imported, tmp_path):
    export(tmp_path / "c")
    catalogue = load_catalogue(tmp_path / "c")
    assert set(catalogue.services) == {"akta-kelahiran", "kartu-keluarga", "pbg"}
    assert catalogue.services["akta-kelahiran"].channels[1].name == "loket Disdukcapil"
    assert Page.objects.type(OpdPage).live().count() == 2


@pytest.mark.django_db
def test_scheduled_publication_reaches_the_catalogue_only_when_due(imported):
    from datetime import timedelta

    from django.utils import timezone

    pbg = imported["pbg"]
    pbg.cost = "Tarif baru mulai bulan depan"
    pbg.go_live_at = timezone.now() + timedelta(days=30)
    pbg.save_revision().publish()  # scheduled, as the admin's "publish" with a go-live date does
    assert published_catalogue().services["pbg"].cost == "Sesuai retribusi daerah"

    # Thirty days later (moved back instead of waiting): the go-live time has passed.
    past = timezone.now() - timedelta(minutes=1)
    revision = ServicePage.objects.get(pk=pbg.pk).latest_revision
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    call_command("publish_scheduled")
    assert published_catalogue().services["pbg"].cost == "Tarif baru mulai bulan depan"
