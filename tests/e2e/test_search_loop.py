"""The loop from a citizen's failed search back to a fixed search, on the production set-up.

gunicorn with cms/gunicorn.conf.py (the README's command) and `manage.py publish_worker`
(production_server), a fresh SQLite database with the demo catalogue, the portal built with
SEARCH_LOG_URL, Debian's chromium:
a query that finds nothing is searched on /cari/, shows up in "Pencarian warga" (tanpa hasil), the
report's "Set sinonim baru" link opens a prefilled synonym set, which is completed and published,
and the same query then finds the service on the live portal.
"""

import re
import time
from pathlib import Path

import pytest

from tests.e2e.production import DEMO_PASSWORD, data_env, manage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUERY = "gakin"  # "keluarga miskin": in nobody's vocabulary yet
SERVICE = "surat-keterangan-tidak-mampu"
SEARCH_LOG = {"SEARCH_LOG_URL": "/api/laporan-pencarian", "SEARCH_LOG_FLUSH_SECONDS": "0.5"}
SERVER_ENV = SEARCH_LOG  # for production_server (tests/e2e/conftest.py)


def prepare_data(data: Path) -> None:
    """The live portal built with SEARCH_LOG_URL, as the worker builds it from then on."""
    manage(data_env(data) | SEARCH_LOG, "build_portal", "-v", "0")


def results_of(page, base: str, query: str) -> list[str]:
    page.goto(f"{base}/cari/?q={query}")
    page.wait_for_selector('[data-search-results][data-search-state="done"]')
    return page.eval_on_selector_all("[data-search-results] a[href]", "links => links.map(a => a.pathname)")


def test_zero_result_query_to_published_synonym_set_to_found(production_server, chromium):
    base = production_server.base_url
    page = chromium.new_page()
    try:
        with page.expect_response(lambda r: r.url.endswith("/api/laporan-pencarian")) as beacon:
            assert results_of(page, base, QUERY) == []
        assert beacon.value.status == 204
        assert page.get_attribute("[data-search-results]", "data-search-log") == "/api/laporan-pencarian"
        assert not page.context.cookies()  # the portal and its beacon set no cookie

        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "admin")  # setup_demo's superuser
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))

        row = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # counts are written every SEARCH_LOG_FLUSH_SECONDS
            page.goto(f"{base}/admin/reports/pencarian-warga/?tampilan=tanpa-hasil")
            row = page.locator("tr", has_text=QUERY)
            if row.count():
                break
            time.sleep(0.5)
        assert row is not None and row.count() == 1
        row.locator("[data-new-synonym-set]").click()
        page.wait_for_selector("#id_terms")
        assert page.input_value("#id_terms").startswith(f"{QUERY},")
        page.fill("#id_terms", f"{QUERY}, surat keterangan tidak mampu")
        page.fill("#id_note", "Warga menyebut keluarga miskin 'gakin' (dari laporan Pencarian warga).")
        # "Terbitkan" sits in the save button's dropdown
        page.locator('button[name="action-publish"]').dispatch_event("click")
        page.wait_for_url(re.compile(r"/admin/snippets/vocabulary/searchtermentry/$"))
        page.wait_for_load_state()
        assert page.locator("tr", has_text=QUERY).count() == 1  # listed, and live

        found = []
        deadline = time.monotonic() + 180  # the publish worker rebuilds the live portal
        while time.monotonic() < deadline:
            # a new visitor each time: a returning one's browser keeps /cari/ for up to a minute
            visitor = chromium.new_context()
            try:
                found = results_of(visitor.new_page(), base, QUERY)
            finally:
                visitor.close()
            if found:
                break
            time.sleep(1)
        assert found[:1] == [f"/layanan/{SERVICE}/"], production_server.log_tail("worker", 3000)
    finally:
        page.close()
