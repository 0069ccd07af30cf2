"""A throw-away Santer (own database, data folder and PORTAL_DIR) driven through real processes.

Used by the tests that kill the real publish worker: the test process never opens the
throw-away database through Django (its own Django points at the test database); it runs
`manage.py` commands, and reads the few tables it checks with plain SQL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from catalogue import write_content

from .fixtures import small_catalogue

PROJECT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
PAUSED_WORKER = Path(__file__).with_name("paused_worker.py")


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def maintenance_url(url: str) -> str:
    """The server's `postgres` database: creating and dropping others needs no database of ours."""
    return urlparse(url)._replace(path="/postgres").geturl()


class Site:
    def __init__(self, folder: Path, name: str, portal: Path | None = None, **settings: str):
        self.folder = folder
        self.portal = portal or folder / "portal"
        base = postgres_url()
        if base:
            import psycopg

            parsed = urlparse(base)
            self.dbname = f"{parsed.path.lstrip('/')}_{name}"
            with psycopg.connect(maintenance_url(base), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.dbname}"')
            self.database_url = parsed._replace(path=f"/{self.dbname}").geturl()
        else:
            self.dbname = None
            self.database_url = f"sqlite:///{folder / 'db.sqlite3'}"
        self.env = dict(
            os.environ,
            DATABASE_URL=self.database_url,
            SANTER_DATA_DIR=str(folder / "data"),
            PORTAL_DIR=str(self.portal),
            SITE_URL="https://santer.example",
            LOG_LEVEL="INFO",
            PUBLISH_DEBOUNCE_SECONDS="0.2",
            PUBLISH_RETRY_SECONDS="1",
            PUBLISH_CHECK_SECONDS="1",
            **settings,
        )
        self.workers: list[subprocess.Popen] = []

    @property
    def is_postgres(self) -> bool:
        return self.dbname is not None

    def set_up(self, catalogue=None) -> None:
        """migrate, import the catalogue (the small one) and build the portal, as `make run` does."""
        write_content(catalogue or small_catalogue(), self.folder / "content")
        self.manage("migrate", "-v0")
        self.manage("import_catalogue", str(self.folder / "content"))
        self.manage("build_portal", "--out", str(self.portal))

    def manage(self, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=PROJECT,
            env=env or self.env,
            check=check,
            capture_output=True,
            text=True,
        )

    def shell(self, code: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.manage("shell", "-c", code, check=check)

    def publish(self, slug: str, title: str, *, killed_after_commit: bool = False, wait: bool = True):
        """What an editor's "Terbitkan" does, in a process of its own (like the web server's).

        killed_after_commit: the process is SIGKILLed the moment the publish has committed,
        before anything it would do after the commit (queuing the portal update).
        wait=False: returns the running process instead of waiting for it.
        """
        kill = (
            "transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))\n    "
            if killed_after_commit
            else ""
        )
        code = (
            "import os, signal\n"
            "from django.db import transaction\n"
            "from cms.services.models import ServicePage\n"
            "with transaction.atomic():\n"
            f"    {kill}page = ServicePage.objects.get(slug={slug!r})\n"
            f"    page.title = {title!r}\n"
            "    page.save_revision().publish()\n"
        )
        if wait is False:
            return subprocess.Popen([PYTHON, "manage.py", "shell", "-c", code], cwd=PROJECT, env=self.env)
        result = self.shell(code, check=False)
        expected = -signal.SIGKILL if killed_after_commit else 0
        assert result.returncode == expected, result.stderr
        return None

    def start_worker(self, pause_at: str | None = None, log_name: str = "worker.log") -> subprocess.Popen:
        command = [PYTHON, "manage.py", "publish_worker", "--no-links"]
        if pause_at:
            command = [PYTHON, str(PAUSED_WORKER), pause_at]
        log = open(self.folder / log_name, "a")  # noqa: SIM115 - the worker writes to it while it runs
        worker = subprocess.Popen(command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.workers.append(worker)
        return worker

    def worker_log(self, log_name: str = "worker.log", chars: int = 3000) -> str:
        """The end of the workers' log, for a failing test's message."""
        try:
            return (self.folder / log_name).read_text(encoding="utf-8", errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        self.workers.clear()

    def tear_down(self) -> None:
        self.stop_workers()
        if self.is_postgres:
            import psycopg

            with psycopg.connect(maintenance_url(postgres_url()), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        if self.is_postgres:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return conn.execute(query.replace("?", "%s"), params).fetchall()
        conn = sqlite3.connect(self.folder / "db.sqlite3", timeout=30)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()

    # What the checks look at.

    def page(self, slug: str) -> str:
        return (self.portal / "layanan" / slug / "index.html").read_text(encoding="utf-8")

    def incomplete_pages(self) -> list[str]:
        """Pages of the live folder that are not whole HTML documents (none, on a complete build)."""
        pages = list(self.portal.glob("**/index.html"))
        assert len(pages) > 10, "the live folder is missing or nearly empty"
        return [str(p) for p in pages if not p.read_bytes().rstrip().endswith(b"</html>")]

    def runs(self) -> list[tuple[str, str]]:
        """(status, error) of the portal updates, newest first."""
        return self.sql("SELECT status, error FROM publishing_publishrun ORDER BY started_at DESC, id DESC")

    def settled(self) -> bool:
        """Nothing running, nothing waiting, and the last update succeeded."""
        running = self.sql(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('RUNNING', 'READY')"
            " AND queue_name = 'portal'"
        )[0][0]
        requests = self.sql("SELECT count(*) FROM publishing_updaterequest")[0][0]
        runs = self.runs()
        return not running and not requests and bool(runs) and runs[0][0] == "succeeded"

    def wait_until_live(self, slug: str, text: str, timeout: float = 120) -> float:
        """Seconds until the live page shows `text` and the worker has nothing left to do."""
        started = time.monotonic()
        while True:
            try:
                if text in self.page(slug) and self.settled():
                    return time.monotonic() - started
            except FileNotFoundError:
                pass
            if time.monotonic() - started > timeout:
                raise AssertionError(
                    f"{text!r} not live on /layanan/{slug}/ after {timeout} s; runs: {self.runs()[:3]}\n"
                    f"worker log:\n{self.worker_log()}"
                )
            time.sleep(0.05)


def wait_until_stopped(process: subprocess.Popen, timeout: float = 120) -> None:
    """Until `process` has stopped itself with SIGSTOP at its pause point (paused_worker.py)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        assert process.poll() is None, "the worker exited instead of pausing"
        state = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "T":
            return
        time.sleep(0.01)
    raise AssertionError("the worker never reached its pause point")
