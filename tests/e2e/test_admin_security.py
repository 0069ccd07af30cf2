"""Admin sign-in hardening in a real browser on the real server: the lock-out after failed passwords
(django-axes) and the TOTP second step (django-otp), with codes computed by pyotp as a phone would.

The server is the shared production_server (tests/e2e/conftest.py: gunicorn with cms/gunicorn.conf.py
and `manage.py publish_worker`, as the README starts them) with the default, plain-HTTP settings of the
local run: these tests also show that an editor can log in over http://127.0.0.1.
"""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.e2e.conftest import CheckedPages
from tests.e2e.production import DEMO_PASSWORD

pytestmark = pytest.mark.browser

EDITOR = "editor-disdukcapil"


@pytest.fixture
def new_page(chromium, production_server):
    """A fresh, signed-out browser per call (the shared admin_page signs in itself); fails the test on
    any script error, failed request or error answer other than the lock-out page's own 429."""
    pages = CheckedPages(chromium, production_server.base_url, "admin pages")
    # An editor in Samarinda (WITA); Wagtail's account page matches the browser's zone to its list.
    yield lambda: pages.open(allow=("429",), timeout=15000, timezone_id="Asia/Makassar")
    pages.close()


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
