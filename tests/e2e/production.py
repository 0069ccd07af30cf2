"""The production set-up as the README starts it, for the e2e suite and the benchmarks.

ProductionServer runs, over one data folder, the web server exactly as `scripts/run.sh` does
(gunicorn with cms/gunicorn.conf.py) and `manage.py publish_worker` as a separate process, on a
free port. make_demo_data prepares such a folder with run.sh's steps (the demo catalogue from
content/, the demo users). benchmarks/serve.py passes other web server commands to compare.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


class ServerError(RuntimeError):
    """A process of the set-up did not start."""


PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "santer-demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data_env(data: Path) -> dict[str, str]:
    return dict(
        os.environ,
        SANTER_DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
        PORTAL_DIR=str(data / "portal"),
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def make_demo_data(data: Path) -> Path:
    """The data folder `scripts/run.sh` prepares, with the same steps: the demo catalogue from content/."""
    data.mkdir(parents=True, exist_ok=True)
    env = data_env(data)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "import_catalogue", "content")
    manage(env, "setup_demo")
    manage(env, "build_portal", "--out", str(data / "portal"))
    return data


class ProductionServer:
    """gunicorn (cms/gunicorn.conf.py) and the publish worker over one data folder."""

    def __init__(
        self,
        data: Path,
        extra_env: dict[str, str] | None = None,
        worker_args: list[str] | None = None,
        web_command: list[str] | None = None,
    ):
        self.data = data
        self.portal = data / "portal"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = data_env(data) | {
            "SITE_URL": self.base_url,
            "WAGTAILADMIN_BASE_URL": self.base_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WEB_CONCURRENCY": "2",
            **(extra_env or {}),
        }
        self.worker_args = ["--no-links"] if worker_args is None else worker_args
        # {port} in a custom command is replaced by the free port.
        self.web_command = web_command or [
            str(BIN / "gunicorn"),
            "cms.asgi:application",
            "--config",
            "cms/gunicorn.conf.py",
            "--bind",
            "127.0.0.1:{port}",
        ]
        self.web = self.worker = None
        self.logs = data / "logs"
        self.logs.mkdir(exist_ok=True)

    # The web server ------------------------------------------------------------------------
    def start_web(self) -> None:
        command = [part.replace("{port}", str(self.port)) for part in self.web_command]
        self.web = subprocess.Popen(command, cwd=PROJECT, env=self.env, **self._log("web"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise ServerError(f"gunicorn exited with {self.web.returncode}:\n{self.log_tail('web')}")
            try:
                if requests.get(self.base_url + "/admin/login/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise ServerError(f"gunicorn did not answer within 60 s:\n{self.log_tail('web')}")

    def web_workers(self) -> set[int]:
        """The server's worker processes (children of the process started here)."""
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def reload_web(self, sig: int = signal.SIGHUP, timeout: float = 30) -> None:
        """A graceful restart (HUP: new workers, old ones finish their requests) until all are new."""
        before = self.web_workers()
        self.web.send_signal(sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.web_workers()
            if now and not now & before and len(now) == len(before):
                return
            time.sleep(0.1)
        raise AssertionError(f"gunicorn workers were not replaced after {sig!r}: {before} → {now}")

    # The publish worker ---------------------------------------------------------------------
    def start_worker(self) -> None:
        command = [sys.executable, "manage.py", "publish_worker", *self.worker_args]
        self.worker = subprocess.Popen(command, cwd=PROJECT, env=self.env, **self._log("worker"))

    def stop_worker(self, sig: int = signal.SIGTERM) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(sig)
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()

    # Both -----------------------------------------------------------------------------------
    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def stop(self) -> None:
        self.stop_worker()
        if self.web and self.web.poll() is None:
            children = self.web_workers()
            self.web.terminate()
            try:
                self.web.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.web.kill()
                self.web.wait()
            for pid in children:  # a worker its master left behind must not keep the port
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def _log(self, name: str) -> dict:
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child process owns it
        return {"stdout": out, "stderr": subprocess.STDOUT}

    def log_tail(self, name: str, chars: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def wait_for_portal(self, path: str, text: str, timeout: float = 5.0, absent: bool = False) -> float:
        """Seconds until the live portal page at `path` contains (or no longer contains) `text`."""
        started = time.monotonic()
        body = ""
        while time.monotonic() - started < timeout:
            response = requests.get(self.base_url + path, timeout=5)
            body = response.text if response.status_code == 200 else ""
            if (text in body) != absent:
                return time.monotonic() - started
            time.sleep(0.1)
        state = "still shows" if absent else "does not show"
        raise AssertionError(f"{path} {state} {text!r} after {timeout} s\n{self.log_tail('worker', 1500)}")
