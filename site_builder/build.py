"""build_portal: catalogue records in, a complete static portal out, switched in atomically.

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
- better still, an update recycles a spare build retired a while ago (publish.recyclable_build):
  its pages are already there, so only the pages that differ from it are replaced — a few dozen
  file system calls instead of linking 10k folders.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from catalogue import Catalogue, RecordError

from . import publish
from .compress import ASSET_BROTLI_QUALITY, TEXT_EXTENSIONS, PortalCompressor
from .site import Page, Site, record_digest
from .theme import THEME_DIR, Assets, render, standalone_environment, theme_fingerprint, write_theme_assets

BUILDER_VERSION = "1"  # bump when output changes without a theme change, to invalidate reuse
WRITER_THREADS = 4  # per render process
PARALLEL_MIN_PAGES = 400  # below this, starting worker processes costs more than it saves


class BuildError(Exception):
    """The portal could not be built; the live folder was not touched."""


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
    search_log_url: str = "",
) -> BuildReport:
    """Build the portal for `catalogue` and make it live at `out_dir` (a symlink to the build).

    reuse=False renders every page even when the previous build has it unchanged.
    search=False leaves out the search index (search.portal), e.g. for the page benchmark.
    search_log_url: where the pages report finished searches (the data-search-log attribute); "" none.
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
            job = BuildJob(
                Site(catalogue, site_url, search_log_url),
                partial,
                theme_dir,
                previous=previous,
                previous_manifest=previous_manifest,
                jobs=jobs,
                recycled=recycled,
            )
            phase("start")
            job.write_assets(catalogue, search)
            phase("assets+search")
            run_pelican(job, theme_dir, site_url)
            phase("pages")
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


def run_pelican(job: BuildJob, theme_dir: Path, site_url: str) -> None:
    """Pelican as a library: our plugin's generator does the work; built-in content is switched off."""
    from pelican import Pelican
    from pelican.log import console
    from pelican.settings import read_settings

    from . import pelican_plugin
    from .theme import JINJA_OPTIONS

    with tempfile.TemporaryDirectory(prefix="santer-pelican-") as empty_content:
        settings = read_settings(
            override={
                "PATH": empty_content,
                "OUTPUT_PATH": str(job.build_dir),
                "THEME": str(theme_dir),
                "SITEURL": site_url.rstrip("/"),
                "SITENAME": "Santer",
                "DEFAULT_LANG": "id",
                "READERS": {"rst": None, "html": None, "htm": None},  # no source files to read
                "TIMEZONE": "Asia/Makassar",
                "PLUGINS": [pelican_plugin],
                "JINJA_ENVIRONMENT": dict(JINJA_OPTIONS),
                "ARTICLE_PATHS": [],
                "PAGE_PATHS": [],
                "STATIC_PATHS": [],
                "THEME_STATIC_PATHS": [],
                "DIRECT_TEMPLATES": [],
                "PAGINATED_TEMPLATES": {},
                "FEED_ALL_ATOM": None,
                "CATEGORY_FEED_ATOM": None,
                "TRANSLATION_FEED_ATOM": None,
                "AUTHOR_FEED_ATOM": None,
                "AUTHOR_FEED_RSS": None,
                "DELETE_OUTPUT_DIRECTORY": False,
                "CACHE_CONTENT": False,
                "LOAD_CONTENT_CACHE": False,
                pelican_plugin.JOB_SETTING: job,
            }
        )
        quiet = console.quiet
        console.quiet = True  # Pelican prints "Done: 0 articles…" about its own, unused, generators
        try:
            Pelican(settings).run()
        finally:
            console.quiet = quiet
    if job.env is None:
        raise BuildError("Pelican did not run the Santer generator (plugin not registered).")


@dataclass
class _EarlyPages:
    """Pages put in place while the search index is built (see BuildJob._start_linking)."""

    page_assets: dict  # the every-page assets assumed for their fingerprints
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
        self.fingerprints: dict[str, str] = {}
        self.rendered = 0
        self.reused = 0
        self._made_dirs: set[Path] = set()  # one mkdir per folder, not per linked page
        # record_digest by record identity (with the record, so a reused id is never mistaken)
        self._digests: dict[int, tuple[object, str]] = {}
        self._theme_fingerprint: str | None = None
        self._page_fingerprints: tuple[str, dict[str, str]] | None = None  # (salt, all but /cari/)
        self._early: _EarlyPages | None = None
        self.recycled: dict[str, str] | None = recycled

    # ---------------------------------------------------------------- assets
    def write_assets(self, catalogue: Catalogue, search: bool) -> None:
        if self.recycled is not None:
            self._clear_recycled()
        urls = write_theme_assets(self.theme_dir, self.build_dir)
        # A recycled build must lose its stale pages before anything is written.
        early = (
            self._start_linking(urls["santer.css"], search) if search or self.recycled is not None else None
        )
        try:
            # The live build lends its unchanged search index files (an update changes few of them).
            lender = self.previous if self.previous_manifest else None
            search_result = write_search_assets(catalogue, self.build_dir, lender) if search else {}
        except BaseException:
            if early and early.pool:
                early.pool.shutdown(cancel_futures=True)
            raise
        self.assets = Assets(
            css=urls["santer.css"],
            search_scripts=tuple(search_result.get("scripts", ())),
            page_scripts=tuple(search_result.get("page_scripts", ())),
        )
        if early:
            self._early = early
        compressor = PortalCompressor(ASSET_BROTLI_QUALITY)
        for url in urls.values():
            path = str(self.build_dir / url.lstrip("/"))
            with open(path, "rb") as fh:
                compressor.compress_data(path, fh.read())

    # ---------------------------------------------------------------- pages
    def _clear_recycled(self) -> None:
        """Take out of a recycled build all that is not a page (theme assets, search index, sitemap…):
        it is written anew, exactly as into a fresh folder. Folders that hold pages hold nothing
        else (the builder writes only pages there); the pages themselves are dealt with later.
        """
        pages = self.recycled
        tops = {path.split("/", 1)[0] for path in pages}
        for entry in os.scandir(self.build_dir):
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in tops:  # whole folders go in one rename; prune deletes them
                    os.rename(
                        entry.path,
                        self.build_dir.parent / f"{publish.TRASH}{self.build_dir.name}-{entry.name}",
                    )
            elif entry.name.removesuffix(".br").removesuffix(".gz") not in pages:
                os.unlink(entry.path)

    def _start_linking(self, css: str, search: bool = True) -> _EarlyPages | None:
        """While the search index is built (CPU), link the unchanged pages (file system calls) in a
        forked process: the two overlap on two cores. Pages other than /cari/ do not depend on the
        index, only on the every-page scripts, which are known before it. None when there is little
        to link.

        A recycled build keeps its pages that are already as they must be, loses the others
        (and those no longer in the site), and links those unchanged since the live build:
        usually a few dozen calls, done here rather than in a forked process.
        """
        lending = bool(self.previous and self.previous_manifest)
        recycling = self.recycled is not None
        if not recycling and not (lending and len(self.pages) >= PARALLEL_MIN_PAGES):
            return None
        page_assets = {"css": css, "page_scripts": search_page_scripts() if search else []}
        self.fingerprints = self._fingerprints(page_assets, None)
        old = self.previous_manifest.get("pages", {}) if lending else {}
        kept: set[str] = set()
        stale: list[str] = []
        gone: list[str] = []
        if recycling:
            kept = {
                path
                for path, fingerprint in self.fingerprints.items()
                if self.recycled.get(path) == fingerprint
            }
            stale = [path for path in self.recycled if path not in kept]  # includes /cari/ (not yet known)
            site_paths = {page.path for page in self.pages}
            gone = [path for path in stale if path not in site_paths]
        unchanged = [
            path
            for path, fingerprint in self.fingerprints.items()
            if path not in kept and old.get(path) == fingerprint
        ]
        args = (str(self.previous), str(self.build_dir), stale, gone, unchanged)
        if len(stale) + len(unchanged) < PARALLEL_MIN_PAGES:
            done: Future = Future()
            done.set_result(_refresh_pages(*args))
            return _EarlyPages(page_assets, done, None, kept)
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        return _EarlyPages(page_assets, pool.submit(_refresh_pages, *args), pool, kept)

    def _fingerprints(self, page_assets: dict, search_scripts: list[str] | None) -> dict[str, str]:
        """Each page's inputs, hashed; search_scripts=None leaves out the search page.

        The other pages' fingerprints are computed once per build for the same page assets
        (the early linking and prepare() ask for them both).
        """
        if self._theme_fingerprint is None:
            self._theme_fingerprint = theme_fingerprint(self.theme_dir)
        salt = "|".join(
            (
                BUILDER_VERSION,
                self._theme_fingerprint,
                self.site.site_url,
                self.site.search_log_url,
                repr(page_assets),
            )
        )
        if self._page_fingerprints is None or self._page_fingerprints[0] != salt:
            pages = [page for page in self.pages if page.template != "search.html"]
            self._page_fingerprints = (salt, self._hash_pages(salt, "", pages))
        fingerprints = dict(self._page_fingerprints[1])
        if search_scripts is not None:
            search_pages = [page for page in self.pages if page.template == "search.html"]
            fingerprints.update(self._hash_pages(salt, repr(search_scripts), search_pages))
        return fingerprints

    def _hash_pages(self, salt: str, extra: str, pages: list[Page]) -> dict[str, str]:
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
        for page in pages:
            text = "\0".join((salt, extra, page.path, page.template, *(digest(d) for d in page.deps)))
            fingerprints[page.path] = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        return fingerprints

    def remember_digests(self) -> None:
        """Let the next build in this process start from this one's record digests."""
        global _DIGEST_MEMO
        _DIGEST_MEMO = self._digests

    def prepare(self, env) -> None:
        """Called by the Pelican generator with its Jinja environment: compile every template once."""
        self.env = env
        for name in {page.template for page in self.pages}:
            env.get_template(name)
        # The search scripts' names change with the index (every publish) but only the search
        # page carries them (theme.render): they must not make every other page look changed.
        page_assets = {"css": self.assets.css, "page_scripts": list(self.assets.page_scripts)}
        if self._early and self._early.page_assets != page_assets:
            self._undo_early_links()  # the every-page scripts were not what was assumed
        self.fingerprints = self._fingerprints(page_assets, list(self.assets.search_scripts))

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
            for suffix in ("", ".br", ".gz"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.build_dir / f"{relative}{suffix}")
        self._early = None

    def write_pages(self) -> None:
        old = self.previous_manifest.get("pages", {}) if self.previous else {}
        linked = self._early_links()
        self._early = None
        queue = []
        for index, page in enumerate(self.pages):
            unchanged = old.get(page.path) == self.fingerprints[page.path]
            if page.path in linked or (unchanged and self._link_previous(page.path)):
                self.reused += 1
            else:
                queue.append(index)
        self.rendered = len(queue)
        if len(queue) < PARALLEL_MIN_PAGES or self.jobs < 2:
            self.render_indices(queue)
            return
        global _ACTIVE_JOB
        _ACTIVE_JOB = self
        chunks = [queue[i :: self.jobs * 4] for i in range(self.jobs * 4)]
        try:
            with ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_render_chunk, chunk) for chunk in chunks if chunk]
                try:
                    for future in futures:
                        future.result()
                except BaseException:
                    pool.shutdown(cancel_futures=True)
                    raise
        finally:
            _ACTIVE_JOB = None

    def render_indices(self, indices: list[int]) -> int:
        """Render, write and compress pages; file creation waits on the disk, so threads do it."""
        compressor = PortalCompressor()
        replace = self.recycled is not None
        with ThreadPoolExecutor(WRITER_THREADS) as writers:
            pending = []
            for index in indices:
                page = self.pages[index]
                try:
                    data = render(self.env, page, self.assets)
                except Exception as exc:
                    raise BuildError(
                        f"Halaman {page.url} (templat {page.template}) gagal: {type(exc).__name__}: {exc}"
                    ) from None
                path = str(self.build_dir / page.path)
                pending.append(writers.submit(_write_page, compressor, path, data, replace))
            for future in pending:
                future.result()
        return len(indices)

    def _link_previous(self, relative: str) -> bool:
        return _link_page(self.previous, self.build_dir, relative, self._made_dirs)

    # ---------------------------------------------------------------- the rest
    def write_extras(self) -> None:
        compressor = PortalCompressor()
        for name, text in (
            ("sitemap.xml", self.site.sitemap(self.pages)),
            ("robots.txt", self.site.robots()),
        ):
            path = self.build_dir / name
            data = text.encode("utf-8")
            path.write_bytes(data)
            compressor.compress_data(str(path), data)
        self._link_unchanged_compressed(SEARCH_DIR)
        done = {page.path for page in self.pages} | {"sitemap.xml", "robots.txt"}
        skip_dirs = {"layanan", "assets"}  # pages and theme assets are compressed already
        for dirpath, dirs, files in os.walk(self.build_dir):
            if dirpath == str(self.build_dir):
                dirs[:] = [d for d in dirs if d not in skip_dirs]
            names = set(files)
            for name in files:
                path = os.path.join(dirpath, name)
                relative = os.path.relpath(path, self.build_dir)
                if relative in done or not name.endswith(TEXT_EXTENSIONS):
                    continue
                if f"{name}.br" in names or f"{name}.gz" in names:
                    continue
                with open(path, "rb") as fh:
                    compressor.compress_data(path, fh.read())

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
                        new = os.path.join(dirpath, name)
                        old = os.path.join(old_root, os.path.relpath(new, new_root))
                        if name.endswith((".br", ".gz")) or f"{name}.br" in names or f"{name}.gz" in names:
                            continue  # already linked with its compressed copies by search.portal
                        if not _same_bytes(old, new):
                            continue
                        for suffix in (".br", ".gz"):
                            with contextlib.suppress(FileNotFoundError, FileExistsError):
                                os.link(old + suffix, new + suffix)

    def manifest(self) -> dict:
        return {
            "builder": BUILDER_VERSION,
            "site_url": self.site.site_url,
            "assets": self.assets.to_dict(),
            "pages": self.fingerprints,
        }


_ACTIVE_JOB: BuildJob | None = None
# The last build's record digests. The publish worker keeps unchanged records between updates
# (cms.publishing.live), so hashing 10k service records again each time is avoided.
_DIGEST_MEMO: dict[int, tuple[object, str]] = {}
SEARCH_DIR = "_search"


def _same_bytes(a: str, b: str) -> bool:
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except FileNotFoundError:
        return False


def _write_page(compressor: PortalCompressor, path: str, data: bytes, replace: bool = False) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if replace:
        # In a recycled build a file left here would be a hard link into the live build: writing
        # through it would change the live site. (Stale pages are unlinked already; this makes sure.)
        for suffix in ("", ".br", ".gz"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path + suffix)
    with open(path, "wb") as fh:
        fh.write(data)
    compressor.compress_data(path, data)  # brotli and zlib release the GIL while compressing


def _link_page(previous: Path, build_dir: Path, relative: str, made_dirs: set[Path]) -> bool:
    """Hard-link a page and its .br/.gz from the previous build; False when it cannot."""
    source = previous / relative
    target = build_dir / relative
    if target.parent not in made_dirs:
        target.parent.mkdir(parents=True, exist_ok=True)
        made_dirs.add(target.parent)
    try:
        os.link(source, target)
    except OSError:
        return False  # missing, another file system or no hard links: render instead
    for suffix in (".br", ".gz"):
        with contextlib.suppress(FileNotFoundError):
            os.link(f"{source}{suffix}", f"{target}{suffix}")
    return True


def _link_pages(previous: str, build_dir: str, paths: list[str]) -> list[str]:
    """Runs in a forked process: the pages it could link (the others are rendered)."""
    made: set[Path] = set()
    return [relative for relative in paths if _link_page(Path(previous), Path(build_dir), relative, made)]


def _refresh_pages(
    previous: str, build_dir: str, stale: list[str], gone: list[str], link: list[str]
) -> list[str]:
    """Unlink the `stale` pages (with .br/.gz) of a recycled build, drop the folders of those `gone`
    from the site, then link `link` from the live build; returns the pages linked."""
    for relative in stale:
        for suffix in ("", ".br", ".gz"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(build_dir, relative + suffix))
    root = Path(build_dir)
    for relative in gone:
        folder = (root / relative).parent
        while folder != root:
            try:
                folder.rmdir()
            except OSError:  # not empty: other pages live there
                break
            folder = folder.parent
    return _link_pages(previous, build_dir, link) if link else []


def _render_chunk(indices: list[int]) -> int:
    """Runs in a forked worker: the job (templates compiled, catalogue loaded) is inherited."""
    return _ACTIVE_JOB.render_indices(indices)


def search_page_scripts() -> list[str]:
    """The every-page search scripts, known before the index is built."""
    if importlib.util.find_spec("search.portal") is None:
        return []
    from search.portal import page_scripts

    return list(page_scripts())


def write_search_assets(catalogue: Catalogue, site_dir: Path, previous_site: Path | None = None) -> dict:
    """The static search index and its scripts, written by the search package when it is there."""
    if importlib.util.find_spec("search.portal") is None:
        return {}
    from search.portal import write_search_assets as write

    result = write(catalogue, site_dir, previous_site) or {}
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
) -> bytes:
    """The bytes of one page (by URL path, e.g. "/layanan/ktp-el-pemula/") exactly as a build writes it.

    Pass the live build's `live_assets(out_dir)` to match the live site; without it the
    theme's stylesheet is used and no search scripts.
    """
    from .theme import theme_assets

    site = Site(catalogue, site_url, search_log_url)
    wanted = {page.url: page for page in site.pages()}
    if url not in wanted:
        raise KeyError(f"the portal has no page at {url}")
    if assets is None:
        assets = Assets(css="/" + theme_assets(Path(theme_dir))["santer.css"][0])
    return render(standalone_environment(Path(theme_dir)), wanted[url], assets)
