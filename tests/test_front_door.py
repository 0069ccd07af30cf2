"""What a citizen sees first on a phone, and a search page that does not jump as results arrive."""

import tempfile

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.served import serve_portal

PHONE = {"width": 375, "height": 667}

pytestmark = pytest.mark.browser

CLS = """() => new Promise(resolve => {
  let cls = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value;
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(cls), 1000);
})"""


@pytest.fixture(scope="module")
def base_url(build_demo_portal):
    with serve_portal(build_demo_portal("http://127.0.0.1", "front")) as base:
        yield base


def test_home_first_screen_holds_search_and_every_entry_point(chromium, base_url):
    page = chromium.new_page(viewport=PHONE)
    page.goto(base_url + "/")
    for selector in ("#q-home", "a[href='/peristiwa/']", "a[href='/aplikasi/']", "ul.grid"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], (selector, box)
    categories = page.locator("ul.grid a")
    assert categories.count() >= 10  # every category, as a compact grid
    assert page.locator("#h-populer ~ ul li").count() <= 6
    # The long lists have pages of their own.
    for path in ("/peristiwa/", "/opd/", "/kategori/", "/aplikasi/"):
        assert page.request.get(base_url + path).ok, path
    page.close()


def test_search_results_do_not_shift_the_page(chromium, base_url):
    page = chromium.new_page(viewport={"width": 412, "height": 823})
    page.goto(base_url + "/cari/?q=ktp")
    page.wait_for_selector("[data-search-results][data-search-state=done]", timeout=15000)
    assert page.locator("[data-search-results] a[href^='/layanan/']").count() > 0
    assert page.evaluate(CLS) < 0.02
    page.close()


def test_chrome_finds_the_portal_installable(chromium, base_url):
    # A profile of its own: Chrome never offers to install from an incognito window.
    with tempfile.TemporaryDirectory() as profile:
        context = chromium.browser_type.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, service_workers="allow"
        )
        page = context.new_page()
        page.goto(base_url + "/")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
        manifest = page.request.get(base_url + "/manifest.webmanifest").json()
        assert (manifest["short_name"], manifest["id"], manifest["lang"]) == ("Santer", "/", "id")
        errors = context.new_cdp_session(page).send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        context.close()
