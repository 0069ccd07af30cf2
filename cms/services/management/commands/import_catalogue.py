"""python manage.py import_catalogue DIR — load a catalogue folder (shared or content/ format), publish it."""

import logging
import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError

from catalogue import RecordError, load_catalogue
from cms.services.importing import import_catalogue


class Command(BaseCommand):
    help = "Memuat folder katalog (format bersama atau content/) ke CMS dan menerbitkannya."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="folder katalog: services.json dkk. atau services/<id>.json dkk.")

    def handle(self, folder, **options):
        started = time.monotonic()
        verbose = options["verbosity"] >= 1
        try:
            catalogue = load_catalogue(folder)
            if verbose:
                self.stdout.write(
                    f"Membaca {folder}: {len(catalogue.opds)} OPD, {len(catalogue.apps)} aplikasi, "
                    f"{len(catalogue.services)} layanan."
                )
            with quiet_wagtail_log():
                result = import_catalogue(catalogue, progress=self.progress if verbose else None)
        except RecordError as exc:
            raise CommandError(f"Impor dibatalkan, basis data tidak diubah. {exc}") from exc
        if verbose:
            self.stdout.write(f"Selesai dalam {time.monotonic() - started:.1f} detik. {result.summary()}")

    def progress(self, done: int, total: int) -> None:
        # One line per 10% on long imports: enough to see it moving, short enough for a log.
        step = max(1, total // 10)
        if total >= 20 and (done % step == 0 or done == total):
            self.stdout.write(f"  layanan {done}/{total}")


@contextmanager
def quiet_wagtail_log():
    """Wagtail logs every page created/edited/published at INFO: hundreds of lines that bury the progress."""
    logger = logging.getLogger("wagtail")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
