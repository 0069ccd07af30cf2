from django.urls import path, reverse
from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def register_security_urls():
    return [
        path("verifikasi/", views.verify, name="security_verify"),
        path("akun/dua-langkah/", views.two_factor, name="security_two_factor"),
    ]


@hooks.register("register_account_menu_item")
def two_factor_menu_item(request):
    return {
        "url": reverse("security_two_factor"),
        "label": "Verifikasi dua langkah",
        "help_text": "Lindungi akun Anda dengan kode dari aplikasi autentikator di ponsel.",
    }
