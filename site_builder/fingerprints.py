"""Page fingerprints: a hash of everything a page is made from, to tell which pages to render.

A page's fingerprint covers the builder version, the theme, the site URL, the every-page
assets and the digests of the records the page shows. A page whose fingerprint equals the
live build's is linked from it instead of rendered. Record digests are kept by record
identity between builds in one process (the publish worker keeps unchanged records), so an
update hashes only the records that changed, and a page made of the very same records as
last time keeps its fingerprint without hashing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .site import Page, Site, record_digest
from .theme import theme_fingerprint

BUILDER_VERSION = "1"  # bump when output changes without a theme change, to invalidate reuse

# The last build's record digests, by id(record), with the record (an id may be reused).
_DIGEST_MEMO: dict[int, tuple[object, str]] = {}
# The last fingerprint of each page path: (salt, template, deps, fingerprint). A page made again
# from the very same record objects under the same salt has the same fingerprint: at 50,000
# services, hashing every page again cost ~0.9 s of each update, this check ~0.1 s.
_PAGE_MEMO: dict[str, tuple[str, str, tuple, str]] = {}


def _same(before, now) -> bool:
    """The very same record, or an equal marker tuple of plain values (the initials a listing's
    navigation shows, the counts): made anew by every build, and its digest is its value."""
    return before is now or (type(now) is tuple and type(before) is tuple and before == now)


class Fingerprints:
    """The fingerprints of one build's pages."""

    def __init__(self, pages: list[Page], theme_dir: Path, site_settings: tuple[str, ...]):
        """site_settings: what every page's bytes depend on besides its records (site URL, beacon URL,
        feedback form URL)."""
        self.pages = pages
        self.theme_dir = theme_dir
        self.site_settings = site_settings
        self._digests: dict[int, tuple[object, str]] = {}
        self._theme: str | None = None
        self._others: tuple[str, dict[str, str]] | None = None  # (salt, all pages but /cari/)

    def of(self, page_assets: dict, search_scripts: list[str] | None) -> dict[str, str]:
        """Each page's fingerprint; search_scripts=None leaves out the search page.

        The other pages' fingerprints are computed once per build for the same page assets
        (the early linking and the rendering ask for them both).
        """
        if self._theme is None:
            self._theme = theme_fingerprint(self.theme_dir)
        salt = "|".join((BUILDER_VERSION, self._theme, *self.site_settings, repr(page_assets)))
        if self._others is None or self._others[0] != salt:
            pages = [page for page in self.pages if page.template != "search.html"]
            self._others = (salt, self._hash(salt, "", pages))
        fingerprints = dict(self._others[1])
        if search_scripts is not None:
            search_pages = [page for page in self.pages if page.template == "search.html"]
            fingerprints.update(self._hash(salt, repr(search_scripts), search_pages))
        return fingerprints

    def _hash(self, salt: str, extra: str, pages: list[Page]) -> dict[str, str]:
        digests = self._digests
        known = _DIGEST_MEMO

        def digest(record) -> str:
            if record is None:
                return "-"
            key = id(record)
            entry = digests.get(key)
            if entry is None:
                entry = known.get(key)
                if entry is None or entry[0] is not record:  # an id may be reused by a new record
                    entry = (record, record_digest(record))
                digests[key] = entry
            return entry[1]

        fingerprints = {}
        memo, salted = _PAGE_MEMO, f"{salt}\0{extra}"
        for page in pages:
            last = memo.get(page.path)
            deps = page.deps
            if (
                last is not None
                and last[0] == salted
                and last[1] == page.template
                and len(last[2]) == len(deps)
                and all(map(_same, last[2], deps))
            ):
                fingerprints[page.path] = last[3]
                continue
            text = "\0".join((salt, extra, page.path, page.template, *(digest(d) for d in deps)))
            fingerprint = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
            fingerprints[page.path] = fingerprint
            memo[page.path] = (salted, page.template, deps, fingerprint)
        return fingerprints

    def remember(self) -> None:
        """Let the next build in this process start from this one's record digests."""
        global _DIGEST_MEMO
        _DIGEST_MEMO = self._digests


def remember_records(catalogue) -> None:
    """Digest every record the pages of `catalogue` show, for the next build in this process."""
    global _DIGEST_MEMO
    memo: dict[int, tuple[object, str]] = {}
    for page in Site(catalogue, "").pages():
        for record in page.deps:
            if record is not None and id(record) not in memo:
                memo[id(record)] = (record, record_digest(record))
    _DIGEST_MEMO = memo
