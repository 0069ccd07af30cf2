"""What is published in the CMS, as catalogue records.

`published_catalogue()` is the one way out of the CMS: export_content, the
portal builder and the search indexers all read it. Only live, public pages
count, and a page's database row holds its published content (drafts live in
revisions), so drafts never leak.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from wagtail.models import Page

from catalogue import App as AppRecord
from catalogue import Catalogue, Channel, Opd, Service
from catalogue import Category as CategoryRecord
from catalogue import LifeEvent as LifeEventRecord
from cms.vocabulary.exporting import add_vocabulary

from .models import App, Category, LifeEvent, OpdPage, ServicePage, opd_holding
from .rich_text import portal_html

logger = logging.getLogger(__name__)
WITA = ZoneInfo("Asia/Makassar")


def published_catalogue() -> Catalogue:
    """The live catalogue: live OPD pages, their apps, the taxonomies and live service pages."""
    parts = published_parts()
    catalogue = parts.catalogue
    services = (
        ServicePage.objects.live()
        .public()
        .select_related("app")
        .prefetch_related("categories", "life_events")
        .order_by("slug")
    )
    for page in services:
        opd = parts.opd_of(page.path)
        if opd is None:
            continue  # its OPD is unpublished: the service is not reachable either
        catalogue.add(live_service_record(page, opd.slug, catalogue), f"services/{page.slug}.json")
    add_vocabulary(catalogue)
    catalogue = catalogue.without_unpublished_steps()
    catalogue.check_references()
    return catalogue


@dataclass
class PublishedParts:
    """What is live besides the services: their records, and the rows a service record reads."""

    catalogue: Catalogue  # OPDs, apps, categories and life events; services are added by the caller
    opd_by_path: dict[str, OpdPage]
    apps: list[App]
    categories: list[Category]
    life_events: list[LifeEvent]

    def opd_of(self, service_path: str) -> OpdPage | None:
        """The live OPD page a service page sits under, or None when that OPD is not live."""
        return opd_holding(service_path, self.opd_by_path)


def published_parts() -> PublishedParts:
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
    life_events = list(LifeEvent.objects.order_by("slug"))
    for category in categories:
        catalogue.add(taxonomy_record(CategoryRecord, category), f"categories/{category.slug}.json")
    for event in life_events:
        catalogue.add(life_event_record(event), f"life-events/{event.slug}.json")
    return PublishedParts(catalogue, opd_by_path, apps, categories, life_events)


def live_service_record(page: ServicePage, opd_slug: str, catalogue: Catalogue) -> Service:
    """A live service's record; an app of an unpublished OPD is dropped with its deep link."""
    record = service_record(page, opd_slug)
    if record.app and record.app not in catalogue.apps:
        logger.warning("layanan %s: aplikasi %s tidak terbit, tautan dihapus", record.id, record.app)
        record = Service.from_dict({**record.to_dict(), "app": None, "deep_link": None})
    return record


def opd_record(page: OpdPage) -> Opd:
    return Opd.from_dict(
        {
            "slug": page.slug,
            "name": page.title,
            "short_name": page.short_name,
            "kind": page.kind,
            "address": page.address,
            "phone": page.phone,
            "website": page.website,
            "description": page.description,
        },
        f"opds/{page.slug}.json",
    )


def app_record(app: App) -> AppRecord:
    return AppRecord.from_dict(
        {
            "slug": app.slug,
            "name": app.name,
            "opd": app.opd.slug,
            "base_url": app.base_url,
            "description": app.description,
            "platforms": list(app.platforms),
            "play_store_url": app.play_store_url,
            "app_store_url": app.app_store_url,
        },
        f"apps/{app.slug}.json",
    )


def taxonomy_record(cls, item: Category | LifeEvent):
    return cls.from_dict({"slug": item.slug, "name": item.name, "description": item.description})


def life_event_record(event: LifeEvent) -> LifeEventRecord:
    """The life event with its journey; steps name services by id (a deleted page drops out)."""
    steps = []
    for block in event.steps:
        value = block.value
        # A ListBlock of page choosers: one query per step; a deleted page is None.
        services = [page.slug for page in value["services"] if page is not None]
        if services:
            steps.append(
                {
                    "services": services,
                    "why": value["why"] or "",
                    "produces": value["produces"] or "",
                    "mode": value["mode"] or "all",
                }
            )
    return LifeEventRecord.from_dict(
        {"slug": event.slug, "name": event.name, "description": event.description, "steps": steps},
        f"life-events/{event.slug}.json",
    )


def service_record(
    page: ServicePage, opd_slug: str, with_updated: bool = True, with_reviewed: bool = True
) -> Service:
    """The page's database row (its live content) as a Service record."""
    return Service.from_dict(
        {
            "id": page.slug,
            "title": page.title,
            "summary": page.summary,
            "description": portal_html(page.description),
            "opd": opd_slug,
            "app": page.app.slug if page.app_id else None,
            "deep_link": page.deep_link or None,
            "requirements": text_list(page.requirements),
            "steps": text_list(page.steps),
            "duration": page.duration,
            "cost": page.cost,
            "output": page.output,
            "legal_basis": text_list(page.legal_basis),
            "complaints": page.complaints,
            "channels": channel_list(page.channels),
            "categories": sorted(c.slug for c in page.categories.all()),
            "life_events": sorted(e.slug for e in page.life_events.all()),
            "keywords": text_list(page.keywords),
            "featured": page.featured,
            "updated": published_date(page) if with_updated else None,
            "reviewed": page.last_reviewed.isoformat() if with_reviewed and page.last_reviewed else None,
        },
        f"services/{page.slug}.json",
    )


def text_list(stream) -> list[str]:
    return [block.value for block in stream]


def channel_list(stream) -> list[dict[str, str]]:
    return [
        Channel(
            kind=block.block_type,
            name=block.value["name"],
            address=block.value["address"] or "",
            hours=block.value["hours"] or "",
        ).to_dict()
        for block in stream
    ]


def published_date(page: Page) -> str | None:
    """The date of the last publication, in Samarinda's time zone (WITA)."""
    if page.last_published_at is None:
        return None
    return page.last_published_at.astimezone(WITA).date().isoformat()
