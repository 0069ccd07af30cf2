"""axe-core in headless Chromium on the key portal pages, phone and desktop widths."""

from pathlib import Path

import pytest

from tests.served import serve_portal

PROJECT = Path(__file__).resolve().parent.parent
AXE = PROJECT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "/",
    "/layanan/ktp-el-pemula/",
    "/layanan/akta-kelahiran/",
    "/opd/disdukcapil/",
    "/cari/",
    "/cari/?q=ktp",
    "/aplikasi/",
    "/aplikasi/dafduk-online/",
    "/peristiwa/",
    "/tentang/",
    "/aksesibilitas/",
    "/privasi/",
    "/offline/",
]
# The project's demo content has what the shared catalogue has not: journeys, store links.
DEMO_PAGES = ["/", "/peristiwa/kelahiran-anak/", "/peristiwa/pindah-rumah/", "/layanan/kartu-keluarga/"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(build_shared_portal):
    # The portal's own WSGI app, so pages run under the real Content-Security-Policy.
    with serve_portal(build_shared_portal("http://127.0.0.1", "a11y")) as base:
        yield base


@pytest.fixture(scope="module")
def demo_url(build_demo_portal):
    with serve_portal(build_demo_portal("http://127.0.0.1", "a11y-demo")) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium):
    if not AXE.is_file():
        pytest.fail(f"axe-core missing at {AXE}: run scripts/setup.sh")
    return chromium


@pytest.mark.parametrize("width", [375, 1280])
def test_axe_finds_no_violations(browser, base_url, width):
    axe_pages(browser, base_url, PAGES, width)


@pytest.mark.parametrize("width", [375, 1280])
def test_axe_finds_no_violations_on_journeys(browser, demo_url, width):
    axe_pages(browser, demo_url, DEMO_PAGES, width)


def axe_pages(browser, base_url, paths, width):
    # bypass_csp only lets the test inject axe; the pages themselves load under the policy.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    problems = {}
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    for path in paths:
        page.goto(base_url + path)
        if "?q=" in path:  # check the rendered results too
            page.wait_for_selector("[data-search-results][data-search-state=done]", timeout=10000)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        )
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        if violations:
            problems[path] = violations
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
    context.close()
    assert problems == {}
    assert errors == []


def test_320px_without_horizontal_scrolling_and_visible_focus(browser, base_url):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in PAGES:
        page.goto(base_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    page.goto(base_url + "/layanan/ktp-el-pemula/")
    page.keyboard.press("Tab")  # the skip link
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.textContent, s.outlineStyle, s.backgroundColor]; })()"
    )
    assert focused[0] == "Langsung ke isi utama"
    assert focused[1] != "none"
    button = page.locator("a[data-deep-link]")
    button.focus()
    style = button.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert style.startswith("solid") and not style.endswith(" 0px")
    context.close()


def test_search_page_runs_under_the_content_security_policy(browser, base_url):
    context = browser.new_context(viewport={"width": 375, "height": 800})  # CSP enforced
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base_url + "/cari/?q=akta%20kelahiran")
    results = page.wait_for_selector("[data-search-results][data-search-state=done]", timeout=10000)
    hrefs = results.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert any(h.startswith("/layanan/") for h in hrefs)
    assert errors == []
    context.close()
