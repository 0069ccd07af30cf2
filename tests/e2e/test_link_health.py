"""Link health through the admin and the live portal: an app that answers 500 gets the downtime
banner on its services' pages after the worker's checks; when it answers 200 again, the banner goes.

The app is a local HTTPS server (apps must be https://) with a throw-away certificate that the
publish worker is told to trust (SSL_CERT_FILE), answering on 127.0.0.1 only.
"""

import ssl
import subprocess
import threading
import time
from http.server import ThreadingHTTPServer

import pytest

from cms.links.tests.servers import AppHandler
from tests.e2e.test_editorial_journeys import open_menu_action, page_id

pytestmark = pytest.mark.browser

# Checks every 2 s; the demo apps' invented hosts fail fast. SSL_CERT_FILE: set by prepare_data.
SERVER_ENV = {"LINK_CHECK_INTERVAL_SECONDS": "2", "LINK_CHECK_TIMEOUT_SECONDS": "2"}
WORKER_ARGS = []  # the worker's periodic link check on, as in production
SERVICE = "surat-keterangan-domisili"
BANNER = "[data-app-down]"


def prepare_data(data):
    key, cert = data / "app-key.pem", data / "app-cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    SERVER_ENV["SSL_CERT_FILE"] = str(cert)


@pytest.fixture(scope="module")
def broken_app(production_server):
    """An HTTPS app on 127.0.0.1 whose /toggle answers 500 until told otherwise."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), AppHandler)
    server.daemon_threads = True
    server.lock, server.hits, server.in_flight, server.max_in_flight = threading.Lock(), [], 0, 0
    server.toggle_up, server.down_status = False, 500
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(production_server.data / "app-cert.pem", production_server.data / "app-key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.base = f"https://127.0.0.1:{server.server_address[1]}/toggle"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_broken_app_gets_the_downtime_banner_and_loses_it_when_it_recovers(
    production_server, admin_page, chromium, broken_app
):
    page = admin_page("admin")
    page.goto("/admin/snippets/services/app/add/")
    page.fill("input[name=name]", "Aplikasi Rusak Uji")
    page.fill("input[name=slug]", "aplikasi-rusak-uji")
    page.select_option("select[name=opd]", label="Kecamatan dan Kelurahan se-Kota Samarinda")
    page.fill("input[name=base_url]", broken_app.base)
    page.check("input[name=platforms][value=web]")
    page.click("footer button[type=submit]")
    page.locator(".messages", has_text="Aplikasi Rusak Uji").wait_for()

    page.goto(f"/admin/pages/{page_id(production_server, SERVICE)}/edit/")
    page.select_option("select[name=app]", label="Aplikasi Rusak Uji")
    page.fill("input[name=deep_link]", f"{broken_app.base}/domisili")
    open_menu_action(page, "action-publish")
    page.locator(".messages", has_text="dipublikasi").wait_for()

    path = f"/layanan/{SERVICE}/"
    # After LINK_CHECK_FAILURES_UNTIL_DOWN failed checks in a row, and the portal update.
    production_server.wait_for_portal(path, "data-app-down", timeout=120)
    portal = chromium.new_page(base_url=production_server.base_url)
    portal.goto(path)
    for _ in range(50):  # every server process has switched to the new build within a few seconds
        if portal.locator(BANNER).count():
            break
        time.sleep(0.2)
        portal.reload()
    assert "Aplikasi Rusak Uji sedang tidak dapat diakses" in portal.inner_text(BANNER)

    broken_app.toggle_up = True
    production_server.wait_for_portal(path, "data-app-down", timeout=60, absent=True)
    for _ in range(50):  # every server process has switched to the new build within a few seconds
        portal.reload()
        if not portal.locator(BANNER).count():
            break
        time.sleep(0.2)
    assert portal.locator(BANNER).count() == 0
    portal.close()
    assert any(path.startswith("/toggle") for _, path in broken_app.hits)
