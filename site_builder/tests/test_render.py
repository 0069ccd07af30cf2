"""Rendering one page on its own: escaping of editors' text, durations, dates."""

import dataclasses
import json

from bs4 import BeautifulSoup

from site_builder import render_page
from site_builder.site import iso_duration, tanggal

from .conftest import SITE_URL


def with_service(catalogue, service_id, **changes):
    services = dict(catalogue.services)
    services[service_id] = dataclasses.replace(services[service_id], **changes)
    return dataclasses.replace(catalogue, services=services)


def test_editor_text_cannot_break_out_of_the_page_or_the_json_ld(catalogue):
    evil = 'KTP </script><script>alert("x")</script> & <b>tebal</b>'
    changed = with_service(catalogue, "ktp-el-pemula", title=evil, summary=evil)
    html = render_page(changed, SITE_URL, "/layanan/ktp-el-pemula/").decode()
    assert "<script>alert" not in html
    doc = BeautifulSoup(html, "html.parser")
    assert doc.h1.get_text() == evil
    assert len(doc.find_all("script")) == 1
    data = json.loads(doc.find("script", type="application/ld+json").string)
    assert data["name"] == evil and data["description"] == evil


def test_walk_in_only_service_has_no_button_but_its_places(catalogue):
    service = next(s for s in catalogue.services.values() if not s.online and s.walk_in_channels)
    doc = BeautifulSoup(render_page(catalogue, SITE_URL, f"/layanan/{service.id}/"), "html.parser")
    assert doc.select("a[data-deep-link]") == []
    assert "belum dapat diajukan secara daring" in doc.get_text()
    assert [li.strong.get_text() for li in doc.select(".places li")] == [
        c.name for c in service.walk_in_channels
    ]


def test_last_updated_comes_from_the_record(catalogue):
    changed = with_service(catalogue, "ktp-el-pemula", updated="2026-03-12")
    doc = BeautifulSoup(render_page(changed, SITE_URL, "/layanan/ktp-el-pemula/"), "html.parser")
    time = doc.select_one(".updated time")
    assert time["datetime"] == "2026-03-12" and time.get_text() == "12 Maret 2026"


def test_featured_services_lead_the_home_page(catalogue):
    changed = with_service(catalogue, "akta-kematian", featured=True)
    doc = BeautifulSoup(render_page(changed, SITE_URL, "/"), "html.parser")
    popular = [a["href"] for a in doc.select("#h-populer ~ ul > li > a")]
    assert popular == ["/layanan/akta-kematian/"]


def test_durations_become_iso_8601_for_processing_time():
    assert iso_duration("1 sampai 3 hari kerja") == "P3D"
    assert iso_duration("Paling lama 28 hari kerja sejak dokumen dinyatakan lengkap") == "P28D"
    assert iso_duration("24 jam") == "PT24H"
    assert iso_duration("15 menit") == "PT15M"
    assert iso_duration("Selesai pada hari yang sama") == "P0D"
    assert iso_duration("Sesuai jadwal posyandu/puskesmas") is None
    assert tanggal("2026-11-01") == "1 November 2026"


def test_review_date_is_shown_in_indonesian_and_in_the_json_ld(catalogue):
    changed = with_service(catalogue, "ktp-el-pemula", updated="2026-01-05", reviewed="2026-03-12")
    doc = BeautifulSoup(render_page(changed, SITE_URL, "/layanan/ktp-el-pemula/"), "html.parser")
    reviewed = doc.select_one("[data-reviewed]")
    assert reviewed.get_text(" ", strip=True) == "Informasi diperiksa: 12 Maret 2026"
    assert reviewed.time["datetime"] == "2026-03-12"
    data = json.loads(doc.find("script", type="application/ld+json").string)
    assert data["mainEntityOfPage"] == {
        "@type": "WebPage",
        "@id": f"{SITE_URL}/layanan/ktp-el-pemula/",
        "dateModified": "2026-01-05",
        "lastReviewed": "2026-03-12",
    }
    unreviewed = with_service(catalogue, "ktp-el-pemula", reviewed=None)
    doc = BeautifulSoup(render_page(unreviewed, SITE_URL, "/layanan/ktp-el-pemula/"), "html.parser")
    assert doc.select_one("[data-reviewed]") is None
