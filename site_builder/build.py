"""build_portal: catalogue records in, a complete static portal out, switched in atomically.

This module orders the steps of one build (BuildJob); each step lives in its own module:
files.py (writing a page, hard-linking a file with its .br/.gz), fingerprints.py (which pages
changed), rendering.py (Pelican, parallel rendering), publish.py (build folders, the atomic
switch, spares), and search.portal writes the search index.

Where a full build's time goes and what is done about it (figures in benchmarks/build.py):
- no reading or Markdown: records come parsed and their description is sanitised HTML;
- templates compile once (Pelican's Jinja environment, auto_reload off) and pages are written
  directly, not through Pelican's per-file Writer;
- pages render, write and compress in parallel worker processes (fork: the compiled
  templates and the catalogue are shared, not pickled);
- a page whose inputs (its records, the theme, the site URL) are unchanged since the live
  build is hard-linked from it, with its .gz/.br, instead of rendered again — this is also
  what makes a publish of one service cheap;
- on such an update, a forked process links the unchanged pages (file system calls) while this
  one builds the search index (CPU), which also reuses the live build's unchanged index files;
- the pages known to change (all of them in a full build) render in the worker processes while
  this one builds the search index: no page but /cari/ depends on it (the every-page scripts are
  known before it), so the two overlap instead of following each other;
- better still, an update recycles a spare build retired a while ago (publish.recyclable_build):
  its pages are already there, so only the pages that differ from it are replaced — a few dozen
  file system calls instead of linking 10k folders.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import shutil
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from catalogue import Catalogue, RecordError, urls
from catalogue.linking import link_copies, unlink_with_copies
from catalogue.memory import cyclic_gc_paused

from . import publish, pwa
from .compress import TEXT_EXTENSIONS, PortalCompressor
from .errors import BuildError
from .files import link_page, refresh_pages, same_bytes
from .fingerprints import BUILDER_VERSION, Fingerprints, remember_records
from .rendering import PARALLEL_MIN_PAGES, Rendering, compile_theme, render_pages, run_pelican
from .site import Page, Site
from .theme import THEME_DIR, Assets, render, standalone_environment, write_theme_assets

__all__ = [
    "BUILDER_VERSION",
    "BuildError",
    "BuildReport",
    "build_portal",
    "live_assets",
    "render_page",
    "warm_up",
]

# The theme's deferred scripts on every page (service worker, requirement checklist).
THEME_SCRIPTS = ("santer.js",)


@dataclass
class BuildReport:
    out_dir: Path
    build_dir: Path
    pages: int  # HTML pages in the site
    rendered: int  # pages rendered in this build
    reused: int  # unchanged pages hard-linked from the previous build
    seconds: float
    cleanup: threading.Thread | None = None  # deleting retired builds, after the switch
    recycled: str | None = None  # the spare build this one was made from (None: a fresh folder)
    removed: int = 0  # pages the previous build had and this one has not
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, for the logs

    def summary(self) -> str:
        return (
            f"{self.pages} halaman ({self.rendered} dibuat ulang, {self.reused} tidak berubah) "
            f"dalam {self.seconds:.2f} s → {self.out_dir}"
        )

    def breakdown(self) -> str:
        """Where the time went (English, for the worker log and the benchmarks)."""
        steps = ", ".join(f"{name} {seconds:.2f}" for name, seconds in self.phases.items())
        return f"{'recycled' if self.recycled else 'fresh'} folder; {steps}"


def build_portal(
    catalogue: Catalogue,
    out_dir: str | os.PathLike,
    site_url: str,
    *,
    theme_dir: str | os.PathLike = THEME_DIR,
    jobs: int | None = None,
    reuse: bool = True,
    search: bool = True,
    search_api: bool = False,
    search_log_url: str = "",
    feedback_url: str = "",
) -> BuildReport:
    """Build the portal for `catalogue` and make it live at `out_dir` (a symlink to the build).

    reuse=False renders every page even when the previous build has it unchanged.
    search=False leaves out the search index (search.portal), e.g. for the page benchmark.
    search_api: the portal is served next to the CMS's /api/search (Elasticsearch configured), which
    the search page then asks first.
    search_log_url: where the pages report finished searches (the data-search-log attribute); "" none.
    feedback_url: where the service pages' feedback form posts (<form data-feedback action>); "" no form.
    Raises BuildError; `out_dir` then still serves exactly what it served before.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir).absolute()
    theme_dir = Path(theme_dir)
    try:
        catalogue.check_references()
    except RecordError as exc:
        raise BuildError(f"Katalog tidak valid: {exc}") from exc
    phases: dict[str, float] = {}
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = now - mark
        mark = now

    with publish.build_lock(out_dir):
        previous = publish.current_build(out_dir)
        live_manifest = publish.read_manifest(previous)
        previous_manifest = live_manifest if reuse else {}
        # Recycle only next to a live build whose manifest lends the pages that differ.
        live_pages = len(previous_manifest.get("pages", ()))
        spare = publish.recyclable_build(out_dir, live_pages) if live_pages else None
        if spare is not None:
            partial, spare_manifest = publish.recycle_build(out_dir, spare)
            recycled = spare_manifest.get("pages", {})
        else:
            partial, recycled = publish.start_build(out_dir), None
        job = None
        try:
            # The page list, fingerprints and sitemaps: hundreds of thousands of small objects at
            # national scale and no cycles (rendering, which may make some, keeps the collector).
            with cyclic_gc_paused():
                job = BuildJob(
                    Site(catalogue, site_url, search_log_url, feedback_url),
                    partial,
                    theme_dir,
                    previous=previous,
                    previous_manifest=previous_manifest,
                    jobs=jobs,
                    recycled=recycled,
                )
                phase("start")
                job.write_theme(catalogue, search, search_api)
                phase("assets")
            run_pelican(job, theme_dir, site_url)  # the pages, and the search index meanwhile
            phase("pages+search")
            with cyclic_gc_paused():
                job.write_extras()
            phase("extras")
            final = publish.finish_build(partial, job.manifest())
            job.remember_digests()
        except BaseException as exc:
            if job is not None:
                job.stop_early_linking()
            shutil.rmtree(partial, ignore_errors=True)
            if isinstance(exc, BuildError):
                raise
            if isinstance(exc, RecordError | TemplateError | OSError | KeyError | ValueError | TypeError):
                raise BuildError(f"Portal gagal dibangun: {type(exc).__name__}: {exc}") from exc
            raise
        publish.switch(out_dir, final)
        cleanup = publish.prune(out_dir)
        phase("switch")
    return BuildReport(
        out_dir,
        final,
        len(job.pages),
        job.rendered,
        job.reused,
        time.perf_counter() - started,
        cleanup,
        spare.name if spare is not None else None,
        len(set(live_manifest.get("pages", ())) - set(job.fingerprints)),
        phases,
    )


@dataclass
class _EarlyPages:
    """Pages put in place while the search index is built (see BuildJob._start_linking)."""

    future: Future  # of the paths linked from the live build
    pool: ProcessPoolExecutor | None  # None: done already, in this process
    kept: set[str]  # pages a recycled build already holds as they must be


class BuildJob:
    """One build: which pages to render, which to reuse, and writing them into `build_dir`.

    `recycled`: the page fingerprints of the spare build that `build_dir` was renamed from
    (publish.recycle_build), None for a fresh folder. Its files are hard links shared with
    other builds, so a file that must change is unlinked, never written in place.
    """

    def __init__(self, site, build_dir, theme_dir, *, previous, previous_manifest, jobs, recycled=None):
        self.site = site
        self.build_dir = Path(build_dir)
        self.theme_dir = Path(theme_dir)
        self.previous = previous
        self.previous_manifest = previous_manifest
        self.jobs = jobs or min(os.cpu_count() or 1, 4)
        self.pages: list[Page] = site.pages()
        self.env = None
        self.assets: Assets | None = None
        self.theme_urls: dict[str, str] = {}
        self.fingerprints: dict[str, str] = {}
        self.rendered = 0
        self.reused = 0
        self._made_dirs: set[Path] = set()  # one mkdir per folder, not per linked page
        self._fingerprinter = Fingerprints(
            self.pages, self.theme_dir, (site.site_url, site.search_log_url, site.feedback_url)
        )
        self._early: _EarlyPages | None = None
        self._to_render: list[int] = []  # indices of the pages known to change, but /cari/
        self._search: tuple = (None, False, False)  # (catalogue, search index wanted, search API)
        self._assumed: dict = {}  # the every-page assets, known before the search index
        self.recycled: dict[str, str] | None = recycled

    # ---------------------------------------------------------------- assets
    def write_theme(self, catalogue: Catalogue, search: bool, search_api: bool = False) -> None:
        """The theme's assets, and the pages that stay as they are put in place (in a forked
        process when many) while the pages and the search index are made (write_pages)."""
        self._search = (catalogue, search, search_api)
        if self.recycled is not None:
            self._clear_recycled()
        urls = write_theme_assets(self.theme_dir, self.build_dir)
        self.theme_urls = urls
        # Pages other than /cari/ do not depend on the search index, only on the every-page
        # scripts, which are known before it.
        self._assumed = {
            "css": urls["santer.css"],
            "page_scripts": [*self._theme_scripts(), *(search_page_scripts() if search else [])],
        }
        # A recycled build must lose its stale pages before anything is written.
        if search or self.recycled is not None:
            self._early = self._start_linking()
        compressor = PortalCompressor(assets=True)
        for url in urls.values():
            path = str(self.build_dir / url.lstrip("/"))
            with open(path, "rb") as fh:
                compressor.compress_data(path, fh.read())

    def _write_search(self) -> None:
        """The search index (when wanted) and the assets every page refers to."""
        catalogue, search, search_api = self._search
        # The live build lends its unchanged search index files (an update changes few of them).
        lender = self.previous if self.previous_manifest else None
        result = (
            write_search_assets(catalogue, self.build_dir, lender, search_api=search_api) if search else {}
        )
        self.assets = Assets(
            css=self.theme_urls["santer.css"],
            search_scripts=tuple(result.get("scripts", ())),
            page_scripts=(*self._theme_scripts(), *result.get("page_scripts", ())),
        )

    def _theme_scripts(self) -> list[str]:
        """The URLs of the theme's every-page scripts (written by write_theme)."""
        return [self.theme_urls[name] for name in THEME_SCRIPTS if name in self.theme_urls]

    # ---------------------------------------------------------------- pages
    def _clear_recycled(self) -> None:
        """Take out of a recycled build all that is not a page (theme assets, search index, sitemap…):
        it is written anew, exactly as into a fresh folder. Folders that hold pages hold nothing
        else (the builder writes only pages there); the pages themselves are dealt with later.
        """
        pages = self.recycled
        tops = _top_folders(pages)
        for entry in os.scandir(self.build_dir):
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in tops:  # whole folders go in one rename; prune deletes them
                    os.rename(
                        entry.path,
                        self.build_dir.parent / f"{publish.TRASH}{self.build_dir.name}-{entry.name}",
                    )
            elif entry.name.removesuffix(".br").removesuffix(".gz") not in pages:
                os.unlink(entry.path)

    def _start_linking(self) -> _EarlyPages | None:
        """While the search index is built (CPU), link the unchanged pages (file system calls) in a
        forked process: the two overlap on two cores. Also notes the pages known to change
        (`_to_render`), which write_pages renders meanwhile. None when there is nothing to link.

        A recycled build keeps its pages that are already as they must be, loses the others
        (and those no longer in the site), and links those unchanged since the live build:
        usually a few dozen calls, done here rather than in a forked process.
        """
        lending = bool(self.previous and self.previous_manifest)
        recycling = self.recycled is not None
        self.fingerprints = self._fingerprints(self._assumed, None)
        old = self.previous_manifest.get("pages", {}) if lending else {}
        kept: set[str] = set()
        if recycling:
            kept = {
                path
                for path, fingerprint in self.fingerprints.items()
                if self.recycled.get(path) == fingerprint
            }
        self._to_render = [
            index
            for index, page in enumerate(self.pages)
            if page.path in self.fingerprints  # not /cari/ (not yet known)
            and page.path not in kept
            and old.get(page.path) != self.fingerprints[page.path]
        ]
        if not recycling and not (lending and len(self.pages) >= PARALLEL_MIN_PAGES):
            return None
        stale: list[str] = []
        gone: list[str] = []
        keep_folders: set[str] = set()
        if recycling:
            # Pages to render are replaced where they are (write_page unlinks first), not unlinked
            # here: the two run at once.
            rendering = {self.pages[index].path for index in self._to_render}
            stale = [path for path in self.recycled if path not in kept and path not in rendering]
            site_paths = {page.path for page in self.pages}
            gone = [path for path in stale if path not in site_paths]
            if gone:
                keep_folders = {folder for path in rendering for folder in _folders_of(path)}
        unchanged = [
            path
            for path, fingerprint in self.fingerprints.items()
            if path not in kept and old.get(path) == fingerprint
        ]
        args = (str(self.previous), str(self.build_dir), stale, gone, unchanged, keep_folders)
        if len(stale) + len(unchanged) < PARALLEL_MIN_PAGES:
            done: Future = Future()
            done.set_result(refresh_pages(*args))
            return _EarlyPages(done, None, kept)
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        return _EarlyPages(pool.submit(refresh_pages, *args), pool, kept)

    def _fingerprints(self, page_assets: dict, search_scripts: list[str] | None) -> dict[str, str]:
        return self._fingerprinter.of(page_assets, search_scripts)

    def remember_digests(self) -> None:
        """Let the next build in this process start from this one's record digests."""
        self._fingerprinter.remember()

    def prepare(self, env) -> None:
        """Called by the Pelican generator with its Jinja environment: compile every template once."""
        self.env = env
        for name in {page.template for page in self.pages}:
            env.get_template(name)

    def _early_links(self) -> set[str]:
        """The pages already in place: linked early, or kept in a recycled build."""
        if not self._early:
            return set()
        early = self._early
        try:
            return set(early.future.result()) | early.kept
        finally:
            if early.pool:
                early.pool.shutdown()

    def stop_early_linking(self) -> None:
        """A failed build: do not leave the linking process behind."""
        if self._early and self._early.pool:
            self._early.pool.shutdown(cancel_futures=True)
        self._early = None

    def _undo_early_links(self) -> None:
        for relative in self._early_links():
            unlink_with_copies(self.build_dir / relative)
        self._early = None

    def write_pages(self) -> None:
        """The pages known to change render in forked processes while this one builds the search
        index; then the search page, and the pages the early linking could not put in place."""
        _, search, _ = self._search
        early = self._to_render if search and self.jobs > 1 else []
        rendering = None
        if len(early) >= PARALLEL_MIN_PAGES:
            assumed = Assets(css=self._assumed["css"], page_scripts=tuple(self._assumed["page_scripts"]))
            rendering = Rendering(self, early, assumed)
        try:
            self._write_search()
            # The search scripts' names change with the index (every publish) but only the search
            # page carries them (theme.render): they must not make every other page look changed.
            page_assets = {"css": self.assets.css, "page_scripts": list(self.assets.page_scripts)}
            if page_assets != self._assumed:  # the every-page scripts were not what was assumed
                if self._early:
                    self._undo_early_links()
                if rendering:
                    rendering.wait()  # and rendered again below
                    rendering = None
            self.fingerprints = self._fingerprints(page_assets, list(self.assets.search_scripts))
            old = self.previous_manifest.get("pages", {}) if self.previous else {}
            linked = self._early_links()
            self._early = None
            done = set(early) if rendering else set()
            queue = []
            for index, page in enumerate(self.pages):
                if index in done:
                    continue
                unchanged = old.get(page.path) == self.fingerprints[page.path]
                if page.path in linked or (unchanged and self._link_previous(page.path)):
                    self.reused += 1
                else:
                    queue.append(index)
            self.rendered = len(queue) + len(done)
            render_pages(self, queue)
            if rendering:
                rendering.wait()
        except BaseException:
            if rendering:
                rendering.cancel()
            raise

    def _link_previous(self, relative: str) -> bool:
        return link_page(self.previous, self.build_dir, relative, self._made_dirs)

    # ---------------------------------------------------------------- the rest
    def write_extras(self) -> None:
        compressor = PortalCompressor()
        sitemaps = self.site.sitemaps(self.pages)
        for name, text in (
            *sitemaps.items(),
            ("robots.txt", self.site.robots()),
            ("manifest.webmanifest", pwa.manifest(self.theme_urls)),
            ("sw.js", pwa.service_worker(self.theme_urls, list(self.assets.page_scripts))),
        ):
            path = self.build_dir / name
            data = text.encode("utf-8")
            path.write_bytes(data)
            compressor.compress_data(str(path), data)
        self._link_unchanged_compressed(SEARCH_DIR)
        done = (
            {page.path for page in self.pages}
            | set(sitemaps)
            | {
                "robots.txt",
                "manifest.webmanifest",
                "sw.js",
            }
        )
        # Folders of pages and of theme assets hold nothing else, all compressed already.
        skip_dirs = self._page_folders() | {
            url.lstrip("/").split("/", 1)[0] for url in self.theme_urls.values()
        }
        for dirpath, dirs, files in os.walk(self.build_dir):
            if dirpath == str(self.build_dir):
                dirs[:] = [d for d in dirs if d not in skip_dirs]
            names = set(files)
            for name in files:
                # the cheap checks first: the search index alone is tens of thousands of files
                if not name.endswith(TEXT_EXTENSIONS) or f"{name}.br" in names or f"{name}.gz" in names:
                    continue
                path = os.path.join(dirpath, name)
                if os.path.relpath(path, self.build_dir) in done:
                    continue
                with open(path, "rb") as fh:
                    compressor.compress_data(path, fh.read())

    def _page_folders(self) -> set[str]:
        return _top_folders(page.path for page in self.pages)

    def _link_unchanged_compressed(self, folder: str) -> None:
        """Files under `folder` identical to the live build's take its .br/.gz (hard links).

        The search index is rewritten on every publish under a new digest folder, but a
        publish changes few of its files; recompressing the others costs most of an update.
        """
        if not (self.previous and self.previous_manifest):
            return  # a full build compresses everything itself
        old_roots = [d for d in (self.previous / folder).glob("*") if d.is_dir()]
        for new_root in (d for d in (self.build_dir / folder).glob("*") if d.is_dir()):
            for old_root in old_roots:
                for dirpath, _dirs, files in os.walk(new_root):
                    names = set(files)
                    for name in files:
                        if name.endswith((".br", ".gz")) or f"{name}.br" in names or f"{name}.gz" in names:
                            continue  # already linked with its compressed copies by search.portal
                        new = os.path.join(dirpath, name)
                        old = os.path.join(old_root, os.path.relpath(new, new_root))
                        if same_bytes(old, new):
                            link_copies(old, new)

    def manifest(self) -> dict:
        return {
            "builder": BUILDER_VERSION,
            "site_url": self.site.site_url,
            "assets": self.assets.to_dict(),
            "pages": self.fingerprints,
        }


SEARCH_DIR = urls.SEARCH_FILES.strip("/")


def _folders_of(path: str) -> list[str]:
    """The folders a build file is in ("layanan/ktp/index.html" → "layanan/ktp", "layanan")."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _top_folders(paths) -> set[str]:
    """The build's top-level folders holding these files ("layanan/ktp/index.html" → "layanan")."""
    return {path.split("/", 1)[0] for path in paths if "/" in path}


def warm_up(catalogue: Catalogue, theme_dir: str | os.PathLike = THEME_DIR) -> None:
    """Prepare in this process what an update reuses: the record digests of every page, the
    theme's compiled templates and the search index state. A long-running publisher calls it when
    it starts, so its first update costs what any later one does."""
    remember_records(catalogue)
    compile_theme(Path(theme_dir))
    if importlib.util.find_spec("search.static_index") is not None:
        from search.static_index import build_index

        build_index(catalogue)


def search_page_scripts() -> list[str]:
    """The every-page search scripts, known before the index is built."""
    if importlib.util.find_spec("search.portal") is None:
        return []
    from search.portal import page_scripts

    return list(page_scripts())


def write_search_assets(
    catalogue: Catalogue, site_dir: Path, previous_site: Path | None = None, *, search_api: bool = False
) -> dict:
    """The static search index and its scripts, written by the search package when it is there."""
    if importlib.util.find_spec("search.portal") is None:
        return {}
    from search.portal import write_search_assets as write

    result = write(catalogue, site_dir, previous_site, search_api=search_api) or {}
    return {
        "scripts": list(result.get("scripts", ())),
        "page_scripts": list(result.get("page_scripts", result.get("boot_scripts", ()))),
    }


# ------------------------------------------------------------------ single pages (preview, checks)
def live_assets(out_dir: str | os.PathLike) -> Assets | None:
    """The asset URLs of the build served at `out_dir`, so a page rendered alone matches it."""
    manifest = publish.read_manifest(publish.current_build(Path(out_dir).absolute()))
    data = manifest.get("assets")
    if not data:
        return None
    return Assets(data["css"], tuple(data["search_scripts"]), tuple(data["page_scripts"]))


def render_page(
    catalogue: Catalogue,
    site_url: str,
    url: str,
    *,
    assets: Assets | None = None,
    theme_dir: str | os.PathLike = THEME_DIR,
    search_log_url: str = "",
    feedback_url: str = "",
) -> bytes:
    """The bytes of one page (by URL path, e.g. "/layanan/ktp-el-pemula/") exactly as a build writes it.

    Pass the live build's `live_assets(out_dir)` to match the live site; without it the
    theme's stylesheet is used and no search scripts.
    """
    from .theme import theme_assets

    site = Site(catalogue, site_url, search_log_url, feedback_url)
    wanted = {page.url: page for page in site.pages()}
    if url not in wanted:
        raise KeyError(f"the portal has no page at {url}")
    if assets is None:
        assets = Assets(css="/" + theme_assets(Path(theme_dir))["santer.css"][0])
    return render(standalone_environment(Path(theme_dir)), wanted[url], assets)
