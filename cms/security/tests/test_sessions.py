"""An admin session ends after SESSION_IDLE_TIMEOUT without requests, and lasts while in use."""

import time

import pytest

from .conftest import log_in

pytestmark = pytest.mark.django_db


def test_default_idle_time_is_a_working_day(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600 and settings.SESSION_SAVE_EVERY_REQUEST


def test_session_slides_with_use_and_ends_when_idle(client, admin_user, settings):
    settings.SESSION_COOKIE_AGE = 3
    assert log_in(client, admin_user.username).status_code == 302
    for _ in range(3):  # 4.5 s in all, longer than the idle time, but never 3 s without a request
        time.sleep(1.5)
        assert client.get("/admin/account/").status_code == 200
    time.sleep(3.5)
    response = client.get("/admin/account/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
