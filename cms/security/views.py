"""The second sign-in step (verify a code; set up or turn off the authenticator) and the lock-out page.

Codes are checked by django-otp's TOTP devices (RFC 6238, with its own throttling of wrong codes);
the QR code is drawn by segno. Nothing here computes a one-time password itself.
"""

from base64 import b32encode
from math import ceil

import segno
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import SetupForm, VerifyForm

DEVICE_NAME = "Aplikasi autentikator"


def _next_url(request) -> str:
    """Where to go after the step: the ?next= the admin asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else reverse("wagtailadmin_home")


def _verified(request, device) -> None:
    request.session.cycle_key()  # a new session id for the now fully signed-in session
    otp_login(request, device)


@never_cache
@sensitive_post_parameters("otp_token")
def verify(request):
    """After the password: the code from the editor's authenticator app."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    form = VerifyForm(user, request, data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        _verified(request, user.otp_device)
        return redirect(_next_url(request))
    return render(request, "security/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@sensitive_post_parameters("otp_token")
def two_factor(request):
    """The editor's own page: set up the authenticator app, or see that it is on (and turn it off)."""
    user = request.user
    required = settings.ADMIN_REQUIRE_TWO_FACTOR
    active = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    data = request.POST if request.method == "POST" else None
    if active:
        form = VerifyForm(user, request, data=data)
        if form.is_bound and not required and form.is_valid():
            TOTPDevice.objects.filter(user=user).delete()
            messages.success(request, "Verifikasi dua langkah dimatikan untuk akun Anda.")
            return redirect("security_two_factor")
        context = {"active": active, "required": required, "form": form}
        return render(request, "security/two_factor.html", context)

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = SetupForm(device, data=data)
    if form.is_bound and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        _verified(request, device)
        messages.success(
            request, "Verifikasi dua langkah aktif. Setiap kali masuk, Anda akan diminta kodenya."
        )
        return redirect(_next_url(request) if required else reverse("security_two_factor"))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "required": required,
        "next": request.GET.get("next", ""),
        # White behind the modules, so the code scans in the admin's dark theme too.
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, light="#fff"),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "security/two_factor.html", context)


def lockout(request, *args, **kwargs):
    """django-axes' AXES_LOCKOUT_CALLABLE: the page a locked-out account or client gets, in Indonesian."""
    minutes = ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "security/lockout.html", context, status=429)
