"""The production set-up, started the way the README's production instructions start it.

`production_server` (one per test module): a throw-away data folder holding the demo catalogue
from content/ (migrated, collected, imported and built once per test session, then copied for
each module), gunicorn with cms/gunicorn.conf.py and `manage.py publish_worker` as two separate
processes, on a free port. A module tunes it with module-level names:

    SERVER_ENV = {"LINK_CHECK_INTERVAL_SECONDS": "2"}   # extra environment for both processes
    WORKER_ARGS = []                                     # default ["--no-links"], as `make run`
    def prepare_data(data: Path): ...                    # called before the processes start

`admin_page("editor-disdukcapil")` logs a fresh browser context into the admin through the login
form and returns its page; when the test ends it fails on any console error or failed request
the admin pages had (`page.problems.allow("/some/path")` for a refusal the test expects).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.production import DEMO_PASSWORD, PROJECT, ProductionServer, make_demo_data


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    """The data folder `scripts/run.sh` prepares, made once per test session and copied per module.

    E2E_DEMO_DATA=<folder> reuses a folder made by make_demo_data earlier (only ever copied), to
    skip the preparation while working on these tests."""
    if prepared := os.environ.get("E2E_DEMO_DATA"):
        return Path(prepared)
    return make_demo_data(tmp_path_factory.mktemp("demo") / "data")


@pytest.fixture(scope="module")
def production_server(request, demo_data, tmp_path_factory):
    data = tmp_path_factory.mktemp("server") / "data"
    shutil.copytree(demo_data, data, symlinks=True)  # the portal's live link is relative
    if prepare := getattr(request.module, "prepare_data", None):
        prepare(data)
    server = ProductionServer(
        data,
        getattr(request.module, "SERVER_ENV", {}),
        getattr(request.module, "WORKER_ARGS", ["--no-links"]),
    )
    try:
        server.start_web()
        server.start_worker()
        yield server
    finally:
        server.stop()


class PageProblems:
    """Console errors, failed requests and error answers one browser page had."""

    def __init__(self, page):
        self.found: list[str] = []
        self.allowed: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.found.append(f"script error: {e}"))
        # net::ERR_ABORTED: the browser itself dropped the request (the page navigated on), not a failure.
        page.on(
            "requestfailed",
            lambda r: (
                None
                if r.failure == "net::ERR_ABORTED"
                else self.found.append(f"failed: {r.url} ({r.failure})")
            ),
        )
        page.on(
            "response", lambda r: self.found.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
        )

    def _console(self, message) -> None:
        if message.type == "error":  # with the address it is about ("Failed to load resource": that one)
            self.found.append(f"console: {message.text} ({message.location.get('url', '')})")

    def allow(self, fragment: str) -> None:
        """A refusal the test expects (its answer and the console's report of it)."""
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [p for p in self.found if not any(a in p for a in self.allowed)]


class CheckedPages:
    """The browser pages a test opens, each in a fresh context; closing them fails the test if any
    page had a problem (PageProblems) the test did not allow."""

    def __init__(self, chromium, base_url: str, what: str):
        self.chromium, self.base_url, self.what = chromium, base_url, what
        self.opened = []

    def open(self, allow: tuple[str, ...] = (), timeout: int = 30000, **context_options):
        context = self.chromium.new_context(base_url=self.base_url, locale="id-ID", **context_options)
        context.set_default_timeout(timeout)  # a busy machine: the admin can take seconds
        page = context.new_page()
        page.problems = PageProblems(page)
        for fragment in allow:
            page.problems.allow(fragment)
        self.opened.append((context, page))
        return page

    def close(self) -> None:
        problems = {page.url: found for _, page in self.opened if (found := page.problems.unexpected())}
        for context, _ in self.opened:
            context.close()
        assert not problems, f"{self.what} had errors: {problems}"


@pytest.fixture
def admin_page(chromium, production_server):
    pages = CheckedPages(chromium, production_server.base_url, "admin pages")

    def log_in(username: str, password: str = DEMO_PASSWORD):
        page = pages.open()
        page.goto("/admin/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")
        return page

    yield log_in
    pages.close()


AXE = PROJECT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
def axe():
    """`axe(page)`: the portal page open in `page` has no axe-core violations (as test_accessibility).

    Open portal pages with `bypass_csp=True` so that axe can be injected; the policy itself is
    checked by the portal's own tests."""
    if not AXE.is_file():
        pytest.fail(f"axe-core missing at {AXE}: run scripts/setup.sh")

    def check(page):
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(f"() => axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})")
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        assert violations == [], f"{page.url}: {violations}"

    return check
