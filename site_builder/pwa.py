"""What makes the portal installable and usable offline: the web app manifest and the service worker.

Both live at fixed URLs (/manifest.webmanifest, /sw.js): the manifest's identity and the
worker's scope must not move with every build. The worker's text names the build's hashed
assets, so it changes (and the browser installs it, deleting the old caches) exactly when
the theme's assets change; a publish that changes only content leaves it byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re

from catalogue import urls
from catalogue.hashing import HASH_DIGITS, HASHED_PATH_RE

from .theme import THEME_DIR

WORKER_SOURCE = THEME_DIR / "worker" / "sw.js"
OFFLINE_URL = urls.OFFLINE
THEME_COLOUR = "#0b3d6b"
# What the worker must know of the URL scheme, from its one definition: the content-hashed files
# (cache-first), a search index file (its digest names the index version) and the CMS's paths.
INDEX_FILE_RE = f"^{re.escape(urls.SEARCH_FILES)}([0-9a-f]{{{HASH_DIGITS}}})/"
NEVER_RE = "^/(?:{})(?:/|$)".format("|".join(dict.fromkeys(p.strip("/") for p in urls.DJANGO_PREFIXES)))
ICONS = (
    ("icons/santer-192.png", "192x192", "any"),
    ("icons/santer-512.png", "512x512", "any"),
    ("icons/santer-maskable-512.png", "512x512", "maskable"),
)


def manifest(theme_urls: dict[str, str]) -> str:
    data = {
        "id": "/",
        "name": "Santer · Layanan Publik Kota Samarinda",
        "short_name": "Santer",
        "description": "Cari dan ajukan layanan publik Pemerintah Kota Samarinda di satu tempat.",
        "lang": "id",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "categories": ["government", "utilities"],
        "icons": [
            {"src": theme_urls[name], "sizes": sizes, "type": "image/png", "purpose": purpose}
            for name, sizes, purpose in ICONS
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def service_worker(
    theme_urls: dict[str, str], page_scripts: list[str], worker_source: str | None = None
) -> str:
    """The worker for a build whose theme assets are `theme_urls` and every-page scripts `page_scripts`."""
    source = worker_source if worker_source is not None else WORKER_SOURCE.read_text(encoding="utf-8")
    precache = sorted({OFFLINE_URL, "/manifest.webmanifest", *theme_urls.values(), *page_scripts})
    scheme = (
        f"var SEARCH_ROOT = {json.dumps(urls.SEARCH_FILES)};\n"
        f"var HASHED = new RegExp({json.dumps(HASHED_PATH_RE)});\n"
        f"var INDEX_FILE = new RegExp({json.dumps(INDEX_FILE_RE)});\n"
        f"var NEVER = new RegExp({json.dumps(NEVER_RE)});\n"
    )
    version = hashlib.sha256(json.dumps([precache, scheme, source]).encode()).hexdigest()[:12]
    head = (
        f"var VERSION = {json.dumps(version)};\n"
        f"var PRECACHE = {json.dumps(precache)};\n"
        f"var OFFLINE_URL = {json.dumps(OFFLINE_URL)};\n"
    )
    return head + scheme + source
