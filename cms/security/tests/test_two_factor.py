"""The second sign-in step through the admin's own pages (the browser test is tests/e2e)."""

import time

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import log_in

pytestmark = pytest.mark.django_db


def setup_page_secret(html: str) -> str:
    start = html.index("data-two-factor-secret>") + len("data-two-factor-secret>")
    return html[start : html.index("</code>", start)].replace(" ", "")


def enrol(client) -> pyotp.TOTP:
    """Sets up the authenticator from what the page shows, as a phone app would; returns the 'phone'."""
    html = client.get("/admin/akun/dua-langkah/").content.decode()
    assert "data-two-factor-qr><svg" in html  # the QR code to scan
    phone = pyotp.TOTP(setup_page_secret(html))
    response = client.post("/admin/akun/dua-langkah/", {"otp_token": phone.now()})
    assert response.status_code == 302
    return phone


def test_optional_by_default_then_asked_after_the_password(client, admin_user):
    assert log_in(client, admin_user.username).status_code == 302
    assert client.get("/admin/").status_code == 200  # no second factor set up: straight in
    phone = enrol(client)
    assert TOTPDevice.objects.get(user=admin_user).confirmed
    assert 'data-two-factor="on"' in client.get("/admin/akun/dua-langkah/").content.decode()

    client.post("/admin/logout/")
    assert log_in(client, admin_user.username).status_code == 302
    response = client.get("/admin/account/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/verifikasi/?next=")

    wrong = client.post("/admin/verifikasi/", {"otp_device": device_id(admin_user), "otp_token": "000000"})
    assert "Kode salah atau sudah kedaluwarsa" in wrong.content.decode()
    assert client.get("/admin/account/").status_code == 302  # still not in

    time.sleep(1.1)  # django-otp's throttle after the wrong code
    right = client.post(
        "/admin/verifikasi/?next=/admin/account/",
        # The next 30-second step's code (the current one was spent at setup; one step of drift is allowed).
        {
            "otp_device": device_id(admin_user),
            "otp_token": phone.at(time.time() + 30),
            "next": "/admin/account/",
        },
    )
    assert right.status_code == 302 and right["Location"] == "/admin/account/"
    assert client.get("/admin/account/").status_code == 200


def device_id(user) -> str:
    return TOTPDevice.objects.get(user=user, confirmed=True).persistent_id


def test_a_code_from_another_secret_is_refused_at_setup(client, admin_user):
    log_in(client, admin_user.username)
    client.get("/admin/akun/dua-langkah/")
    response = client.post("/admin/akun/dua-langkah/", {"otp_token": pyotp.TOTP(pyotp.random_base32()).now()})
    assert "Kode salah atau sudah kedaluwarsa" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()


def test_turning_it_off_needs_a_current_code(client, admin_user):
    log_in(client, admin_user.username)
    phone = enrol(client)
    page = client.post(
        "/admin/akun/dua-langkah/", {"otp_device": device_id(admin_user), "otp_token": "123456"}
    )
    assert "Kode salah" in page.content.decode()
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    time.sleep(1.1)  # django-otp throttles after a wrong code: 1 s, then 2 s, 4 s, ...
    # The code used at setup is never accepted twice (django-otp keeps the last step); the next one is.
    client.post(
        "/admin/akun/dua-langkah/",
        {"otp_device": device_id(admin_user), "otp_token": phone.at(time.time() + 30)},
    )
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    assert 'data-two-factor="off"' in client.get("/admin/akun/dua-langkah/").content.decode()


def test_required_setting_sends_every_account_to_setup_first(client, admin_user, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = True
    log_in(client, admin_user.username)
    response = client.get("/admin/account/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/akun/dua-langkah/?next=")
    html = client.get(response["Location"]).content.decode()
    assert "wajib memakai verifikasi dua langkah" in html
    phone = pyotp.TOTP(setup_page_secret(html))
    done = client.post(response["Location"], {"otp_token": phone.now(), "next": "/admin/account/"})
    assert done["Location"] == "/admin/account/"
    assert client.get("/admin/account/").status_code == 200
    page = client.get("/admin/akun/dua-langkah/").content.decode()
    assert "tidak dapat dimatikan" in page and "data-two-factor-disable" not in page


def test_reset_command_lets_a_user_without_phone_set_up_again(client, admin_user):
    from django.core.management import call_command

    log_in(client, admin_user.username)
    enrol(client)
    call_command("reset_two_factor", admin_user.username)
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
