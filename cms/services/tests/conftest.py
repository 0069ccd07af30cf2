"""A small catalogue (two OPDs, their apps, three services) imported through the real importer."""

import copy
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from catalogue import load_catalogue
from cms.services.importing import import_catalogue
from cms.services.models import OpdPage, ServicePage
from cms.services.setup import REVIEWERS_GROUP, ensure_editor_group

SMALL_CATALOGUE = {
    "opds.json": [
        {
            "slug": "disdukcapil",
            "name": "Dinas Kependudukan dan Pencatatan Sipil Kota Samarinda",
            "short_name": "Disdukcapil",
            "kind": "dinas",
            "address": "Jl. Basuki Rahmat No. 78, Samarinda",
            "phone": "0857-5168-7090",
            "website": "https://disdukcapil.samarindakota.go.id",
        },
        {
            "slug": "dpmptsp",
            "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Samarinda",
            "short_name": "DPMPTSP",
            "kind": "dinas",
            "address": "Jl. Dahlia No. 81, Samarinda",
            "phone": "",
            "website": "https://dpmptsp.samarindakota.go.id",
        },
    ],
    "apps.json": [
        {
            "slug": "dafduk-online",
            "name": "Dafduk Online",
            "opd": "disdukcapil",
            "base_url": "https://dafduk.samarindakota.go.id",
            "description": "Permohonan daring dokumen kependudukan.",
            "platforms": ["web"],
        },
        {
            "slug": "simbg",
            "name": "SIMBG",
            "opd": "dpmptsp",
            "base_url": "https://simbg.samarindakota.go.id",
            "description": "Persetujuan bangunan gedung.",
            "platforms": ["web", "android"],
        },
    ],
    "categories.json": [
        {"slug": "kependudukan", "name": "Kependudukan dan Pencatatan Sipil"},
        {"slug": "perizinan-usaha", "name": "Perizinan dan Usaha"},
    ],
    "life_events.json": [
        {"slug": "kelahiran", "name": "Kelahiran Anak", "description": "Saat anak lahir."},
    ],
    "services.json": [
        {
            "id": "akta-kelahiran",
            "title": "Penerbitan Akta Kelahiran",
            "opd": "disdukcapil",
            "app": "dafduk-online",
            "deep_link": "https://dafduk.samarindakota.go.id/permohonan/akta-kelahiran",
            "summary": "Penerbitan akta kelahiran bagi anak yang lahir di Samarinda.",
            "description": "Akta kelahiran adalah bukti sah kelahiran.\n\nLayanan ini gratis.",
            "requirements": ["Surat keterangan lahir", "Kartu Keluarga"],
            "steps": ["Ajukan permohonan", "Verifikasi berkas", "Akta diterbitkan"],
            "duration": "1 hari kerja",
            "cost": "Gratis",
            "output": "Akta Kelahiran",
            "legal_basis": ["Undang-Undang Nomor 24 Tahun 2013"],
            "complaints": "SP4N-LAPOR! atau loket pengaduan Disdukcapil.",
            "channels": ["online", "loket Disdukcapil"],
            "categories": ["kependudukan"],
            "life_events": ["kelahiran"],
            "keywords": ["akte lahir"],
        },
        {
            "id": "kartu-keluarga",
            "title": "Penerbitan Kartu Keluarga",
            "opd": "disdukcapil",
            "app": None,
            "deep_link": None,
            "summary": "Penerbitan Kartu Keluarga baru atau perubahan data.",
            "description": "Kartu Keluarga memuat susunan keluarga.",
            "requirements": ["Formulir F-1.01"],
            "steps": ["Datang ke loket", "Ambil KK"],
            "duration": "1 hari kerja",
            "cost": "Gratis",
            "output": "Kartu Keluarga",
            "legal_basis": [],
            "complaints": "SP4N-LAPOR!",
            "channels": ["loket Disdukcapil"],
            "categories": ["kependudukan"],
            "life_events": [],
            "keywords": [],
        },
        {
            "id": "pbg",
            "title": "Persetujuan Bangunan Gedung (PBG)",
            "opd": "dpmptsp",
            "app": "simbg",
            "deep_link": "https://simbg.samarindakota.go.id/pbg",
            "summary": "Izin untuk membangun, mengubah atau merawat bangunan gedung.",
            "description": "PBG menggantikan IMB.",
            "requirements": ["Gambar rencana", "Bukti kepemilikan tanah"],
            "steps": ["Daftar di SIMBG", "Konsultasi", "Bayar retribusi", "PBG terbit"],
            "duration": "28 hari kerja",
            "cost": "Sesuai retribusi daerah",
            "output": "Dokumen PBG",
            "legal_basis": ["Peraturan Pemerintah Nomor 16 Tahun 2021"],
            "complaints": "SP4N-LAPOR!",
            "channels": ["online"],
            "categories": ["perizinan-usaha"],
            "life_events": [],
            "keywords": ["IMB", "izin mendirikan bangunan"],
        },
    ],
}


def write_shared(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in data.items():
        (folder / name).write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


@pytest.fixture
def small_catalogue_data():
    """A deep copy, so a test may break a record without touching the others."""
    return copy.deepcopy(SMALL_CATALOGUE)


@pytest.fixture
def small_catalogue_dir(tmp_path, small_catalogue_data) -> Path:
    return write_shared(tmp_path / "small", small_catalogue_data)


@pytest.fixture
def imported(db, small_catalogue_dir):
    """The small catalogue, imported and published."""
    import_catalogue(load_catalogue(small_catalogue_dir))
    return {
        "disdukcapil": OpdPage.objects.get(slug="disdukcapil"),
        "dpmptsp": OpdPage.objects.get(slug="dpmptsp"),
        "akta": ServicePage.objects.get(slug="akta-kelahiran"),
        "kk": ServicePage.objects.get(slug="kartu-keluarga"),
        "pbg": ServicePage.objects.get(slug="pbg"),
    }


@pytest.fixture
def editor(imported):
    """An editor of Disdukcapil only (not staff, not superuser): rights come from the OPD group."""
    user = get_user_model().objects.create_user("editor-test", password="pw-editor-test")
    user.groups.add(ensure_editor_group(imported["disdukcapil"]))
    return user


@pytest.fixture
def reviewer(imported):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("reviewer-test", password="pw-reviewer-test")
    user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def snapshot() -> dict:
    """What the database holds about the catalogue: to prove a refused action changed nothing."""
    from wagtail.models import Page, Revision

    from cms.services.models import App, Category, LifeEvent

    return {
        "pages": sorted(
            Page.objects.values_list("id", "path", "title", "live", "has_unpublished_changes", "slug")
        ),
        "revisions": Revision.objects.count(),
        "apps": sorted(App.objects.values_list("slug", "name", "base_url")),
        "categories": Category.objects.count(),
        "life_events": LifeEvent.objects.count(),
    }
