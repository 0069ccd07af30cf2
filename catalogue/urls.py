"""The portal's URL scheme, defined once: where each record's page is, and the file a build writes
for it. The builder, the templates (the Jinja global `urls`), the CMS (portal_path, rich-text
links, preview, search API) and the search scripts (handed over with the index's location by
search/portal.py, as SANTER_SEARCH_URLS) all use it.
"""

from __future__ import annotations

HOME = "/"
SEARCH = "/cari/"
ALL_SERVICES = "/layanan/"  # the A–Z list
ALL_APPS = "/aplikasi/"
NOT_FOUND_FILE = "404.html"

# Per record kind: the URL of one record's page, with {slug} for its id or slug.
PATTERNS = {
    "service": "/layanan/{slug}/",
    "opd": "/opd/{slug}/",
    "category": "/kategori/{slug}/",
    "life_event": "/peristiwa/{slug}/",
    "app": "/aplikasi/{slug}/",
    # A life event's journey (its steps in order) is shown on the life event's own page.
    "journey": "/peristiwa/{slug}/",
}


def service(service_id: str) -> str:
    return PATTERNS["service"].format(slug=service_id)


def opd(slug: str) -> str:
    return PATTERNS["opd"].format(slug=slug)


def category(slug: str) -> str:
    return PATTERNS["category"].format(slug=slug)


def life_event(slug: str) -> str:
    return PATTERNS["life_event"].format(slug=slug)


def app(slug: str) -> str:
    return PATTERNS["app"].format(slug=slug)


def journey(slug: str) -> str:
    return PATTERNS["journey"].format(slug=slug)


def for_scripts() -> dict[str, str]:
    """The scheme as the search scripts read it (SANTER_SEARCH_URLS; the engine's url(kind, slug))."""
    return {**PATTERNS, "home": HOME, "search": SEARCH, "all_services": ALL_SERVICES, "all_apps": ALL_APPS}


def output_path(url: str) -> str:
    """The file a build writes for a page URL: "/layanan/ktp/" → "layanan/ktp/index.html"."""
    return url.lstrip("/") + "index.html"


def page_url(path: str) -> str:
    """The URL of a built page file: "layanan/ktp/index.html" → "/layanan/ktp/"."""
    return "/" + path.removesuffix("index.html")
