"""The "Apakah informasi ini membantu?" form on service pages, and its thank-you note.

A build setting like the search beacon: without a feedback URL the portal has no form (any static
host); with one, every service page ends with the plain-POST form and a thank-you note that the endpoint's
303 shows (the service page at #terima-kasih: no page of its own, so the build does not grow).
The URL is part of every page's fingerprint, so changing it re-renders
the pages and an unchanged one reuses them — and either way the bytes are what render_page makes.
"""

from bs4 import BeautifulSoup

from site_builder import build_portal, live_assets, render_page

from .conftest import SITE_URL

FEEDBACK = "/api/masukan"


def service_id(catalogue) -> str:
    return sorted(catalogue.services)[0]


def test_without_the_setting_there_is_no_form(catalogue):
    sid = service_id(catalogue)
    doc = BeautifulSoup(render_page(catalogue, SITE_URL, f"/layanan/{sid}/"), "html.parser")
    assert doc.select("form[data-feedback]") == []


def test_the_form_posts_plainly_to_the_endpoint(catalogue):
    sid = service_id(catalogue)
    html = render_page(catalogue, SITE_URL, f"/layanan/{sid}/", feedback_url=FEEDBACK)
    doc = BeautifulSoup(html, "html.parser")
    (form,) = doc.select("form[data-feedback]")
    assert (form["method"], form["action"]) == ("post", FEEDBACK)
    assert doc.select("article .feedback")[-1] is doc.select("article > *")[-1]  # the page ends with it
    assert form.find("h2") is None and "Apakah informasi ini membantu?" in form.parent.h2.text
    assert form.select_one("input[type=hidden][name=service]")["value"] == sid
    answers = [(b["name"], b["value"], b.text) for b in form.select("button[type=submit]")]
    assert answers == [("helpful", "ya", "Ya"), ("helpful", "tidak", "Kirim")]
    assert form.select_one("details summary").text == "Tidak"
    comment = form.select_one("textarea[name=comment]")
    assert comment["maxlength"] == "500"
    assert doc.find("label", attrs={"for": comment["id"]}).text.startswith("Apa yang kurang?")
    assert form.select_one(".hp input[name=website]")["tabindex"] == "-1"  # the honeypot
    assert not doc.select("script:not([src]):not([type='application/ld+json'])")  # no inline script


def test_the_thank_you_note_is_on_the_page_and_the_url_is_in_every_fingerprint(catalogue, tmp_path):
    out = tmp_path / "portal"
    first = build_portal(catalogue, out, SITE_URL, search=False, feedback_url=FEEDBACK)
    sid = service_id(catalogue)
    doc = BeautifulSoup((out / "layanan" / sid / "index.html").read_bytes(), "html.parser")
    note = doc.select_one(".feedback #terima-kasih[data-feedback-thanks]")
    assert note.text.startswith("Terima kasih atas masukan Anda.")
    assert note.find_next_sibling("form").has_attr("data-feedback")  # CSS: "#terima-kasih:target ~ form"
    assert not list(out.glob("**/terima-kasih/"))  # no page of its own

    same = build_portal(catalogue, out, SITE_URL, search=False, feedback_url=FEEDBACK)
    assert same.rendered == 0 and same.pages == first.pages

    moved = build_portal(catalogue, out, SITE_URL, search=False, feedback_url="https://masukan.example/api")
    assert moved.rendered == moved.pages  # every page depends on the build settings
    page = f"/layanan/{sid}/"
    expected = render_page(
        catalogue, SITE_URL, page, assets=live_assets(out), feedback_url="https://masukan.example/api"
    )
    assert (out / "layanan" / sid / "index.html").read_bytes() == expected

    off = build_portal(catalogue, out, SITE_URL, search=False)
    assert off.pages == first.pages
    assert b"data-feedback" not in (out / "layanan" / sid / "index.html").read_bytes()
