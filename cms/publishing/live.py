"""The live catalogue as the publish worker sees it: what is published, plus which apps are down.

Exporting 10,000 service pages takes seconds (stream fields, rich text sanitising), far too
long for one publish. The worker is a long-lived process, so `LiveCatalogue` keeps the
records it made and, on each update, re-exports only the service pages whose row changed:
a live row changes only when it is published, moved or confirmed still correct, so (path,
last_published_at, latest_revision, last_reviewed) tells a changed page from an unchanged one.
OPDs, apps and taxonomies are few and exported every time; when one of them changes, every
service is re-exported (a service record carries their slugs). Each of those records equal to the
one the last update used is replaced by that very object: the builder and the search index pass
over what is the same object as last time, and compare field by field what is not (at 10,000
services, a new object for every OPD cost each publish 0.17 s of the search index's work alone).
The result equals `published_catalogue()` (a test).
"""

from __future__ import annotations

from django.db.models import CharField
from django.db.models.functions import Cast

from catalogue import Catalogue, Service
from cms.links.health import with_link_health
from cms.services.exporting import live_service_record, published_parts
from cms.services.models import ServicePage
from cms.vocabulary.exporting import add_vocabulary


class LiveCatalogue:
    """Builds the published catalogue, re-exporting only the service pages that changed."""

    def __init__(self):
        self._services: dict[int, tuple[tuple, Service | None]] = {}
        self._context_key: tuple | None = None
        self.last_reexported = 0
        self._linking: set[int] = set()  # services whose description links to other pages
        self._link_targets: frozenset = frozenset()
        self._last: Catalogue | None = None

    def load(self) -> Catalogue:
        return with_link_health(self._published())

    def _published(self) -> Catalogue:
        parts = published_parts()
        catalogue = parts.catalogue

        # Everything a service record takes from outside its own row.
        context_key = (
            tuple((a.pk, a.slug) for a in parts.apps),
            tuple(sorted(catalogue.apps)),
            tuple((c.pk, c.slug) for c in parts.categories),
            tuple((e.pk, e.slug) for e in parts.life_events),
        )
        if context_key != self._context_key:
            self._services.clear()
            self._linking.clear()
            self._context_key = context_key

        # The dates as the database's text: they only tell a changed row from an unchanged one,
        # and converting 50,000 of them to datetimes took 0.25 s of every update.
        rows = list(
            ServicePage.objects.live()
            .public()
            .order_by("slug")
            .annotate(
                published_at=Cast("last_published_at", CharField()),
                reviewed=Cast("last_reviewed", CharField()),
            )
            .values_list("pk", "slug", "path", "published_at", "latest_revision_id", "reviewed")
        )
        # A description's links to other pages become their portal URLs, or lose their target
        # when that page is not live: when the live pages change, re-export the linking services.
        link_targets = frozenset((pk, slug) for pk, slug, *_rest in rows) | {
            (p.pk, p.slug) for p in parts.opd_by_path.values()
        }
        relink = self._linking if link_targets != self._link_targets else set()
        self._link_targets = link_targets
        wanted: list[tuple[int, str, tuple]] = []
        stale: dict[int, tuple] = {}
        for pk, slug, path, published_at, revision, reviewed in rows:
            opd = parts.opd_of(path)
            if opd is None:
                continue  # its OPD is unpublished: the service is not reachable either
            fingerprint = (slug, path, opd.slug, published_at, revision, reviewed)
            wanted.append((pk, slug, fingerprint))
            cached = self._services.get(pk)
            if cached is None or cached[0] != fingerprint or pk in relink:
                stale[pk] = fingerprint
        if stale:
            pages = (
                ServicePage.objects.filter(pk__in=list(stale))
                .select_related("app")
                .prefetch_related("categories", "life_events")
            )
            for page in pages:
                fingerprint = stale[page.pk]
                record = live_service_record(page, fingerprint[2], catalogue)
                self._services[page.pk] = (fingerprint, record)
                if 'linktype="page"' in (page.description or ""):
                    self._linking.add(page.pk)
                else:
                    self._linking.discard(page.pk)
        live_pks = {pk for pk, _slug, _fp in wanted}
        for pk in [pk for pk in self._services if pk not in live_pks]:
            del self._services[pk]
            self._linking.discard(pk)
        for pk, slug, _fingerprint in wanted:
            catalogue.add(self._services[pk][1], f"services/{slug}.json")
        add_vocabulary(catalogue)  # a few dozen rows: read every time
        catalogue = self._same_as_last(catalogue.without_unpublished_steps())
        catalogue.check_references()
        self.last_reexported = len(stale)
        return catalogue

    def _same_as_last(self, catalogue: Catalogue) -> Catalogue:
        last, self._last = self._last, catalogue
        if last is None:
            return catalogue
        for name in ("opds", "apps", "categories", "life_events", "search_terms", "best_bets"):
            before, table = getattr(last, name), getattr(catalogue, name)
            for key, record in table.items():
                kept = before.get(key)
                if kept is not None and kept is not record and kept == record:
                    table[key] = kept
        return catalogue
