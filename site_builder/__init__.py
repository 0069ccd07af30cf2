"""The static citizen portal, built with Pelican from catalogue records (no Django here).

build_portal(catalogue, out_dir, site_url, *, theme_dir=THEME_DIR, jobs=None,
             reuse=True, search=True, search_api=False, search_log_url="") -> BuildReport
    Full build into a new folder beside out_dir, then an atomic symlink swap; raises
    BuildError and leaves out_dir as it was. With reuse (the default) a page whose
    inputs are unchanged since the live build is hard-linked from it, or left in place
    when a spare build retired a while ago is recycled, so calling it after one edit
    re-renders only the affected pages — the same bytes a reuse=False build writes
    (site_builder/tests/test_publish.py).
render_page(catalogue, site_url, url, *, assets=None) -> bytes
    One page exactly as a build writes it (preview); pass live_assets(out_dir) to
    match the live site's stylesheet and search scripts.
rollback(out_dir)    serve the previous build again.
warm_up(catalogue)   prepare what updates reuse (record digests, search index state) in this process.
Site(catalogue, site_url).pages()    every page: its path, template and the records it shows.
"""

from .build import BuildError, BuildReport, build_portal, live_assets, render_page, warm_up
from .publish import rollback
from .site import Page, Site
from .theme import Assets

__all__ = [
    "Assets",
    "BuildError",
    "BuildReport",
    "Page",
    "Site",
    "build_portal",
    "live_assets",
    "render_page",
    "rollback",
    "warm_up",
]
