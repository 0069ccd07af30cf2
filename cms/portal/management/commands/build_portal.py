"""python manage.py build_portal --out DIR: what is published in the CMS, as the static portal."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from catalogue import RecordError, load_catalogue
from cms.links.health import with_link_health
from cms.services.exporting import published_catalogue
from site_builder import BuildError, build_portal
from site_builder import rollback as site_builder_rollback


class Command(BaseCommand):
    help = "Membangun portal statis dari layanan yang terbit di CMS dan memasangnya secara atomik di --out."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", default=str(settings.PORTAL_DIR), help="folder portal (default: PORTAL_DIR)"
        )
        parser.add_argument(
            "--site-url", default=settings.SITE_URL, help="URL kanonik portal (default: SITE_URL)"
        )
        parser.add_argument(
            "--catalogue",
            metavar="DIR",
            help="bangun dari folder katalog (format content/ atau format bersama), bukan dari CMS",
        )
        parser.add_argument(
            "--full", action="store_true", help="render ulang semua halaman (tanpa memakai ulang)"
        )
        parser.add_argument("--no-search", action="store_true", help="tanpa indeks pencarian statis")
        parser.add_argument(
            "--jobs", type=int, default=None, help="jumlah proses render (default: jumlah CPU)"
        )
        parser.add_argument(
            "--rollback", action="store_true", help="sajikan lagi hasil build sebelumnya (tanpa membangun)"
        )

    def handle(self, *args, out, site_url, catalogue, full, no_search, jobs, rollback, **options):
        if rollback:
            try:
                previous = site_builder_rollback(Path(out))
            except FileNotFoundError as exc:
                raise CommandError(f"Tidak ada build sebelumnya untuk {out}.") from exc
            self.stdout.write(self.style.SUCCESS(f"{out} kembali ke {previous.name}"))
            return
        try:
            records = load_catalogue(catalogue) if catalogue else self.published()
            report = build_portal(
                records,
                Path(out),
                site_url,
                jobs=jobs,
                reuse=not full,
                search=not no_search,
                search_api=bool(settings.ELASTICSEARCH_URL),
                search_log_url=settings.SEARCH_LOG_URL,
                feedback_url=settings.FEEDBACK_URL,
            )
        except (BuildError, RecordError) as exc:
            raise CommandError(f"{exc}\nPortal di {out} tidak diubah.") from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def published(self):
        try:
            # Apps that link health reports down get their banner, as in the worker's updates.
            return with_link_health(published_catalogue())
        except DatabaseError as exc:
            raise CommandError(
                f"Basis data tidak dapat dibaca ({exc}). Jalankan `python manage.py migrate` "
                "atau periksa DATABASE_URL. Portal tidak diubah."
            ) from exc
