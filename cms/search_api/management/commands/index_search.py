"""manage.py index_search --backend elasticsearch|static: rebuild the search index of what is live."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Membangun ulang indeks pencarian layanan yang terbit: Elasticsearch (indeks berversi baru, "
        "alias ditukar secara atomik, indeks lama dihapus) atau indeks statis portal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=("elasticsearch", "static"), default="elasticsearch")
        parser.add_argument("--url", default=None, help="URL Elasticsearch (default: ELASTICSEARCH_URL)")
        parser.add_argument("--alias", default=None, help="alias indeks (default: ELASTICSEARCH_INDEX)")
        parser.add_argument("--out", default=None, help="static: folder tujuan indeks statis")
        one = parser.add_mutually_exclusive_group()
        one.add_argument("--upsert", metavar="ID", help="elasticsearch: perbarui satu layanan saja")
        one.add_argument("--remove", metavar="ID", help="elasticsearch: hapus satu layanan saja")

    def handle(self, *args, backend, url, alias, out, upsert, remove, **options):
        from cms.services.exporting import published_catalogue

        catalogue = published_catalogue()
        if backend == "static":
            self.static(catalogue, out)
        else:
            self.elasticsearch(
                catalogue,
                url or settings.ELASTICSEARCH_URL,
                alias or settings.ELASTICSEARCH_INDEX,
                upsert,
                remove,
            )

    def static(self, catalogue, out):
        from search.portal import write_index
        from search.static_index import build_index

        if not out:
            raise CommandError("--backend static memerlukan --out DIR (portal lengkap: build_portal).")
        started = time.perf_counter()
        index = build_index(catalogue)
        target = Path(out) / index.digest
        write_index(index, target)
        size = sum(len(v) for v in index.files.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Indeks statis {len(catalogue.services)} layanan, {len(index.files)} berkas, "
                f"{size / 1024:.0f} KB → {target} ({time.perf_counter() - started:.2f} s)"
            )
        )

    def elasticsearch(self, catalogue, url, alias, upsert, remove):
        from elasticsearch import ApiError, TransportError

        from search import elastic

        if not url:
            raise CommandError("ELASTICSEARCH_URL belum diatur (atau berikan --url).")
        client = elastic.connect(url, timeout=30.0)
        try:
            if upsert:
                service = catalogue.services.get(upsert)
                if service is None:
                    raise CommandError(f"Layanan '{upsert}' tidak ditemukan di antara layanan yang terbit.")
                elastic.upsert_service(client, service, catalogue, alias)
                self.stdout.write(self.style.SUCCESS(f"Layanan {upsert} diperbarui di {alias}."))
            elif remove:
                found = elastic.remove_service(client, remove, alias)
                note = "dihapus dari" if found else "memang tidak ada di"
                self.stdout.write(self.style.SUCCESS(f"Layanan {remove} {note} {alias}."))
            else:
                self.stdout.write(f"Mengindeks {len(catalogue.services)} layanan ke {url} (alias {alias})…")
                elastic.reindex(client, catalogue, alias, progress=self.stdout.write)
        except (TransportError, ApiError) as exc:
            raise CommandError(f"Elasticsearch di {url} gagal: {exc}. Alias {alias} tidak diubah.") from exc
