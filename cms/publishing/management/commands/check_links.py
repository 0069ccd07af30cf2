from django.core.management.base import BaseCommand

from cms.links.models import LinkStatus
from cms.publishing.queue import check_published_links


class Command(BaseCommand):
    help = "Periksa setiap alamat aplikasi dan tautan layanan yang terbit; catat status, latensi dan waktu."

    def handle(self, *args, **options):
        summary = check_published_links()
        self.stdout.write(
            f"{summary.checked} tautan diperiksa: {summary.up} normal, {summary.slow} lambat, "
            f"{summary.down} tidak dapat diakses, {summary.failing} gagal (belum dianggap mati)."
        )
        for row in LinkStatus.objects.problems().order_by("opd", "kind", "key"):
            self.stdout.write(
                f"  [{row.get_state_display()}] {row.opd} · {row.label}: {row.url} "
                f"({row.status_code or '-'}, {row.latency_ms} ms) {row.error}".rstrip()
            )
        if summary.apps_changed:
            self.stdout.write(f"Ketersediaan aplikasi berubah: {', '.join(summary.apps_changed)}")
