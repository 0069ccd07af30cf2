"""The live catalogue as the publish worker sees it: what is published, plus which apps are down.

Exporting 10,000 service pages takes seconds (stream fields, rich text sanitising), far too
long for one publish. The worker is a long-lived process, so `LiveCatalogue` keeps the
records it made and, on each update, re-exports only the service pages whose row changed:
a live row changes only when it is published or moved, so (path, last_published_at,
latest_revision) tells a changed page from an unchanged one. OPDs, apps and taxonomies
are few and exported every time; when one of them changes, every service is re-exported
(a service record carries their slugs). The result equals `published_catalogue()` (a test).
"""

from __future__ import annotations

import dataclasses
import logging

from wagtail.models import Page

from catalogue import Catalogue, Service
from catalogue import Category as CategoryRecord
from catalogue import LifeEvent as LifeEventRecord

logger = logging.getLogger(__name__)


def with_link_health(catalogue: Catalogue, down_apps: frozenset[str]) -> Catalogue:
    """Mark the apps that link health reports as down (their service pages show a banner)."""
    if not down_apps.intersection(catalogue.apps):
        return catalogue
    apps = {
        slug: dataclasses.replace(app, available=False) if slug in down_apps else app
        for slug, app in catalogue.apps.items()
    }
    return dataclasses.replace(catalogue, apps=apps)


class LiveCatalogue:
    """Builds the published catalogue, re-exporting only the service pages that changed."""

    def __init__(self):
        self._services: dict[int, tuple[tuple, Service | None]] = {}
        self._context_key: tuple | None = None
        self.last_reexported = 0
        self._linking: set[int] = set()  # services whose description links to other pages
        self._link_targets: frozenset = frozenset()

    def load(self) -> Catalogue:
        from cms.links.health import down_app_slugs

        return with_link_health(self._published(), down_app_slugs())

    def _published(self) -> Catalogue:
        from cms.services.exporting import app_record, opd_record, service_record, taxonomy_record
        from cms.services.models import App, Category, LifeEvent, OpdPage, ServicePage

        catalogue = Catalogue()
        opd_pages = list(OpdPage.objects.live().public().order_by("slug"))
        opd_by_path = {page.path: page for page in opd_pages}
        for page in opd_pages:
            catalogue.add(opd_record(page), f"opds/{page.slug}.json")
        apps = list(App.objects.select_related("opd").order_by("slug"))
        for app in apps:
            if app.opd.path in opd_by_path:
                catalogue.add(app_record(app), f"apps/{app.slug}.json")
        categories = list(Category.objects.order_by("slug"))
        events = list(LifeEvent.objects.order_by("slug"))
        for category in categories:
            catalogue.add(taxonomy_record(CategoryRecord, category), f"categories/{category.slug}.json")
        for event in events:
            catalogue.add(taxonomy_record(LifeEventRecord, event), f"life-events/{event.slug}.json")

        # Everything a service record takes from outside its own row.
        context_key = (
            tuple((a.pk, a.slug) for a in apps),
            tuple(sorted(catalogue.apps)),
            tuple((c.pk, c.slug) for c in categories),
            tuple((e.pk, e.slug) for e in events),
        )
        if context_key != self._context_key:
            self._services.clear()
            self._linking.clear()
            self._context_key = context_key

        rows = list(
            ServicePage.objects.live()
            .public()
            .order_by("slug")
            .values_list("pk", "slug", "path", "last_published_at", "latest_revision_id")
        )
        # A description's links to other pages become their portal URLs, or lose their target
        # when that page is not live: when the live pages change, re-export the linking services.
        link_targets = frozenset((pk, slug) for pk, slug, *_rest in rows) | {
            (p.pk, p.slug) for p in opd_pages
        }
        relink = self._linking if link_targets != self._link_targets else set()
        self._link_targets = link_targets
        wanted: list[tuple[int, str, tuple]] = []
        stale: dict[int, tuple] = {}
        for pk, slug, path, published_at, revision in rows:
            opd = opd_by_path.get(path[: -Page.steplen])
            if opd is None:
                continue  # its OPD is unpublished: the service is not reachable either
            fingerprint = (slug, path, opd.slug, published_at, revision)
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
                record = service_record(page, fingerprint[2])
                if record.app and record.app not in catalogue.apps:
                    logger.warning("layanan %s: aplikasi %s tidak terbit", record.id, record.app)
                    record = Service.from_dict({**record.to_dict(), "app": None, "deep_link": None})
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
        catalogue.check_references()
        self.last_reexported = len(stale)
        return catalogue
