"""The portal installed on a phone: service worker, offline pages and search, checklist ticks kept.

Served by the portal's own WSGI app (its headers: the worker with no-cache, the CSP) from a
folder built from the project's demo content; Debian's Chromium with Playwright's offline mode.
"""

import re
import shutil
import time
from pathlib import Path

import pytest
import requests

from catalogue import load_catalogue
from site_builder import build_portal
from site_builder.theme import THEME_DIR
from tests.served import serve_portal

CONTENT = Path(__file__).resolve().parent.parent / "content"
SERVICE = "/layanan/akta-kelahiran/"

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(tmp_path):
    """A served portal folder, and a way to publish a new build into it."""
    out = tmp_path / "portal"
    catalogue = load_catalogue(CONTENT)
    build_portal(catalogue, out, "http://127.0.0.1")

    def rebuild_with_css(rule: str) -> None:
        theme = tmp_path / "theme"
        shutil.rmtree(theme, ignore_errors=True)
        shutil.copytree(THEME_DIR, theme)
        with (theme / "static" / "santer.css").open("a") as fh:
            fh.write(rule + "\n")
        build_portal(catalogue, out, "http://127.0.0.1", theme_dir=theme)

    with serve_portal(out) as base:
        yield base, rebuild_with_css


def poll(page, script: str, arg=None, timeout: float = 20) -> None:
    """Until the (promise-returning) script gives true: page.evaluate awaits promises."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        time.sleep(0.2)


def wait_until_saved(page, path: str) -> None:
    poll(
        page,
        "path => caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
        ".then(c => c.match(location.origin + path))))).then(hits => hits.some(Boolean))",
        path,
    )


def stylesheet_served(url: str) -> str:
    html = requests.get(url, timeout=10).text
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)


def cached_urls(page) -> list[str]:
    return page.evaluate(
        "() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
        ".then(c => c.keys())))).then(lists => lists.flat().map(r => r.url))"
    )


def test_a_visited_page_and_a_search_work_offline_and_an_unvisited_page_says_so(chromium, portal):
    base, _rebuild = portal
    context = chromium.new_context(viewport={"width": 375, "height": 667}, service_workers="allow")
    page = context.new_page()
    page.goto(base + SERVICE)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    wait_until_saved(page, SERVICE)
    first = page.locator("[data-checklist] input[type=checkbox]").first
    first.check()

    page.goto(base + "/cari/?q=ktp")
    results = page.locator("[data-search-results][data-search-state=done]")
    results.wait_for(timeout=15000)
    online_hits = results.locator("a[href^='/layanan/']").evaluate_all("els => els.map(a => a.href)")
    assert online_hits
    wait_until_saved(page, "/cari/")
    urls = cached_urls(page)
    assert not [u for u in urls if "/admin/" in u or "/api/" in u or not u.startswith(base)]

    # As after a while: what the browser's HTTP cache holds (pages for a minute) is stale.
    context.new_cdp_session(page).send("Network.clearBrowserCache")
    context.set_offline(True)
    page.goto(base + SERVICE)
    assert page.locator("h1").inner_text() == "Penerbitan Akta Kelahiran"
    note = page.locator("[data-offline-saved]")
    assert "disimpan di perangkat Anda pada" in note.inner_text()
    assert page.locator("[data-checklist] input[type=checkbox]").first.is_checked()  # kept on the device

    page.goto(base + "/cari/?q=ktp")
    results.wait_for(timeout=15000)
    offline_hits = results.locator("a[href^='/layanan/']").evaluate_all("els => els.map(a => a.href)")
    assert offline_hits == online_hits

    page.goto(base + "/opd/disdukcapil/")  # never opened
    assert page.locator("[data-offline-page]").is_visible()
    assert "tidak tersambung" in page.locator("h1").inner_text()
    context.close()


def test_the_checklist_ticks_come_back_on_the_next_visit(chromium, portal):
    base, _rebuild = portal
    context = chromium.new_context(service_workers="block")
    page = context.new_page()
    page.goto(base + SERVICE)
    boxes = page.locator("[data-checklist] input[type=checkbox]")
    boxes.nth(1).check()
    page.reload()
    assert [boxes.nth(i).is_checked() for i in range(3)] == [False, True, False]
    boxes.nth(1).uncheck()
    page.reload()
    assert not boxes.nth(1).is_checked()
    context.close()


def test_a_new_build_replaces_the_cached_assets(chromium, portal):
    base, rebuild_with_css = portal
    context = chromium.new_context(service_workers="allow")
    page = context.new_page()
    page.goto(base + SERVICE)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    old_css = page.locator("link[rel=stylesheet]").get_attribute("href")
    poll(page, "css => caches.match(location.origin + css).then(Boolean)", old_css)
    old_caches = page.evaluate("caches.keys()")
    sw = page.request.get(base + "/sw.js")
    assert sw.headers["cache-control"] == "no-cache"

    rebuild_with_css(".nothing-uses-this{color:#000}")
    # The server scans the new build aside (a request waits for that at most a second): first what
    # it answers, without the browser, so that a failure says which side kept the old build.
    deadline = time.monotonic() + 20
    while (served := stylesheet_served(base + SERVICE)) == old_css:
        assert time.monotonic() < deadline, "the server still answers the old build"
        time.sleep(0.2)
    deadline = time.monotonic() + 20
    new_css = old_css
    while new_css != served:
        assert time.monotonic() < deadline, f"the browser still shows {new_css}; the server answers {served}"
        page.reload()
        new_css = page.locator("link[rel=stylesheet]").get_attribute("href")
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    poll(
        page,
        "([old, css]) => caches.keys().then(names => !names.some(n => old.includes(n)))"
        ".then(gone => gone && caches.match(location.origin + css).then(Boolean))",
        [old_caches, new_css],
    )
    urls = cached_urls(page)
    assert not any(u.endswith(old_css) for u in urls)
    context.close()
