"""Writes the portal's static search: the index files and the two deferred scripts of /cari/.

The site builder calls `write_search_assets(catalogue, site_dir)` and puts the
returned scripts on the search page. Everything lives under /_search/ with
content hashes in the names, so the files can be cached forever.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import rjsmin

from catalogue import urls
from catalogue.files import Catalogue
from catalogue.hashing import hashed_name
from catalogue.linking import link_with_copies

from .static_index import BuiltIndex, build_index

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
SCRIPTS = ("santer-search.js", "santer-search-ui.js")  # deferred on /cari/, in this order
BOX_SCRIPT = "santer-search-box.js"  # deferred on every page: suggestions under the header box
LIVE_ENGINE = "santer-search-live.js"  # the current engine (and index) under a name that stays
URL_ROOT = urls.SEARCH_FILES
# With Elasticsearch configured, the CMS serves /api/search next to the portal (cms/search_api).
API_URL = "/api/search"


def compact_js(source: str) -> str:
    """The script minified (rjsmin: comments and white space out, names kept, so the source the
    parity test runs in node is still what runs in the browser)."""
    return rjsmin.jsmin(source) + "\n"


def write_index(index: BuiltIndex, out_dir: Path, previous: Path | None = None) -> int:
    """Write the index files into `out_dir`; return how many were hard-linked from `previous`.

    A publish changes few index files: one identical to the same file of `previous` (the live
    build's index folder) is hard-linked with its .br/.gz, which costs far less than writing
    and compressing it again; the files the index rewrote (`index.changed`) are written without
    looking. When `previous` is the folder of the build this index was updated from (folders are
    named by the digest of their bytes), the other files are its files: linked without reading
    them (thousands of files at national scale). The bytes in `out_dir` are the same either way.
    """
    made: set[str] = set()
    linked = 0
    same_state = previous is not None and previous.name == index.previous_digest
    # plain strings, not Path objects: at national scale the index is tens of thousands of files
    out, before = os.fspath(out_dir), os.fspath(previous) if previous is not None else None
    for relative, data in index.files.items():
        target = f"{out}/{relative}"
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        if (
            before is not None
            and relative not in index.changed
            and (
                link_with_copies(f"{before}/{relative}", target)
                if same_state
                else _link_if_same(Path(before, relative), Path(target), data)
            )
        ):
            linked += 1
        else:
            with open(target, "wb") as fh:
                fh.write(data)
    return linked


def _link_if_same(source: Path, target: Path, data: bytes) -> bool:
    try:
        if source.stat().st_size != len(data) or source.read_bytes() != data:
            return False
    except OSError:  # missing: write instead
        return False
    return link_with_copies(source, target)  # False (another file system, no hard links): write


def previous_index(previous_site: Path | None) -> Path | None:
    """The index folder of an earlier build of the site (the newest, if it has several)."""
    if previous_site is None:
        return None
    search_dir = Path(previous_site) / URL_ROOT.strip("/")
    folders = [d for d in search_dir.glob("*") if (d / "meta.json").is_file()]
    return max(folders, key=lambda d: (d / "meta.json").stat().st_mtime_ns, default=None)


def _box_script() -> bytes:
    # Every page carries the box: it names the engine by a stable URL (revalidated, not
    # immutable), so a publish that changes the index does not change every page.
    source = (ASSETS_DIR / BOX_SCRIPT).read_text(encoding="utf-8")
    source = f"var SANTER_SEARCH_ENGINE = {json.dumps(URL_ROOT + LIVE_ENGINE)};\n{source}"
    return compact_js(source).encode("utf-8")


def page_scripts() -> list[str]:
    """The deferred scripts of every page, known before the index is built (they do not depend on it)."""
    return [f"{URL_ROOT}{hashed_name(BOX_SCRIPT, _box_script())}"]


def write_search_assets(
    catalogue: Catalogue, site_dir: Path, previous_site: Path | None = None, *, search_api: bool = False
) -> dict:
    """Build the index into site_dir/_search/; return the deferred scripts of /cari/ ("scripts")
    and of every page ("page_scripts").

    `previous_site` (the live build) lends its unchanged index files, see write_index.

    search_api: the portal is served next to /api/search (the CMS with Elasticsearch configured):
    the page asks it first and falls back to this index.
    """
    site_dir = Path(site_dir)
    index = build_index(catalogue, api_url=API_URL if search_api else None)
    base = f"{URL_ROOT}{index.digest}/"
    search_dir = site_dir / URL_ROOT.strip("/")
    write_index(index, search_dir / index.digest, previous_index(previous_site))
    script_urls = {}
    for name in (*SCRIPTS, BOX_SCRIPT):
        if name == BOX_SCRIPT:
            data = _box_script()
        else:
            source = (ASSETS_DIR / name).read_text(encoding="utf-8")
            if name == "santer-search.js":
                # The engine learns where its index is; a plain script, so the CSP needs no 'unsafe-inline'.
                # ... and the portal's URL scheme (catalogue/urls.py), for the links it renders.
                source = (
                    f"var SANTER_SEARCH_BASE = {json.dumps(base)};\n"
                    f"var SANTER_SEARCH_URLS = {json.dumps(urls.for_scripts())};\n{source}"
                )
            data = compact_js(source).encode("utf-8")
        hashed = hashed_name(name, data)
        (search_dir / hashed).write_bytes(data)
        script_urls[name] = f"{URL_ROOT}{hashed}"
        if name == "santer-search.js":
            (search_dir / LIVE_ENGINE).write_bytes(data)
    return {"scripts": [script_urls[name] for name in SCRIPTS], "page_scripts": [script_urls[BOX_SCRIPT]]}
