"""Fixtures shared by the whole suite."""

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS

PROJECT_DIR = Path(__file__).resolve().parent
SHARED_CATALOGUE = PROJECT_DIR.parent / "shared" / "catalogue" / "samarinda"
CONTENT_DIR = PROJECT_DIR / "content"


@pytest.fixture(scope="session")
def shared_catalogue_dir() -> Path:
    """../shared/catalogue/samarinda: a user's clone has no ../shared, so tests skip then (CI has it)."""
    if not (SHARED_CATALOGUE / "services.json").is_file():
        pytest.skip(f"shared catalogue not found at {SHARED_CATALOGUE} (only in the team's checkout and CI)")
    return SHARED_CATALOGUE


@pytest.fixture(scope="session")
def shared_catalogue(shared_catalogue_dir):
    """The shared Samarinda catalogue with the city's search vocabulary (content/search/), as the
    city publishes it; loaded once (tests derive changed copies, never edit it)."""
    from catalogue import load_catalogue
    from catalogue.files import load_vocabulary

    return load_vocabulary(CONTENT_DIR, load_catalogue(shared_catalogue_dir))


def portal_builder(catalogue, tmp_path_factory):
    """build(site_url, name="portal", **build_portal_options): the portal of `catalogue` built
    into a new folder, which it returns."""
    from site_builder import build_portal

    def build(site_url: str, name: str = "portal", **options) -> Path:
        out = tmp_path_factory.mktemp(name) / "portal"
        build_portal(catalogue, out, site_url, **options)
        return out

    return build


@pytest.fixture(scope="session")
def build_shared_portal(shared_catalogue, tmp_path_factory):
    """Builds the portal of the shared catalogue: build_shared_portal(site_url, name="portal", **options)."""
    return portal_builder(shared_catalogue, tmp_path_factory)


@pytest.fixture(scope="session")
def build_demo_portal(tmp_path_factory):
    """Builds the portal of the project's demo catalogue (content/: journeys, store links),
    as `make run` serves it: build_demo_portal(site_url, name="portal", **options)."""
    from catalogue import load_catalogue

    return portal_builder(load_catalogue(CONTENT_DIR), tmp_path_factory)


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """The admin renders static URLs; the manifest storage needs collectstatic, which tests do not run."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for a test module (Playwright with executable_path: no downloaded browser).

    Module scope, not session: Playwright's sync API keeps an event loop alive, and Django refuses
    database calls while one runs, so it must not outlive the browser tests.
    """
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: run scripts/setup.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
