"""The portal's URL scheme, defined once: where each record's page is, and the file a build writes
for it. The builder, the templates (the Jinja global `urls`), the CMS (portal_path, rich-text
links, preview, search API) and the search scripts (handed over with the index's location by
search/portal.py, as SANTER_SEARCH_URLS) all use it.
"""

from __future__ import annotations

HOME = "/"
SEARCH = "/cari/"
ALL_SERVICES = "/layanan/"  # the A–Z list (past site_builder's limit: the letters, each its own page)
AZ_LETTERS = "/abjad/"  # a big A–Z list, a page per initial: /abjad/a/, /abjad/pen/, /abjad/lainnya/
ALL_APPS = "/aplikasi/"
ALL_LIFE_EVENTS = "/peristiwa/"
ALL_CATEGORIES = "/kategori/"
ALL_OPDS = "/opd/"
OFFLINE = "/offline/"  # what the service worker shows for a page never opened offline
NOT_FOUND_FILE = "404.html"
SEARCH_FILES = "/_search/"  # the search index and its scripts (search/portal.py)
# Paths the CMS answers beside the portal (admin, APIs, Wagtail's pages, its static files, media
# and documents): no portal page is there, the front door hands them to Django
# (cms/portal/serving.py) and the service worker never caches them.
DJANGO_PREFIXES = ("/admin/", "/admin", "/api/", "/cms/", "/static/", "/media/", "/documents/")

# Per record kind: the folder of its pages; one record's page is <folder><slug>/.
FOLDERS = {
    "service": "/layanan/",
    "opd": "/opd/",
    "category": "/kategori/",
    "life_event": "/peristiwa/",
    "app": "/aplikasi/",
    # A life event's journey (its steps in order) is shown on the life event's own page.
    "journey": "/peristiwa/",
}
PATTERNS = {kind: folder + "{slug}/" for kind, folder in FOLDERS.items()}
# Plain f-strings below, not PATTERNS[...].format(): the templates call these for every link.
_SERVICE, _OPD, _CATEGORY, _LIFE_EVENT, _APP, _JOURNEY = FOLDERS.values()


def service(service_id: str) -> str:
    return f"{_SERVICE}{service_id}/"


FEEDBACK_THANKS_ID = "terima-kasih"


def feedback_thanks(service_id: str) -> str:
    """Where a citizen lands after answering "Apakah informasi ini membantu?" without JavaScript:
    the service page itself, at its thank-you note (shown by CSS :target) — no page of its own."""
    return f"{service(service_id)}#{FEEDBACK_THANKS_ID}"


def opd(slug: str) -> str:
    return f"{_OPD}{slug}/"


def category(slug: str) -> str:
    return f"{_CATEGORY}{slug}/"


def life_event(slug: str) -> str:
    return f"{_LIFE_EVENT}{slug}/"


def app(slug: str) -> str:
    return f"{_APP}{slug}/"


def journey(slug: str) -> str:
    return f"{_JOURNEY}{slug}/"


def _initial(letter: str) -> str:
    """An initial (or a longer group, site.by_initial) in a URL: "A" → "a", "PENERBITAN-SURAT-K" →
    "penerbitan-surat-k"; "#" (titles not starting with a letter) → "lainnya"."""
    return letter.lower() if letter != "#" else "lainnya"


def az_letter(letter: str) -> str:
    """The A–Z page of one initial of a big catalogue: "/abjad/a/"."""
    return f"{AZ_LETTERS}{_initial(letter)}/"


def category_letter(slug: str, letter: str) -> str:
    """One initial of a big category's services: "/kategori/kependudukan/a/"."""
    return f"{category(slug)}{_initial(letter)}/"


def for_scripts() -> dict[str, str]:
    """The scheme as the search scripts read it (SANTER_SEARCH_URLS; the engine's url(kind, slug))."""
    return {**PATTERNS, "home": HOME, "search": SEARCH, "all_services": ALL_SERVICES, "all_apps": ALL_APPS}


def output_path(url: str) -> str:
    """The file a build writes for a page URL: "/layanan/ktp/" → "layanan/ktp/index.html"."""
    return url.lstrip("/") + "index.html"


def page_url(path: str) -> str:
    """The URL of a built page file: "layanan/ktp/index.html" → "/layanan/ktp/"."""
    return "/" + path.removesuffix("index.html")
