"""A small catalogue imported into the CMS, a throw-away PORTAL_DIR and a queue without delay."""

import pytest

from catalogue import App, Catalogue, Category, LifeEvent, Opd, Service


def small_catalogue() -> Catalogue:
    catalogue = Catalogue()
    for data in (
        {
            "slug": "disdukcapil",
            "name": "Dinas Kependudukan dan Pencatatan Sipil",
            "short_name": "Disdukcapil",
            "kind": "dinas",
            "address": "Jl. Basuki Rahmat No. 78",
        },
        {
            "slug": "dpmptsp",
            "name": "Dinas Penanaman Modal dan PTSP",
            "short_name": "DPMPTSP",
            "kind": "dinas",
            "address": "Jl. Dahlia No. 1",
        },
    ):
        catalogue.add(Opd.from_dict(data), f"opds/{data['slug']}.json")
    for data in (
        {
            "slug": "dafduk-online",
            "name": "Dafduk Online",
            "opd": "disdukcapil",
            "base_url": "https://dafduk.samarindakota.go.id",
            "platforms": ["web"],
        },
        {
            "slug": "sicantik",
            "name": "SiCantik",
            "opd": "dpmptsp",
            "base_url": "https://sicantik.samarindakota.go.id",
            "platforms": ["web"],
        },
    ):
        catalogue.add(App.from_dict(data), f"apps/{data['slug']}.json")
    catalogue.add(Category.from_dict({"slug": "kependudukan", "name": "Kependudukan"}), "categories/k.json")
    catalogue.add(Category.from_dict({"slug": "perizinan", "name": "Perizinan"}), "categories/p.json")
    catalogue.add(LifeEvent.from_dict({"slug": "kelahiran", "name": "Kelahiran"}), "life-events/k.json")
    services = [
        ("ktp-el-pemula", "Penerbitan KTP-el Pemula", "disdukcapil", "dafduk-online", "kependudukan"),
        ("kartu-keluarga", "Penerbitan Kartu Keluarga", "disdukcapil", "dafduk-online", "kependudukan"),
        ("akta-kelahiran", "Akta Kelahiran", "disdukcapil", None, "kependudukan"),
        ("pbg", "Persetujuan Bangunan Gedung", "dpmptsp", "sicantik", "perizinan"),
        ("nib", "Nomor Induk Berusaha", "dpmptsp", "sicantik", "perizinan"),
    ]
    for sid, title, opd, app, category in services:
        base = catalogue.apps[app].base_url if app else None
        catalogue.add(
            Service.from_dict(
                {
                    "id": sid,
                    "title": title,
                    "summary": f"Ringkasan {title}.",
                    "description": f"<p>Uraian {title}.</p>",
                    "opd": opd,
                    "app": app,
                    "deep_link": f"{base}/layanan/{sid}" if app else None,
                    "requirements": ["KTP asli", "Kartu Keluarga"],
                    "steps": ["Ajukan permohonan", "Ambil dokumen"],
                    "duration": "3 hari kerja",
                    "cost": "Gratis",
                    "output": title,
                    "complaints": "SP4N-LAPOR!",
                    "channels": ["online", f"Kantor {opd}"] if app else [f"Kantor {opd}"],
                    "categories": [category],
                    "life_events": ["kelahiran"] if sid == "akta-kelahiran" else [],
                }
            ),
            f"services/{sid}.json",
        )
    return catalogue


@pytest.fixture
def portal_settings(settings, tmp_path):
    # The admin renders static URLs; the manifest storage would need collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PORTAL_DIR = tmp_path / "portal"
    settings.SITE_URL = "https://santer.example"
    settings.PUBLISH_DEBOUNCE_SECONDS = 0
    settings.PUBLISH_MAX_WAIT_SECONDS = 0
    return settings


@pytest.fixture
def imported(db, portal_settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from cms.publishing import runner
    from cms.publishing.queue import PORTAL_QUEUE
    from cms.services.importing import import_catalogue

    runner._live.__init__()  # a fresh worker process: nothing remembered from other tests
    # `migrate` set up the catalogue root and so asked for an update of a portal that is not ours.
    DBTaskResult.objects.filter(queue_name=PORTAL_QUEUE).delete()
    with django_capture_on_commit_callbacks(execute=True):
        import_catalogue(small_catalogue())
    return portal_settings
