"""python manage.py export_content --out DIR — write the published catalogue as content/ files."""

from django.core.management.base import BaseCommand, CommandError

from catalogue import RecordError, write_content
from cms.services.exporting import published_catalogue


class Command(BaseCommand):
    help = "Menulis katalog yang sudah terbit sebagai berkas content/ (satu berkas per rekaman)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="folder tujuan, misalnya content")

    def handle(self, out, **options):
        try:
            catalogue = published_catalogue()
        except RecordError as exc:
            raise CommandError(f"Ekspor dibatalkan: {exc}") from exc
        changed = write_content(catalogue, out)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{len(catalogue.services)} layanan, {len(catalogue.opds)} OPD, "
                f"{len(catalogue.apps)} aplikasi ditulis ke {out} ({changed} berkas berubah)."
            )
