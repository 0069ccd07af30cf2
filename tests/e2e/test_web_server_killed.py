"""The web server killed (SIGKILL, master and workers) while an editor's "Terbitkan" is in flight.

The editor publishes in Chromium on the real production set-up; the whole gunicorn is killed at
three moments: as the form's request leaves the browser, a little later, and just after the answer
came back. Whatever the moment, nothing is half-done: while the web server is down the live portal
folder is a complete build; once it is started again, the database and the portal agree — either
the publish committed, and the worker (a process of its own) brings it live by itself, also when
the dying web process never got to wake it, or it did not, and the portal still shows the old
title. The answered case must have committed.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from tests.e2e.production import DEMO_PASSWORD
from tests.e2e.test_admin_security import submit_login
from tests.e2e.test_editorial_journeys import open_menu_action, page_id

pytestmark = pytest.mark.browser

SERVICE = "akta-kelahiran"
# The worker's periodic look at the update requests (PUBLISH_CHECK_SECONDS' default is 10 s) plus an
# update on a busy machine: a publish whose wake-up died with the web server is live within this.
LIVE_WITHIN_SECONDS = 30


def kill_web_server(server) -> None:
    pids = server.web_workers() | {server.web.pid}
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    server.web.wait(timeout=10)


def live_title(server) -> str:
    """The title the CMS has published (what the portal must end up showing)."""
    code = (
        f"from cms.services.models import ServicePage;print(ServicePage.objects.get(slug='{SERVICE}').title)"
    )
    return server.manage("shell", "-c", code).strip().splitlines()[-1]


def live_page_is_complete(server) -> str:
    html = (server.portal / "layanan" / SERVICE / "index.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>")
    return html


@pytest.mark.parametrize("moment", ["request sent", "0.2 s later", "answered"])
def test_a_publish_survives_the_web_server_killed_at_any_moment(moment, production_server, chromium):
    server = production_server
    before = live_title(server)
    title = f"Akta Kelahiran (uji server mati {time.monotonic_ns()})"
    # No CheckedPages: the killed server breaks this page's requests on purpose.
    context = chromium.new_context(base_url=server.base_url, locale="id-ID")
    context.set_default_timeout(30000)
    page = context.new_page()
    try:
        submit_login(page, "admin", DEMO_PASSWORD)
        page.wait_for_url("**/admin/")
        page.goto(f"/admin/pages/{page_id(server, SERVICE)}/edit/")
        page.fill("input[name=title]", title)
        with page.expect_request(lambda r: r.method == "POST" and "/edit/" in r.url):
            open_menu_action(page, "action-publish")
        if moment == "0.2 s later":
            time.sleep(0.2)
        elif moment == "answered":
            page.locator(".messages", has_text="dipublikasi").wait_for()
        kill_web_server(server)
    finally:
        context.close()

    html = live_page_is_complete(server)  # while no web server runs
    assert f"<h1>{before}</h1>" in html or f"<h1>{title}</h1>" in html

    server.start_web()
    published = live_title(server)
    committed = published == title
    assert committed or published == before
    print(f"web server killed at '{moment}': {'committed' if committed else 'not committed'}")
    if committed:
        server.wait_for_portal(f"/layanan/{SERVICE}/", f"<h1>{title}</h1>", timeout=LIVE_WITHIN_SECONDS)
    else:
        time.sleep(3)  # long enough for a stray update to have shown up
        page_now = requests.get(f"{server.base_url}/layanan/{SERVICE}/", timeout=10).text
        assert f"<h1>{before}</h1>" in page_now and title not in page_now
    if moment == "answered":
        assert committed  # the editor saw "dipublikasi": it must be in the CMS and on the portal
