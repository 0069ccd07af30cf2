"""`manage.py check --deploy` with the production environment the README documents."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROJECT = Path(__file__).resolve().parents[3]
# The README's "In production" environment (cms/settings.py reads each of these).
PRODUCTION_ENV = {
    "HTTPS": "1",
    "SECRET_KEY": "x9-" + "k" * 20 + "Qm7vT2pL0sZ8rW4nB6yH1cJ5dF3gA9eU",
    "ALLOWED_HOSTS": "layanan.samarindakota.go.id",
    "CSRF_TRUSTED_ORIGINS": "https://layanan.samarindakota.go.id",
    "SITE_URL": "https://layanan.samarindakota.go.id",
    "WAGTAILADMIN_BASE_URL": "https://layanan.samarindakota.go.id",
    "TRUSTED_PROXY_COUNT": "1",
    "ADMIN_REQUIRE_TWO_FACTOR": "1",
}
LOCAL_ONLY = ("HTTPS", "SECURE_", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "DEBUG", "SECRET_KEY")


def check_deploy(env: dict, tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(LOCAL_ONLY)}
    base["SANTER_DATA_DIR"] = str(tmp_path)  # no secret_key file of the developer's own
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_environment_passes_check_deploy(tmp_path):
    done = check_deploy(PRODUCTION_ENV, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    # Only django-ratelimit's two cache checks are silenced (cms/settings.py says why); nothing else.
    assert "System check identified no issues (2 silenced)." in done.stdout
    assert settings.SILENCED_SYSTEM_CHECKS == ["django_ratelimit.E003", "django_ratelimit.W001"]


def test_local_defaults_stay_plain_http(tmp_path):
    """Without HTTPS=1 the cookies are not https-only, so http://127.0.0.1:8000 can log in (tests/e2e)."""
    done = check_deploy({}, tmp_path)
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr + done.stdout


def test_portal_files_carry_hsts_once_https_is_on(settings):
    """The portal's pages never pass Django's SecurityMiddleware: the portal sends the same header."""
    from wsgiref.headers import Headers

    from cms.portal.serving import portal_headers

    headers = Headers([])
    portal_headers(headers, "/x/index.html", "/layanan/x/")
    assert headers["Strict-Transport-Security"] is None  # local run: no HSTS
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    headers = Headers([])
    portal_headers(headers, "/x/index.html", "/layanan/x/")
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
