"""The loop from a citizen's failed search back to a fixed search, on the production set-up.

gunicorn with cms/gunicorn.conf.py (the README's command) and `manage.py publish_worker`, a fresh
SQLite database with the demo catalogue, the portal built with SEARCH_LOG_URL, Debian's chromium:
a query that finds nothing is searched on /cari/, shows up in "Pencarian warga" (tanpa hasil), the
report's "Set sinonim baru" link opens a prefilled synonym set, which is completed and published,
and the same query then finds the service on the live portal.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2]
QUERY = "gakin"  # "keluarga miskin": in nobody's vocabulary yet
SERVICE = "surat-keterangan-tidak-mampu"
PASSWORD = "santer-uji-e2e"


_DATA: dict[str, Path] = {}


def data_dir(base: str) -> Path:
    return _DATA[base]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    pytest.fail("server did not start")


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The README's production set-up on a throw-away data folder; yields the base URL."""
    data = tmp_path_factory.mktemp("loop")
    env = dict(
        os.environ,
        SANTER_DATA_DIR=str(data),
        PORTAL_DIR=str(data / "portal"),
        DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
        SEARCH_LOG_URL="/api/laporan-pencarian",
        SEARCH_LOG_FLUSH_SECONDS="0.5",
        WEB_CONCURRENCY="2",
        LOG_LEVEL="WARNING",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["import_catalogue", "content", "-v", "0"],
        ["createsuperuser", "--no-input", "--username", "pengelola", "--email", "p@example.com"],
        ["collectstatic", "--no-input", "-v", "0"],
        ["build_portal", "-v", "0"],
    ):
        subprocess.run(manage + command, cwd=PROJECT, env=env, check=True, timeout=600, capture_output=True)
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "cms.asgi:application", "--config", "cms/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    log = (data / "worker.log").open("wb")
    worker = subprocess.Popen(
        [*manage, "publish_worker", "--no-links"], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port, server)
        _DATA[f"http://127.0.0.1:{port}"] = data
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in (worker, server):
            process.terminate()
        for process in (worker, server):
            process.wait(timeout=30)


def results_of(page, base: str, query: str) -> list[str]:
    page.goto(f"{base}/cari/?q={query}")
    page.wait_for_selector('[data-search-results][data-search-state="done"]')
    return page.eval_on_selector_all("[data-search-results] a[href]", "links => links.map(a => a.pathname)")


def test_zero_result_query_to_published_synonym_set_to_found(production, chromium):
    base = production
    page = chromium.new_page()
    try:
        with page.expect_response(lambda r: r.url.endswith("/api/laporan-pencarian")) as beacon:
            assert results_of(page, base, QUERY) == []
        assert beacon.value.status == 204
        assert page.get_attribute("[data-search-results]", "data-search-log") == "/api/laporan-pencarian"
        assert not page.context.cookies()  # the portal and its beacon set no cookie

        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "pengelola")
        page.fill("#id_password", PASSWORD)
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
        assert found[:1] == [f"/layanan/{SERVICE}/"], (data_dir(base) / "worker.log").read_text()[-3000:]
    finally:
        page.close()
