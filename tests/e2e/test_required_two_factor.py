"""ADMIN_REQUIRE_TWO_FACTOR=1 on the real server, in a real browser: every account sets up its second
step before anything else in the admin, and then signs in with password and code.

Its own production_server (the environment is per module): gunicorn with cms/gunicorn.conf.py and the
publish worker, as the README starts them, with the setting the README's production environment sets.
"""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.e2e.conftest import CheckedPages
from tests.e2e.production import DEMO_PASSWORD
from tests.e2e.test_admin_security import submit_login

pytestmark = pytest.mark.browser

SERVER_ENV = {"ADMIN_REQUIRE_TWO_FACTOR": "1"}
REVIEWER = "reviewer"


@pytest.fixture
def new_page(chromium, production_server):
    pages = CheckedPages(chromium, production_server.base_url, "admin pages")
    yield lambda: pages.open(timeout=15000, timezone_id="Asia/Makassar")
    pages.close()


def test_every_account_must_set_up_the_second_step_before_using_the_admin(new_page):
    page = new_page()
    submit_login(page, REVIEWER, DEMO_PASSWORD)
    page.wait_for_url("**/admin/akun/dua-langkah/**")  # not the dashboard
    assert "wajib memakai verifikasi dua langkah" in page.locator("main").inner_text()
    page.goto("/admin/pages/")  # a direct link is sent back to the set-up
    page.wait_for_url("**/admin/akun/dua-langkah/**")

    phone = pyotp.TOTP(page.locator("[data-two-factor-secret]").inner_text().replace(" ", ""))
    page.fill("input[name=otp_token]", phone.now())
    page.get_by_role("button", name="Aktifkan").click()
    page.wait_for_url("**/admin/pages/**")  # where the reviewer was going
    assert page.locator("main").inner_text().strip()
    page.goto("/admin/akun/dua-langkah/")
    assert page.locator('[data-two-factor="on"]').is_visible()
    assert "tidak dapat dimatikan" in page.locator("main").inner_text()
    assert page.locator("[data-two-factor-disable]").count() == 0

    # Another browser: password, then the code; the admin opens only after both.
    other = new_page()
    submit_login(other, REVIEWER, DEMO_PASSWORD)
    other.wait_for_url("**/admin/verifikasi/**")
    other.goto("/admin/")
    other.wait_for_url("**/admin/verifikasi/**")
    # The step after the one spent at set-up (django-otp never accepts a code twice).
    other.fill("input[name=otp_token]", phone.at(time.time() + 30))
    other.get_by_role("button", name="Verifikasi").click()
    other.wait_for_url("**/admin/")
    assert other.locator("main").inner_text().strip()
