"""django-axes on Wagtail's login form: per account and per client address, with the Indonesian page."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from .conftest import log_in

pytestmark = pytest.mark.django_db


def fail(client, username, times, ip="10.0.0.1", **extra):
    return [log_in(client, username, "salah", REMOTE_ADDR=ip, **extra) for _ in range(times)]


def test_an_account_is_locked_after_the_limit_even_with_the_right_password(client, admin_user, settings):
    answers = fail(client, admin_user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert all(a.status_code == 200 for a in answers)  # the login form again, with its error
    locked = fail(client, admin_user.username, 1)[0]
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Akses masuk dikunci sementara" in html and "selama 15 menit" in html
    assert "Account locked" not in html
    # The right password from another address is refused too: the account itself is locked.
    right = log_in(client, admin_user.username, REMOTE_ADDR="10.9.9.9")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_client_trying_many_accounts_is_locked(client, admin_user, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        last = log_in(client, f"tebakan-{n}", "salah", REMOTE_ADDR="10.0.0.7")
    assert last.status_code == 429
    # That address can no longer log in to a real account; another address can.
    assert log_in(client, admin_user.username, REMOTE_ADDR="10.0.0.7").status_code == 429
    assert log_in(client, admin_user.username, REMOTE_ADDR="10.0.0.8").status_code == 302


def test_a_correct_login_clears_earlier_failures(client, admin_user, settings):
    fail(client, admin_user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, admin_user.username, REMOTE_ADDR="10.0.0.1").status_code == 302
    client.post("/admin/logout/")
    assert fail(client, admin_user.username, 1)[0].status_code == 200  # not locked by the earlier ones


def test_axes_reset_unlocks(client, admin_user, settings):
    fail(client, admin_user.username, settings.AXES_FAILURE_LIMIT)
    call_command("axes_reset_username", admin_user.username)
    call_command("axes_reset_ip", "10.0.0.1")
    assert not AccessAttempt.objects.exists()
    assert log_in(client, admin_user.username, REMOTE_ADDR="10.0.0.1").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts_not_a_spoofed_one(client, admin_user, settings):
    # What TRUSTED_PROXY_COUNT=1 sets (cms/settings.py): the address our proxy appended is the client.
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    for n in range(settings.AXES_FAILURE_LIMIT):
        # A client that sends its own, different X-Forwarded-For each time, through the proxy 10.0.0.2.
        log_in(
            client,
            f"tebakan-{n}",
            "salah",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.5",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    other = log_in(client, admin_user.username, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert other.status_code == 302  # another citizen behind the same proxy is not locked out
