"""Content that stays true, through a real browser on the production set-up (tests/e2e/conftest.py).

The demo catalogue has services nobody confirmed for more than a year. An OPD editor finds
theirs on the dashboard, presses "Masih benar", and the live portal shows today's "Informasi
diperiksa" within seconds; the service leaves the dashboard and the report. Another OPD's
editor never sees it. The tests of this module run in order and build on each other.
"""

import re
import time
from datetime import datetime

import pytest
import requests

from site_builder.site import WITA, tanggal
from tests.e2e.production import data_env, manage

pytestmark = pytest.mark.browser

EDITOR = "editor-disdukcapil"
OTHER_EDITOR = "editor-dinkes"
OVERDUE = "akta-perkawinan"  # Disdukcapil's, last reviewed 15 September 2025 in content/
OVERDUE_TITLE = "Penerbitan Akta Perkawinan bagi Penduduk Non-Muslim"
STILL_OVERDUE = "identitas-kependudukan-digital"  # Disdukcapil's too: stays in the report
OTHER_OVERDUE = "sertifikat-laik-higiene-sanitasi"  # Dinkes's
REPORT = "/admin/reports/pemeriksaan/"


def prepare_data(data):
    # A second OPD's editor, in that OPD's editor group (as an administrator would add them).
    manage(
        data_env(data),
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from cms.services.models import OpdPage\n"
        "from cms.services.setup import ensure_editor_group\n"
        f"user = get_user_model().objects.create_user('{OTHER_EDITOR}', password='santer-demo')\n"
        "user.groups.add(ensure_editor_group(OpdPage.objects.get(slug='dinkes')))\n",
    )


def reviewed_markup(iso_date: str) -> str:
    """The portal's line "Informasi diperiksa: 12 Maret 2026", as the served HTML writes it."""
    return f'Informasi diperiksa: <time datetime="{iso_date}">{tanggal(iso_date)}</time>'


def overdue_on_dashboard(page) -> list[str]:
    page.goto("/admin/")
    return page.eval_on_selector_all(
        "[data-overdue-service]", "rows => rows.map(r => r.dataset.overdueService)"
    )


def report_rows(page) -> str:
    """The text of the report's table rows (empty when the report lists nothing)."""
    page.goto(REPORT)
    rows = page.locator("main table tbody tr")
    return "\n".join(rows.all_inner_texts())


def test_editor_confirms_an_overdue_service_and_the_portal_shows_todays_date(
    production_server, admin_page, chromium, axe
):
    live = requests.get(f"{production_server.base_url}/layanan/{OVERDUE}/", timeout=10).text
    assert reviewed_markup("2025-09-15") in live

    page = admin_page(EDITOR)
    listed = overdue_on_dashboard(page)
    assert OVERDUE in listed and STILL_OVERDUE in listed
    assert OTHER_OVERDUE not in listed  # another OPD's
    report = report_rows(page)
    assert OVERDUE_TITLE in report and "Lewat masa periksa" in report

    page.goto("/admin/")
    row = page.locator(f"[data-overdue-service={OVERDUE}]")
    row.locator("button[data-still-correct]").click()
    pressed = time.monotonic()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert "dicatat masih benar" in page.inner_text(".messages")
    assert OVERDUE not in overdue_on_dashboard(page)
    assert STILL_OVERDUE in overdue_on_dashboard(page)

    today = datetime.now(WITA).date().isoformat()
    production_server.wait_for_portal(f"/layanan/{OVERDUE}/", reviewed_markup(today), timeout=10)
    took = time.monotonic() - pressed
    expected = f"Informasi diperiksa: {tanggal(today)}"

    portal = chromium.new_page(base_url=production_server.base_url, bypass_csp=True)
    portal.goto(f"/layanan/{OVERDUE}/")
    # Either server process may answer; the other switches to the new build a moment later.
    while expected not in portal.inner_text("main") and time.monotonic() - pressed < 10:
        time.sleep(0.2)
        portal.reload()
    assert portal.locator("[data-reviewed]").inner_text() == expected
    axe(portal)
    portal.close()

    report = report_rows(page)
    assert OVERDUE_TITLE not in report
    assert "Aktivasi Identitas Kependudukan Digital (IKD)" in report
    page.goto(f"/admin/pages/{page_id(production_server, OVERDUE)}/history/")
    assert "Isi diperiksa dan dinyatakan masih benar" in page.inner_text("main")
    print(f"'Masih benar' → live portal page in {took:.1f} s")


def test_another_opds_editor_sees_only_their_own_services(production_server, admin_page):
    page = admin_page(OTHER_EDITOR)
    listed = overdue_on_dashboard(page)
    assert OTHER_OVERDUE in listed
    assert STILL_OVERDUE not in listed and OVERDUE not in listed
    report = report_rows(page)
    assert "Sertifikat Laik Higiene Sanitasi (SLHS)" in report
    assert (
        "Aktivasi Identitas Kependudukan Digital (IKD)" not in report and "Dinas Kependudukan" not in report
    )

    # Nor can they confirm a Disdukcapil service by its address.
    page.problems.allow("/masih-benar/")
    page.goto(f"/admin/layanan/{page_id(production_server, STILL_OVERDUE)}/masih-benar/")
    assert "tidak memiliki izin" in page.inner_text(".messages")


def test_editor_confirms_from_the_edit_view(production_server, admin_page):
    page = admin_page(EDITOR)
    page.goto(f"/admin/pages/{page_id(production_server, STILL_OVERDUE)}/edit/")
    button = page.locator("header a[data-still-correct]")
    if not button.is_visible():  # folded into the header's actions menu
        page.locator("header [data-w-dropdown-target=toggle]").first.click()
    button.click()
    page.wait_for_url(re.compile(r"/masih-benar/"))
    assert "Aktivasi Identitas Kependudukan Digital (IKD)" in page.inner_text("main")
    page.click("button:has-text('Ya, masih benar')")
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/$"))
    assert "dicatat masih benar" in page.inner_text(".messages")
    assert STILL_OVERDUE not in overdue_on_dashboard(page)
    today = datetime.now(WITA).date().isoformat()
    production_server.wait_for_portal(f"/layanan/{STILL_OVERDUE}/", reviewed_markup(today), timeout=10)


def page_id(server, slug: str) -> int:
    answer = requests.get(f"{server.base_url}/api/v2/pages/", params={"slug": slug}, timeout=10).json()
    return answer["items"][0]["id"]
