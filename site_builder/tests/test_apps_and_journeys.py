"""The app directory and the life-event journeys, built from the project's own demo content."""

import dataclasses
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from catalogue import AppHealth, load_catalogue
from site_builder import build_portal
from site_builder.site import Site

CONTENT = Path(__file__).resolve().parents[2] / "content"
SITE_URL = "https://santer.samarindakota.go.id"


@pytest.fixture(scope="module")
def demo():
    catalogue = load_catalogue(CONTENT)
    health = {
        # 02.20 UTC is 10.20 WITA: an outage that began then, checked again at 10.35.
        "adminduk-online": AppHealth(
            "adminduk-online", "down", "2026-12-01T02:35:00+00:00", "2026-12-01T02:20:00+00:00"
        ),
        "siapizin": AppHealth("siapizin", "up", "2026-12-01T02:35:00+00:00"),
    }
    apps = {
        slug: dataclasses.replace(app, available=slug != "adminduk-online")
        for slug, app in catalogue.apps.items()
    }
    return dataclasses.replace(catalogue, apps=apps, app_health=health)


@pytest.fixture(scope="module")
def built(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "portal"
    build_portal(demo, out, SITE_URL, search=False)
    return out


def page(built: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((built / url.strip("/") / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_directory_lists_every_app_with_opd_platforms_and_status(built, demo):
    doc = page(built, "/aplikasi/")
    items = doc.select("ul.apps > li")
    assert len(items) == len(demo.apps)
    by_link = {li.a["href"]: li for li in items}
    assert set(by_link) == {f"/aplikasi/{slug}/" for slug in demo.apps}
    adminduk = by_link["/aplikasi/adminduk-online/"].get_text(" ", strip=True)
    assert "Disdukcapil" in adminduk and "Web, Android" in adminduk
    assert "Sedang gangguan sejak 10.20 WITA" in adminduk
    assert "Berjalan normal" in by_link["/aplikasi/siapizin/"].get_text()
    assert "Belum diperiksa" in by_link["/aplikasi/epajak/"].get_text()
    # The header and the footer of every page lead to it.
    home = BeautifulSoup((built / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select_one("header a[href='/aplikasi/']") and home.select_one("footer a[href='/aplikasi/']")


def test_app_page_shows_services_stores_status_and_walk_in_alternative(built, demo):
    doc = page(built, "/aplikasi/adminduk-online/")
    text = doc.get_text(" ", strip=True)
    assert doc.h1.get_text() == "Adminduk Online Samarinda"
    services = {a["href"] for a in doc.select("ul.cards a")}
    assert "/layanan/akta-kelahiran/" in services and "/layanan/ktp-el/" in services
    assert all(demo.services[h.split("/")[2]].app == "adminduk-online" for h in services)
    assert doc.select_one("a[href^='https://play.google.com/']").get_text() == "Google Play"
    assert (
        "Sedang gangguan sejak 10.20 WITA" in text
        and "Terakhir diperiksa 1 Desember 2026 pukul 10.35 WITA" in text
    )
    walk_in = doc.select_one(".notice").get_text(" ", strip=True)
    assert "datang langsung" in walk_in and "Disdukcapil" in walk_in
    up = page(built, "/aplikasi/siapizin/").get_text(" ", strip=True)
    assert "Berjalan normal" in up and "datang langsung ke" not in up


def test_journey_page_is_an_ordered_list_of_steps_with_item_list_data(built, demo):
    event = demo.life_events["kelahiran-anak"]
    doc = page(built, "/peristiwa/kelahiran-anak/")
    steps = doc.select("ol[data-journey] > li[data-journey-step]")
    assert len(steps) == len(event.steps) == 4
    first = [a["href"] for a in steps[0].find_all("a")]
    assert first == ["/layanan/akta-kelahiran/"]
    assert "Kutipan akta kelahiran" in steps[0].get_text()  # what it produces for the next step
    data = json.loads(doc.find("script", type="application/ld+json").string)
    assert data["@type"] == "ItemList" and data["numberOfItems"] == 4
    assert [i["position"] for i in data["itemListElement"]] == [1, 2, 3, 4]
    assert data["itemListElement"][1]["url"] == f"{SITE_URL}/layanan/kartu-keluarga/"


def test_group_step_names_its_services_with_and_or(built):
    steps = page(built, "/peristiwa/pindah-rumah/").select("li[data-journey-step]")
    school = steps[3]
    assert [a["href"] for a in school.find_all("a")] == ["/layanan/mutasi-murid/", "/layanan/spmb-sd-smp/"]
    assert school.select_one(".join").get_text() == "atau"


def test_service_page_says_where_it_stands_in_each_journey(built):
    doc = page(built, "/layanan/kartu-keluarga/")
    navs = {nav["data-journey"]: nav for nav in doc.select("[data-journey]")}
    birth = navs["kelahiran-anak"]
    assert "Bagian dari: Kelahiran Anak — langkah 2 dari 4" in birth.get_text(" ", strip=True)
    assert birth.select_one("a[href='/peristiwa/kelahiran-anak/']")
    assert birth.select_one("a[rel=prev]")["href"] == "/layanan/akta-kelahiran/"
    assert birth.select_one("a[rel=next]")["href"] == "/layanan/kartu-identitas-anak/"
    first = page(built, "/layanan/akta-kelahiran/").select_one("[data-journey=kelahiran-anak]")
    assert first.select_one("a[rel=prev]") is None and "langkah 1 dari 4" in first.get_text()


def test_demo_content_has_journeys_for_at_least_five_life_events(demo):
    journeys = [e for e in demo.life_events.values() if len(e.steps) >= 3]
    assert len(journeys) >= 5
    for event in journeys:
        assert all(step.why for step in event.steps), event.slug


def test_a_step_whose_service_is_gone_drops_out_of_the_journey(demo):
    services = dict(demo.services)
    del services["kartu-keluarga"]
    cut = dataclasses.replace(demo, services=services).without_unpublished_steps()
    cut.check_references()
    steps = cut.life_events["kelahiran-anak"].steps
    assert [s.services for s in steps] == [
        ("akta-kelahiran",),
        ("kartu-identitas-anak",),
        ("imunisasi-rutin-anak",),
    ]
    place = Site(cut, SITE_URL).journeys["akta-kelahiran"][0]
    assert (place.number, place.total, place.next[0].id) == (1, 3, "kartu-identitas-anak")
