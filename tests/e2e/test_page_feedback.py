""" "Apakah informasi ini membantu?" on the production set-up, the way citizens and editors use it.

The shared production_server (gunicorn with cms/gunicorn.conf.py and `manage.py publish_worker`)
with the portal built with FEEDBACK_URL, Debian's chromium: a citizen answers "Tidak" on a service
page with a comment full of personal data and markup, once with JavaScript (in place, no reload)
and once without (a plain form POST, then back on the service page at its thank-you note); the OPD's editor
finds the comment in "Masukan halaman" masked and inert and marks it handled; an editor of another
OPD does not see it. Then a keep-alive HTTP client: a 1 MB body gets 413, invalid values 400 with
the reason in Indonesian, a filled honeypot is answered but not stored, a burst gets 429 — and
nothing is stored in those cases (read from the server's database).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import CheckedPages
from tests.e2e.production import data_env, manage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENDPOINT = "/api/masukan"
RATE = 40  # answers per client address and hour: the module's answers fit, the burst does not
SERVER_ENV = {"FEEDBACK_URL": ENDPOINT, "FEEDBACK_RATE": f"{RATE}/h"}
SERVICE = "ktp-el"  # Disdukcapil's, as is editor-disdukcapil
SERVICE_TITLE = "Perekaman dan Penerbitan KTP Elektronik (KTP-el)"
OPD_NAME = "Dinas Kependudukan dan Pencatatan Sipil Kota Samarinda"
OTHER_EDITOR = "editor-dinkes"
OTHER_PASSWORD = "santer-uji-dinkes"
NIK = "6472 0512 3456 0001"
PHONE = "0812-5566-7788"
EMAIL = "warga.samarinda@example.com"
MARKUP = "<script>alert(1)</script> <b>tebal</b>"


def comment(tag: str) -> str:
    return f"{tag}: syarat kurang jelas. NIK saya {NIK}, hubungi {PHONE} atau {EMAIL} {MARKUP}"


def prepare_data(data: Path) -> None:
    """The portal built with the feedback form, and an editor of another OPD (Dinas Kesehatan)."""
    env = data_env(data) | SERVER_ENV
    manage(env, "build_portal")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from cms.services.models import OpdPage\n"
        "from cms.services.setup import ensure_editor_group\n"
        f"u = get_user_model().objects.create_user('{OTHER_EDITOR}', password='{OTHER_PASSWORD}')\n"
        "u.groups.add(ensure_editor_group(OpdPage.objects.get(slug='dinkes')))\n",
    )


def stored(server, service: str) -> tuple[int, int, list[str]]:
    """(ya, tidak, comments) the server's database holds for `service`."""
    with sqlite3.connect(f"file:{server.data / 'db.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
        ya, tidak = db.execute(
            "select coalesce(sum(helpful), 0), coalesce(sum(not_helpful), 0)"
            " from feedback_pagefeedbackday where service = ?",
            (service,),
        ).fetchone()
        texts = [
            r[0] for r in db.execute("select text from feedback_pagecomment where service = ?", (service,))
        ]
    return ya, tidak, texts


@pytest.fixture
def citizen(chromium, production_server):
    """A citizen's browser page on the portal (the real CSP applies); fails on any page problem."""
    pages = CheckedPages(chromium, production_server.base_url, "portal pages")
    yield lambda javascript=True: pages.open(java_script_enabled=javascript)
    pages.close()


def test_tidak_with_a_comment_is_sent_in_place_with_javascript(citizen, production_server):
    page = citizen()
    page.goto(f"/layanan/{SERVICE}/")
    form = page.locator("form[data-feedback]")
    assert form.get_attribute("action") == ENDPOINT
    assert page.locator("#h-masukan").inner_text() == "Apakah informasi ini membantu?"
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_text("Tidak", exact=True).click()
    page.get_by_label("Apa yang kurang?").fill(comment("dengan-js"))
    with page.expect_response(lambda r: r.url.endswith(ENDPOINT)) as answer:
        page.get_by_role("button", name="Kirim").click()
    assert answer.value.status == 204
    thanks = page.locator("[data-feedback-thanks]")
    thanks.wait_for()
    assert thanks.inner_text().startswith("Terima kasih atas masukan Anda.")
    assert page.locator("form[data-feedback]").count() == 0
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    assert page.url.endswith(f"/layanan/{SERVICE}/")
    assert page.evaluate("document.activeElement.hasAttribute('data-feedback-thanks')")
    assert not page.context.cookies()
    ya, tidak, texts = stored(production_server, SERVICE)
    assert (ya, tidak) == (0, 1)
    assert texts == [
        f"dengan-js: syarat kurang jelas. NIK saya [NIK], hubungi [TELEPON] atau [EMAIL] {MARKUP}"
    ]


def test_a_refused_answer_shows_the_reason_in_place_and_can_be_sent_again(citizen, production_server):
    page = citizen()
    page.problems.allow(ENDPOINT)  # the 400 this test provokes
    page.goto(f"/layanan/{SERVICE}/")
    page.get_by_text("Tidak", exact=True).click()
    # maxlength stops typing at 500; a pasted-in longer text (an old browser) reaches the server
    page.eval_on_selector(
        "textarea[name=comment]", "t => { t.removeAttribute('maxlength'); t.value = 'x'.repeat(501); }"
    )
    with page.expect_response(lambda r: r.url.endswith(ENDPOINT)) as answer:
        page.get_by_role("button", name="Kirim").click()
    assert answer.value.status == 400
    status = page.locator("[data-feedback-status]")
    expect(status).to_contain_text("500")  # a locator wait: no string eval under the portal's CSP
    assert "paling banyak 500 karakter" in status.inner_text()
    assert page.get_by_role("button", name="Kirim").is_enabled()
    assert not page.locator("[data-feedback-thanks]").is_visible()
    assert stored(production_server, SERVICE)[:2] == (0, 1)  # only the earlier answer


def test_tidak_with_a_comment_without_javascript_ends_on_the_thank_you_note(citizen, production_server):
    page = citizen(javascript=False)
    page.goto(f"/layanan/{SERVICE}/")
    page.get_by_text("Tidak", exact=True).click()  # <details>: opens without a script
    page.get_by_label("Apa yang kurang?").fill(comment("tanpa-js"))
    with page.expect_navigation(url=re.compile(r"#terima-kasih$")):
        page.get_by_role("button", name="Kirim").click()
    assert page.url.endswith(f"/layanan/{SERVICE}/#terima-kasih")  # back on the service page
    assert page.locator("h1").inner_text() == SERVICE_TITLE
    thanks = page.locator("[data-feedback-thanks]")
    assert thanks.is_visible() and thanks.inner_text().startswith("Terima kasih atas masukan Anda.")
    assert not page.locator("form[data-feedback]").is_visible()  # answered: the form steps aside
    assert not page.context.cookies()
    _, tidak, texts = stored(production_server, SERVICE)
    assert tidak == 2 and len(texts) == 2 and all(NIK not in t and EMAIL not in t for t in texts)


def test_the_form_open_and_the_thank_you_page_are_accessible(chromium, production_server, axe):
    context = chromium.new_context(base_url=production_server.base_url, locale="id-ID", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"/layanan/{SERVICE}/")
        page.get_by_text("Tidak", exact=True).click()
        page.get_by_label("Apa yang kurang?").wait_for()
        axe(page)
        page.goto(f"/layanan/{SERVICE}/#terima-kasih")
        page.locator("[data-feedback-thanks]").wait_for()
        axe(page)
    finally:
        context.close()


def test_the_opd_editor_sees_it_masked_and_inert_and_marks_it_handled(admin_page):
    page = admin_page("editor-disdukcapil")
    page.goto("/admin/reports/masukan-halaman/")
    week = page.locator("tr", has_text=OPD_NAME).filter(has_text=SERVICE_TITLE)
    assert week.count() >= 1  # this week's row (its Tidak: both answers)
    page.goto("/admin/reports/masukan-halaman/?tampilan=komentar")
    rows = page.locator("tr", has=page.locator("[data-page-comment]"))
    assert rows.count() == 2
    cell = page.locator("[data-page-comment]", has_text="dengan-js")
    text = cell.inner_text()
    assert "NIK saya [NIK], hubungi [TELEPON] atau [EMAIL]" in text
    assert MARKUP in text  # literal text...
    assert cell.locator("b, script").count() == 0  # ...not elements
    html = page.content()
    for secret in (NIK, PHONE, EMAIL, "0812"):
        assert secret not in html
    row = page.locator("tr", has=cell)
    row.locator("[data-mark-handled]").click()
    page.wait_for_load_state()
    assert "ditandai sudah ditangani" in page.locator(".messages").inner_text()
    assert page.locator("[data-page-comment]", has_text="dengan-js").count() == 0  # open ones only
    assert page.locator("[data-page-comment]", has_text="tanpa-js").count() == 1
    page.goto("/admin/reports/masukan-halaman/?tampilan=komentar&status=sudah")
    done = page.locator("tr", has=page.locator("[data-page-comment]", has_text="dengan-js"))
    assert "Sudah ditangani (editor-disdukcapil" in done.inner_text()


def test_an_editor_of_another_opd_does_not_see_it(admin_page):
    page = admin_page(OTHER_EDITOR, OTHER_PASSWORD)
    for view in ("komentar&status=semua", "jumlah"):
        page.goto(f"/admin/reports/masukan-halaman/?tampilan={view}")
        assert page.locator("h1", has_text="Masukan halaman").count() == 1
        body = page.locator("main").inner_text()
        assert "Penerbitan Akta" not in body  # no Disdukcapil service at all
        assert "syarat kurang jelas" not in body and SERVICE_TITLE not in body


def post(session, base, fields=None, body=None, json_answer=True):
    headers = {"Accept": "application/json"} if json_answer else {}
    data = fields if body is None else body
    return session.post(base + ENDPOINT, data=data, headers=headers, timeout=30, allow_redirects=False)


def test_refused_bodies_get_clear_answers_on_one_connection_and_nothing_is_stored(production_server):
    base, service = production_server.base_url, "akta-kelahiran"
    with requests.Session() as session:  # keep-alive: every answer on the same connection
        big = post(
            session,
            base,
            body="service=akta-kelahiran&helpful=tidak&comment=" + "x" * 1_000_000,
        )
        assert big.status_code == 413 and "terlalu besar" in big.json()["error"]
        cases = [
            ({"service": service, "helpful": "mungkin"}, "'ya' atau 'tidak'"),
            ({"service": service, "helpful": "tidak", "comment": "x" * 501}, "paling banyak 500 karakter"),
            ({"service": "layanan-fiktif", "helpful": "ya"}, "Layanan 'layanan-fiktif' tidak ada di portal"),
            ({"service": service, "helpful": "ya", "nama": "Budi"}, "Kolom 'nama' tidak dikenal"),
        ]
        for fields, message in cases:
            answer = post(session, base, fields)
            assert answer.status_code == 400 and message in answer.json()["error"], fields
        page = post(session, base, {"service": service, "helpful": "maybe"}, json_answer=False)
        assert page.status_code == 400 and "text/html" in page.headers["Content-Type"]
        assert "Masukan belum diterima" in page.text and "&#x27;ya&#x27; atau &#x27;tidak&#x27;" in page.text
        trap = post(
            session, base, {"service": service, "helpful": "tidak", "comment": "promo", "website": "x"}
        )
        assert trap.status_code == 204  # answered like any other: the bot learns nothing
        plain = post(session, base, {"service": service, "helpful": "ya", "website": "x"}, json_answer=False)
        assert (plain.status_code, plain.headers["Location"]) == (303, f"/layanan/{service}/#terima-kasih")
        assert not session.cookies
    assert stored(production_server, service) == (0, 0, [])


def test_a_burst_beyond_the_rate_limit_gets_429_and_is_not_stored(production_server):
    base, service = production_server.base_url, "akta-kematian"
    with requests.Session() as session:
        codes = [post(session, base, {"service": service, "helpful": "ya"}).status_code for _ in range(RATE)]
        last = post(session, base, {"service": service, "helpful": "ya"})
    accepted = codes.count(204)
    assert 0 < accepted < RATE and codes == [204] * accepted + [429] * (RATE - accepted)
    assert last.status_code == 429 and "Terlalu banyak masukan" in last.json()["error"]
    assert stored(production_server, service) == (accepted, 0, [])
