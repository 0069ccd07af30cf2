"""The second sign-in step: an admin request of a user who has not passed it goes there first."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse
from django_otp import user_has_device

ADMIN_PREFIX = "/admin/"
# What a signed-in but not yet verified user may still open: signing in/out, the step itself and
# the admin's own assets (its translations and icons) that those pages load.
ALWAYS_OPEN = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
    "security_verify",
}


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware (which sets ``request.user.is_verified()``).

    A user with a confirmed TOTP device must enter a code after the password; with
    ADMIN_REQUIRE_TWO_FACTOR, a user without one must set it up before anything else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.redirect(request) or self.get_response(request)

    def redirect(self, request):
        if not request.path_info.startswith(ADMIN_PREFIX):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        try:
            url_name = resolve(request.path_info).url_name
        except Resolver404:
            return None
        if url_name in ALWAYS_OPEN:
            return None
        if user_has_device(user, confirmed=True):
            return redirect_to_login(request.get_full_path(), reverse("security_verify"))
        if settings.ADMIN_REQUIRE_TWO_FACTOR and url_name != "security_two_factor":
            return redirect_to_login(request.get_full_path(), reverse("security_two_factor"))
        return None
