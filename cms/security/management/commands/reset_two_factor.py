"""An editor lost their phone: remove their authenticator so they can set up a new one."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Menghapus aplikasi autentikator (verifikasi dua langkah) sebuah akun agar dapat diatur ulang."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Akun '{username}' tidak ditemukan.")
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        self.stdout.write(
            f"Verifikasi dua langkah akun '{username}' diatur ulang ({removed} perangkat dihapus). "
            "Saat masuk berikutnya, akun ini dapat (atau, bila wajib, harus) mengaturnya lagi."
        )
