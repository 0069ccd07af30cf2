"""Who sees what citizens searched, and best bets whose service goes away, on the production set-up.

gunicorn with cms/gunicorn.conf.py and `manage.py publish_worker` (production_server), the demo
catalogue and users, the portal built with SEARCH_LOG_URL, Debian's chromium. The tests run in
order, as the people do:
1. citizens search on /cari/ and open a Disdukcapil service and a Bapenda service, search once
   for something that finds nothing and once without opening anything (a Disdukcapil service
   first); the real beacons record it. editor-disdukcapil then sees the Disdukcapil queries and
   the zero-result query, never the Bapenda one, in the "Pencarian warga" report and in its CSV
   export; the admin sees them all, with the week-over-week change and the query whose results
   nobody opened.
2. the admin unpublishes services two best bets pin: the publish goes through, the portal stops
   pinning them, and the best-bet list in the admin says which bets need attention.
"""

import csv
import io
import time
from pathlib import Path

import pytest

from tests.e2e.production import data_env, manage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEARCH_LOG = {"SEARCH_LOG_URL": "/api/laporan-pencarian", "SEARCH_LOG_FLUSH_SECONDS": "0.5"}
SERVER_ENV = SEARCH_LOG  # for production_server (tests/e2e/conftest.py)
REPORT = "/admin/reports/pencarian-warga/"

OWN = ("ktp elektronik", "ktp-el")  # the query and the Disdukcapil service a citizen opens
OTHER = ("pajak bumi", "pbb-p2-pembayaran")  # Bapenda's
NOTHING = "zorvak plimbus"  # finds nothing
UNOPENED = ("akta lahir", "akta-kelahiran")  # finds a Disdukcapil service first, none is opened
PREVIOUS_WEEK = 4  # searches for OWN[0] a week earlier, stored before the server starts


def prepare_data(data) -> None:
    """The live portal built with SEARCH_LOG_URL, and last week's count for one query."""
    env = data_env(data) | SEARCH_LOG
    manage(env, "build_portal", "-v", "0")
    manage(
        env,
        "shell",
        "-c",
        "from datetime import timedelta\n"
        "from cms.feedback import aggregate\n"
        "from cms.feedback.models import SearchDay\n"
        f"SearchDay.objects.create(day=aggregate.today() - timedelta(days=7), query={OWN[0]!r}, "
        f"searches={PREVIOUS_WEEK})\n",
    )


def search(page, base: str, query: str) -> list[str]:
    page.goto(f"{base}/cari/?q={query}")
    page.wait_for_selector('[data-search-results][data-search-state="done"]')
    return page.eval_on_selector_all("[data-search-results] a[href]", "links => links.map(a => a.pathname)")


def is_beacon(request) -> bool:
    return request.method == "POST" and request.url.endswith(SEARCH_LOG["SEARCH_LOG_URL"])


def open_result(page, service: str) -> None:
    """Click the service's result (the page reports which one was opened, as it navigates)."""
    page.click(f'[data-search-results] a[href$="/layanan/{service}/"]')
    page.wait_for_url(f"**/layanan/{service}/")


def report(page, view: str) -> dict[str, list[str]]:
    """The report's rows in a view: query → the cells as the editor reads them."""
    page.goto(f"{REPORT}?tampilan={view}")
    rows = {}
    for row in page.locator("main table tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        rows[cells[0]] = cells
    return rows


def exported(page, view: str) -> dict[str, list[str]]:
    """The view's CSV, downloaded through the report's own export link."""
    page.goto(f"{REPORT}?tampilan={view}")
    page.click("#w-slim-header-buttons [data-w-dropdown-target=toggle]")  # the header's menu
    link = page.locator("a[href*='export=csv']")
    assert f"tampilan={view}" in link.get_attribute("href")
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][0] == "Kueri"
    return {line[0]: line for line in table[1:]}


def test_an_opd_editor_sees_their_own_and_zero_result_queries_an_admin_sees_all(
    production_server, chromium, admin_page
):
    base = production_server.base_url
    citizen = chromium.new_context()
    try:
        page = citizen.new_page()
        for query, service in (OWN, OTHER):
            assert f"/layanan/{service}/" in search(page, base, query)
            open_result(page, service)
        with page.expect_request(is_beacon):
            assert search(page, base, NOTHING) == []
        with page.expect_request(is_beacon):
            assert search(page, base, UNOPENED[0])[:1] == [f"/layanan/{UNOPENED[1]}/"]
        page.goto(f"{base}/")  # leaving /cari/ without opening a result
    finally:
        citizen.close()

    admin = admin_page("admin")
    rows = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # counts are written every SEARCH_LOG_FLUSH_SECONDS
        rows = report(admin, "teratas")
        if {OWN[0], OTHER[0], NOTHING, UNOPENED[0]} <= set(rows) and rows[OTHER[0]][5] == "1":
            break
        time.sleep(0.5)
    # query, searches (7 days), the 7 before, change, zero-result searches, results opened
    assert rows[OWN[0]] == [OWN[0], "1", str(PREVIOUS_WEEK), "-75 %", "0", "1"]
    assert rows[OTHER[0]] == [OTHER[0], "1", "0", "baru", "0", "1"]
    assert rows[NOTHING] == [NOTHING, "1", "0", "baru", "1", "0"]
    assert rows[UNOPENED[0]][1:] == ["1", "0", "baru", "0", "0"]
    assert list(report(admin, "tidak-dibuka")) == [UNOPENED[0]]
    assert set(exported(admin, "teratas")) == {OWN[0], OTHER[0], NOTHING, UNOPENED[0]}

    editor = admin_page("editor-disdukcapil")
    assert set(report(editor, "teratas")) == {OWN[0], NOTHING, UNOPENED[0]}
    assert "layanan OPD Anda" in editor.inner_text("[data-report-scope]")
    assert set(report(editor, "tanpa-hasil")) == {NOTHING}
    assert list(report(editor, "tidak-dibuka")) == [UNOPENED[0]]  # Disdukcapil's came first
    for view in ("teratas", "tanpa-hasil", "tidak-dibuka"):
        assert OTHER[0] not in exported(editor, view)
    own = exported(editor, "teratas")
    assert set(own) == {OWN[0], NOTHING, UNOPENED[0]}
    assert own[OWN[0]] == [OWN[0], "1", str(PREVIOUS_WEEK), "-75 %", "0", "1"]


PARTLY = ("pemutihan pajak", "bphtb", "pendaftaran-npwpd")  # bet query, service unpublished, one kept
WHOLLY = ("surat lahir", "akta-kelahiran")  # the bet's only service is unpublished


def test_unpublishing_a_pinned_service_publishes_and_the_best_bet_needs_attention(
    production_server, chromium, admin_page
):
    from tests.e2e.test_editorial_journeys import page_id

    base = production_server.base_url
    visitor = chromium.new_context()
    try:
        assert search(visitor.new_page(), base, PARTLY[0])[:2] == [
            f"/layanan/{PARTLY[2]}/",
            f"/layanan/{PARTLY[1]}/",
        ]
    finally:
        visitor.close()

    admin = admin_page("admin")
    for slug in (PARTLY[1], WHOLLY[1]):
        admin.goto(f"/admin/pages/{page_id(production_server, slug)}/unpublish/")
        admin.click("main form [type=submit]")
        admin.wait_for_load_state()
        # the publish of the unpublish goes through: the page leaves the live portal
        production_server.wait_for_portal(f"/layanan/{slug}/", "<h1", timeout=60, absent=True)

    visitor = chromium.new_context()  # a new visitor: a returning one's browser keeps /cari/ a while
    try:
        page = visitor.new_page()
        found = search(page, base, PARTLY[0])
        assert found[:1] == [f"/layanan/{PARTLY[2]}/"] and f"/layanan/{PARTLY[1]}/" not in found
        assert f"/layanan/{WHOLLY[1]}/" not in search(page, base, WHOLLY[0])
    finally:
        visitor.close()

    admin.goto("/admin/snippets/vocabulary/bestbetentry/")
    rows = {
        query: admin.locator("main tbody tr", has_text=query).inner_text() for query in (PARTLY[0], WHOLLY[0])
    }
    assert "Perlu perhatian" in admin.inner_text("main thead")
    assert "tidak terbit lagi: layanan lainnya tetap disematkan" in rows[PARTLY[0]]
    assert "Bea Perolehan" in rows[PARTLY[0]]
    assert "Penerbitan Akta Kelahiran" in rows[WHOLLY[0]]
    assert "tidak disematkan lagi di portal" in rows[WHOLLY[0]]
    admin.locator("main tbody tr", has_text=WHOLLY[0]).locator("a[href*='/edit/']").first.click()
    admin.wait_for_selector("#id_query")
    assert "Perlu perhatian: «Penerbitan Akta Kelahiran» tidak terbit lagi" in admin.inner_text("body")
