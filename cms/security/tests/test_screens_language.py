"""The sign-in hardening's screens are in Bahasa Indonesia (as the rest of the admin, test_admin_language)."""

from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import log_in

pytestmark = pytest.mark.django_db
ENGLISH = [
    "Sign in",
    "Required",
    "This field is required",
    "Please enter",
    "Invalid token",
    "Account locked",
    "try again",
]


def assert_indonesian(html: str, indonesian: list[str]) -> None:
    missing = [s for s in indonesian if s not in html]
    left = [s for s in ENGLISH if s in html]
    assert not missing and not left, f"Indonesian missing: {missing}; English shown: {left}"


def test_setup_page_and_its_errors(client, admin_user):
    log_in(client, admin_user.username)
    html = client.get("/admin/akun/dua-langkah/").content.decode()
    assert_indonesian(html, ["Verifikasi dua langkah", "aplikasi autentikator", "kunci rahasia", "Aktifkan"])
    empty = client.post("/admin/akun/dua-langkah/", {"otp_token": ""}).content.decode()
    assert_indonesian(empty, ["Masukkan kode 6 angka dari aplikasi autentikator."])


def test_verify_page_and_its_errors(client, admin_user):
    log_in(client, admin_user.username)
    client.get("/admin/akun/dua-langkah/")
    TOTPDevice.objects.filter(user=admin_user).update(confirmed=True)
    html = client.get("/admin/verifikasi/").content.decode()
    assert_indonesian(html, ["Verifikasi dua langkah", "Kode verifikasi", "Verifikasi", "Keluar"])
    device = TOTPDevice.objects.get(user=admin_user).persistent_id
    empty = client.post("/admin/verifikasi/", {"otp_device": device, "otp_token": ""}).content.decode()
    assert_indonesian(empty, ["Masukkan kode 6 angka dari aplikasi autentikator."])


def test_account_menu_links_to_the_setup(client, admin_user):
    log_in(client, admin_user.username)
    html = client.get("/admin/account/").content.decode()
    assert 'href="/admin/akun/dua-langkah/"' in html and "Verifikasi dua langkah" in html


def test_lockout_page(client, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, admin_user.username, "salah")
    assert response.status_code == 429
    assert_indonesian(response.content.decode(), ["Akses masuk dikunci sementara", "atur ulang kata sandi"])


def test_the_phone_app_shows_santer_and_the_account(client, admin_user):
    log_in(client, admin_user.username)
    client.get("/admin/akun/dua-langkah/")
    url = urlparse(TOTPDevice.objects.get(user=admin_user).config_url)
    assert url.scheme == "otpauth" and unquote(url.path) == "/Santer Samarinda:editor-uji"
    assert parse_qs(url.query)["issuer"] == ["Santer Samarinda"]
