"""Admin sign-in hardening in a real browser on the real server: the lock-out after failed passwords
(django-axes) and the TOTP second step (django-otp), with codes computed by pyotp as a phone would.

The server is started the way the README's production instructions start it (gunicorn with
cms/gunicorn.conf.py and `manage.py publish_worker`), with the default, plain-HTTP settings of
the local run: these tests also show that an editor can log in over http://127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest
import requests

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "santer-demo"
EDITOR = "editor-disdukcapil"

# --- The server (a small local stand-in for the shared tests/e2e production-server fixture) -----------
WEB_APP = "cms.asgi:application"  # the README's production command, with cms/gunicorn.conf.py's worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            SANTER_DATA_DIR=str(data),
            DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
            PORTAL_DIR=str(data / "portal"),
            SITE_URL=self.base_url,
            WAGTAILADMIN_BASE_URL=self.base_url,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            WEB_CONCURRENCY="2",
            PYTHONUNBUFFERED="1",
        )
        for name in (
            "DEBUG",
            "HTTPS",
            "ADMIN_REQUIRE_TWO_FACTOR",
            "SECRET_KEY",
            "GUNICORN_WORKER_CLASS",
        ):  # the local run's defaults
            self.env.pop(name, None)
        self.logs = data / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=PROJECT, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, (
            f"manage.py {' '.join(args)}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
        return done.stdout

    def start(self) -> None:
        for step in (
            ["migrate", "--no-input", "-v", "0"],
            ["collectstatic", "--no-input", "-v", "0"],
            ["import_catalogue", "content"],
            ["setup_demo"],
            ["build_portal", "--out", self.env["PORTAL_DIR"]],
        ):
            self.manage(*step)
        bind = f"127.0.0.1:{self.port}"
        self._spawn(
            "web",
            [
                str(Path(sys.executable).parent / "gunicorn"),
                WEB_APP,
                "--config",
                "cms/gunicorn.conf.py",
                "--bind",
                bind,
            ],
        )
        self._spawn("worker", [sys.executable, "manage.py", "publish_worker", "--no-links"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base_url + "/admin/login/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        pytest.fail(f"the server did not answer within 60 s:\n{(self.logs / 'web.log').read_text()[-3000:]}")

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child process owns it
        self.processes.append(subprocess.Popen(command, cwd=PROJECT, env=self.env, stdout=log, stderr=log))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("admin-security") / "data")
    try:
        server.start()
        yield server
    finally:
        server.stop()


# --- The browser ------------------------------------------------------------------------------------
@pytest.fixture
def new_page(chromium, production_server):
    """A fresh browser (context) per call; fails the test on any script error on the admin's pages."""
    contexts, errors = [], []

    def open_page():
        # An editor in Samarinda (WITA); Wagtail's account page matches the browser's zone to its list.
        context = chromium.new_context(
            base_url=production_server.base_url, locale="id-ID", timezone_id="Asia/Makassar"
        )
        context.set_default_timeout(15000)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()
    # The lock-out page is answered with 429 on purpose; the browser reports that status on its console.
    assert not [e for e in errors if "429" not in e], errors


def submit_login(page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_failed_passwords_lock_the_account_with_an_indonesian_page(new_page, production_server):
    page = new_page()
    limit = 5  # LOGIN_FAILURE_LIMIT's default
    for _ in range(limit - 1):
        submit_login(page, EDITOR, "bukan-kata-sandinya")
        assert page.locator(".messages .error").count() == 1  # the login form's own error, not locked
    submit_login(page, EDITOR, "bukan-kata-sandinya")
    assert page.locator("h1").inner_text() == "Akses masuk dikunci sementara"
    assert "selama 15 menit" in page.locator("[data-login-locked]").inner_text()

    # The right password does not get in while the lock lasts.
    submit_login(page, EDITOR, DEMO_PASSWORD)
    assert page.locator("[data-login-locked]").count() == 1
    assert "/admin/login/" in page.url

    # An administrator unlocks (README); then the editor is in.
    production_server.manage("axes_reset")
    submit_login(page, EDITOR, DEMO_PASSWORD)
    page.wait_for_url("**/admin/")
    assert page.locator("[data-login-locked]").count() == 0


def test_a_client_guessing_many_accounts_is_locked_out_of_every_account(new_page, production_server):
    page = new_page()
    for n in range(5):
        submit_login(page, f"tebakan-{n}", "salah")
    assert page.locator("[data-login-locked]").count() == 1
    submit_login(page, "reviewer", DEMO_PASSWORD)  # a real account, from the same (locked) client
    assert page.locator("[data-login-locked]").count() == 1
    production_server.manage("axes_reset")


def test_editor_sets_up_totp_then_needs_a_code_after_the_password(new_page):
    page = new_page()
    submit_login(page, EDITOR, DEMO_PASSWORD)
    page.wait_for_url("**/admin/")  # over plain http, with the default settings
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    assert cookie["httpOnly"] and not cookie["secure"]

    # Account settings → "Tindakan lain" → "Verifikasi dua langkah".
    page.goto("/admin/account/")
    page.get_by_role("tab", name="Tindakan lain").click()
    page.get_by_role("link", name="Verifikasi dua langkah").click()
    page.wait_for_url("**/admin/akun/dua-langkah/")
    assert page.locator("[data-two-factor-qr] svg").is_visible()
    phone = pyotp.TOTP(page.locator("[data-two-factor-secret]").inner_text().replace(" ", ""))
    page.fill("input[name=otp_token]", "111111" if phone.now() != "111111" else "222222")
    page.get_by_role("button", name="Aktifkan").click()
    page.get_by_text("Kode salah atau sudah kedaluwarsa").wait_for()
    time.sleep(1.1)  # django-otp's throttle after a wrong code
    page.fill("input[name=otp_token]", phone.now())
    page.get_by_role("button", name="Aktifkan").click()
    page.wait_for_url("**/admin/akun/dua-langkah/")
    assert "Verifikasi dua langkah aktif" in page.locator(".messages").inner_text()
    assert page.locator('[data-two-factor="on"]').is_visible()

    # Another browser: the password alone no longer opens the admin.
    other = new_page()
    submit_login(other, EDITOR, DEMO_PASSWORD)
    other.wait_for_url("**/admin/verifikasi/**")
    assert other.locator("h1").inner_text() == "Verifikasi dua langkah"
    other.goto("/admin/pages/")  # a direct link is sent back to the step
    other.wait_for_url("**/admin/verifikasi/**")
    other.fill("input[name=otp_token]", "000000" if phone.now() != "000000" else "999999")
    other.get_by_role("button", name="Verifikasi").click()
    other.locator("[data-otp-error]").get_by_text("Kode salah").wait_for()
    time.sleep(1.1)
    # The step after the one spent at setup (django-otp never accepts a code twice; one step of drift is ok).
    other.fill("input[name=otp_token]", phone.at(time.time() + 30))
    other.get_by_role("button", name="Verifikasi").click()
    other.wait_for_url("**/admin/pages/**")  # the explorer opens at the editor's own OPD
    assert "Menjelajah: Dinas Kependudukan dan Pencatatan Sipil" in other.locator("main").inner_text()
