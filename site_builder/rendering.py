"""Rendering pages: Pelican as a library, and the pages rendered, written and compressed in
parallel (forked worker processes share the compiled templates and the catalogue; threads
wait on the disk).
"""

from __future__ import annotations

import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from jinja2 import BytecodeCache

from .compress import PortalCompressor
from .errors import BuildError
from .files import write_page
from .theme import render

WRITER_THREADS = 4  # per render process
PARALLEL_MIN_PAGES = 400  # below this, starting worker processes costs more than it saves


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept for the next build in this process. Pelican makes a new Jinja
    environment for every build, and compiling the theme costs 0.3–0.7 s, most of a publish's
    page step at 10,000 services; the publish worker builds again and again. Jinja compares each
    template's source checksum on load, so an edited theme is compiled again."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = MemoryBytecodeCache()


def run_pelican(job, theme_dir: Path, site_url: str) -> None:
    """Pelican as a library: our plugin's generator does the work (job.prepare, job.write_pages);
    built-in content is switched off."""
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
                "JINJA_ENVIRONMENT": {**JINJA_OPTIONS, "bytecode_cache": TEMPLATE_CACHE},
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


class _CompileOnly:
    """A build job that only loads every template of the theme: their compiled code stays in
    TEMPLATE_CACHE for the builds that follow (the same Pelican environment a build gets)."""

    def __init__(self, build_dir: Path, theme_dir: Path):
        self.build_dir = build_dir
        self.env = None
        templates = theme_dir / "templates"
        # the theme's own, not Pelican's built-in ones its loader also lists
        self.templates = sorted(str(p.relative_to(templates)) for p in templates.rglob("*.html"))

    def prepare(self, env) -> None:
        self.env = env
        for name in self.templates:
            env.get_template(name)

    def write_pages(self) -> None:
        pass


def compile_theme(theme_dir: Path) -> None:
    """Compile the theme's templates into TEMPLATE_CACHE, before the first build of a process."""
    with tempfile.TemporaryDirectory(prefix="santer-compile-") as out:
        run_pelican(_CompileOnly(Path(out), Path(theme_dir)), Path(theme_dir), "http://localhost")


def render_pages(job, indices: list[int]) -> None:
    """Render `job.pages[i]` for each index into the build, in worker processes when there are many."""
    if len(indices) < PARALLEL_MIN_PAGES or job.jobs < 2:
        render_indices(job, indices, job.assets)
        return
    Rendering(job, indices, job.assets).wait()


class Rendering:
    """Pages rendered in forked worker processes while this process goes on (the build renders
    the pages known to change while it builds the search index); `wait` before using them."""

    def __init__(self, job, indices: list[int], assets):
        global _ACTIVE
        jobs = max(job.jobs, 1)
        chunks = [indices[i :: jobs * 4] for i in range(jobs * 4)]
        self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        _ACTIVE = (job, assets)  # with fork, every process is started at the first submit and inherits it
        try:
            self.futures = [self.pool.submit(_render_chunk, chunk) for chunk in chunks if chunk]
        except BaseException:
            self.cancel()
            raise
        finally:
            _ACTIVE = None

    def wait(self) -> None:
        try:
            for future in self.futures:
                future.result()
        except BaseException:
            self.cancel()
            raise
        self.pool.shutdown()

    def cancel(self) -> None:
        self.pool.shutdown(cancel_futures=True)


def render_indices(job, indices: list[int], assets) -> int:
    """Render, write and compress pages; file creation waits on the disk, so threads do it."""
    compressor = PortalCompressor()
    replace = job.recycled is not None
    with ThreadPoolExecutor(WRITER_THREADS) as writers:
        pending = []
        for index in indices:
            page = job.pages[index]
            try:
                data = render(job.env, page, assets)
            except Exception as exc:
                raise BuildError(
                    f"Halaman {page.url} (templat {page.template}) gagal: {type(exc).__name__}: {exc}"
                ) from None
            path = str(job.build_dir / page.path)
            pending.append(writers.submit(write_page, compressor, path, data, replace))
        for future in pending:
            future.result()
    return len(indices)


_ACTIVE = None  # (job, assets) the forked render processes inherit, set while they are started


def _render_chunk(indices: list[int]) -> int:
    """Runs in a forked worker: the job (templates compiled, catalogue loaded) is inherited."""
    job, assets = _ACTIVE
    return render_indices(job, indices, assets)
