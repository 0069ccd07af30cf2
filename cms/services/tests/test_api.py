"""Headless API v2: typed service fields, OPDs and apps, read-only, never a draft."""

import pytest

from cms.services.models import ServicePage

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = "/api/v2/pages/?type=services.ServicePage&fields=*"


def service_items(client) -> dict[str, dict]:
    response = client.get(SERVICE_FIELDS)
    assert response.status_code == 200
    return {item["meta"]["slug"]: item for item in response.json()["items"]}


def test_service_fields_are_typed(client, imported):
    akta = service_items(client)["akta-kelahiran"]
    assert akta["opd"] == "disdukcapil"
    assert akta["requirements"] == ["Surat keterangan lahir", "Kartu Keluarga"]
    assert akta["steps"][0] == "Ajukan permohonan"
    assert akta["legal_basis"] == ["Undang-Undang Nomor 24 Tahun 2013"]
    assert akta["keywords"] == ["akte lahir"]
    assert akta["channels"] == [
        {"kind": "online", "name": "Daring (online)", "address": "", "hours": ""},
        {"kind": "walk_in", "name": "loket Disdukcapil", "address": "", "hours": ""},
    ]
    assert akta["app"] == "dafduk-online"
    assert akta["deep_link"] == "https://dafduk.samarindakota.go.id/permohonan/akta-kelahiran"
    assert akta["categories"] == ["kependudukan"] and akta["life_events"] == ["kelahiran"]
    assert akta["description"].startswith("<p>Akta kelahiran")
    assert akta["cost"] == "Gratis" and akta["featured"] is False
    assert akta["last_reviewed"] == ServicePage.objects.get(slug="akta-kelahiran").last_reviewed.isoformat()
    assert service_items(client)["kartu-keluarga"]["app"] is None


def test_opds_and_apps(client, imported):
    opds = client.get("/api/v2/pages/?type=services.OpdPage&fields=short_name,kind,website").json()["items"]
    assert {o["short_name"]: o["website"] for o in opds} == {
        "Disdukcapil": "https://disdukcapil.samarindakota.go.id",
        "DPMPTSP": "https://dpmptsp.samarindakota.go.id",
    }
    apps = client.get("/api/v2/apps/?fields=platforms").json()["items"]
    assert [(a["slug"], a["opd"], a["platforms"]) for a in apps] == [
        ("dafduk-online", "disdukcapil", ["web"]),
        ("simbg", "dpmptsp", ["web", "android"]),
    ]
    categories = client.get("/api/v2/categories/").json()["items"]
    assert [c["slug"] for c in categories] == ["kependudukan", "perizinan-usaha"]
    assert client.get("/api/v2/life-events/").json()["items"][0]["name"] == "Kelahiran Anak"


def test_drafts_never_leak(client, imported):
    kk = imported["kk"]
    kk.title = "JUDUL DRAF RAHASIA"
    kk.summary = "Ringkasan draf rahasia."
    kk.save_revision()
    draft = ServicePage(title="Layanan Belum Terbit", slug="belum-terbit", summary="Draf.", live=False)
    imported["disdukcapil"].add_child(instance=draft)
    draft.save_revision()
    imported["pbg"].unpublish()

    items = service_items(client)
    assert set(items) == {"akta-kelahiran", "kartu-keluarga"}
    assert items["kartu-keluarga"]["title"] == "Penerbitan Kartu Keluarga"
    detail = client.get(f"/api/v2/pages/{kk.id}/")
    assert detail.status_code == 200 and "RAHASIA" not in detail.content.decode()
    assert client.get(f"/api/v2/pages/{draft.id}/").status_code == 404
    assert client.get(f"/api/v2/pages/{imported['pbg'].id}/").status_code == 404
    assert "rahasia" not in client.get("/api/v2/pages/?search=rahasia").content.decode().lower()

    imported["dpmptsp"].unpublish()  # an unpublished OPD hides its apps
    assert [a["slug"] for a in client.get("/api/v2/apps/").json()["items"]] == ["dafduk-online"]


def test_api_is_read_only(client, imported):
    for url in ("/api/v2/pages/", f"/api/v2/pages/{imported['kk'].id}/", "/api/v2/apps/"):
        assert client.post(url, {"title": "x"}, content_type="application/json").status_code in (403, 405)
        assert client.delete(url).status_code in (403, 405)
    assert ServicePage.objects.get(slug="kartu-keluarga").title == "Penerbitan Kartu Keluarga"


def test_services_and_opds_endpoints(client, imported):
    services = client.get("/api/v2/services/").json()["items"]
    assert sorted((s["meta"]["slug"], s["opd"]) for s in services) == [
        ("akta-kelahiran", "disdukcapil"),
        ("kartu-keluarga", "disdukcapil"),
        ("pbg", "dpmptsp"),
    ]
    detail = client.get(f"/api/v2/services/{imported['pbg'].id}/").json()
    assert detail["steps"] == ["Daftar di SIMBG", "Konsultasi", "Bayar retribusi", "PBG terbit"]
    assert client.get(f"/api/v2/services/{imported['dpmptsp'].id}/").status_code == 404
    opds = client.get("/api/v2/opds/").json()["items"]
    assert sorted(o["short_name"] for o in opds) == ["DPMPTSP", "Disdukcapil"]

    imported["pbg"].unpublish()
    assert client.get(f"/api/v2/services/{imported['pbg'].id}/").status_code == 404
    assert len(client.get("/api/v2/services/").json()["items"]) == 2


def test_page_urls_point_at_the_portal(client, imported, settings):
    """'View live' in the admin and the API's html_url lead to the citizen portal, not to Wagtail."""
    settings.SITE_URL = "https://santer.example"
    item = client.get("/api/v2/services/", {"slug": "akta-kelahiran"}).json()["items"][0]
    assert item["meta"]["html_url"] == "https://santer.example/layanan/akta-kelahiran/"
    assert imported["disdukcapil"].full_url == "https://santer.example/opd/disdukcapil/"
