"""Loading a checked catalogue into the CMS: upsert by id, publish what changed.

Everything runs in one transaction. A record the database refuses (a model
validation error) becomes a RecordError naming file, record and field, so the
caller sees the same kind of message as for a bad file, and nothing is kept.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from wagtail.models import Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from catalogue import App as AppRecord
from catalogue import Catalogue, Opd, RecordError, Service
from catalogue import Category as CategoryRecord
from catalogue import LifeEvent as LifeEventRecord

from .exporting import WITA, app_record, opd_record, service_record, taxonomy_record
from .models import App, Category, LifeEvent, OpdPage, ServicePage
from .setup import catalogue_root

# Model field → record field, where the names differ.
FIELD_NAMES = {Opd: {"title": "name"}, Service: {"slug": "id"}}


@dataclass
class ImportResult:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        kinds = (
            "opd",
            "aplikasi",
            "kategori",
            "peristiwa hidup",
            "layanan",
            "istilah pencarian",
            "hasil unggulan",
        )
        return "; ".join(
            f"{kind}: {self.created[kind]} baru, {self.updated[kind]} diperbarui, "
            f"{self.unchanged[kind]} tetap"
            for kind in kinds
        )


def import_catalogue(
    catalogue: Catalogue, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Upsert every record of `catalogue` and publish what changed; all or nothing."""
    result = ImportResult()
    with transaction.atomic(), disable_reference_index_auto_update():
        importer = _Importer(catalogue, result)
        importer.run(progress)
        # Done here, synchronously, instead of one background task per saved object.
        for obj in importer.touched:
            ReferenceIndex.create_or_update_for_object(obj)
    return result


@contextmanager
def _record_errors(catalogue: Catalogue, record):
    """Turn the database's validation errors into a RecordError for this record."""
    try:
        yield
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"-": exc.messages}
        name, messages = next(iter(errors.items()))
        name = "-" if name == NON_FIELD_ERRORS else FIELD_NAMES.get(type(record), {}).get(name, name)
        raise RecordError(catalogue.source(record), record.key, name, " ".join(messages)) from exc


class _Importer:
    def __init__(self, catalogue: Catalogue, result: ImportResult):
        self.catalogue = catalogue
        self.result = result
        self.touched: list = []
        self.root = catalogue_root()
        self.opds = {page.slug: page for page in OpdPage.objects.all()}
        self.apps = {app.slug: app for app in App.objects.all()}
        self.categories = {c.slug: c for c in Category.objects.all()}
        self.life_events = {e.slug: e for e in LifeEvent.objects.all()}

    def run(self, progress) -> None:
        for record in self.catalogue.opds.values():
            self.upsert_opd(record)
        for record in self.catalogue.apps.values():
            self.upsert_snippet(record, App, self.apps, "aplikasi", self.app_values, app_record)
        for record in self.catalogue.categories.values():
            self.upsert_snippet(
                record, Category, self.categories, "kategori", self.taxonomy_values, self.category_record
            )
        for record in self.catalogue.life_events.values():
            self.upsert_snippet(
                record,
                LifeEvent,
                self.life_events,
                "peristiwa hidup",
                self.taxonomy_values,
                self.event_record,
            )
        pages = {page.slug: page for page in ServicePage.objects.select_related("app")}
        total = len(self.catalogue.services)
        for done, record in enumerate(self.catalogue.services.values(), start=1):
            self.upsert_service(record, pages.get(record.id))
            if progress:
                progress(done, total)
        from cms.vocabulary.importing import import_vocabulary

        import_vocabulary(
            self.catalogue,
            {
                "created": self.result.created,
                "updated": self.result.updated,
                "unchanged": self.result.unchanged,
            },
            self.touched,
        )

    # OPDs -------------------------------------------------------------------------------

    def upsert_opd(self, record: Opd) -> None:
        page = self.opds.get(record.slug)
        if page is not None and page.live and opd_record(page) == record:
            self.result.unchanged["opd"] += 1
            return
        with _record_errors(self.catalogue, record):
            if page is None:
                page = OpdPage(slug=record.slug, live=False)
                self.set_opd_fields(page, record)
                self.root.add_child(instance=page)
                self.result.created["opd"] += 1
            else:
                self.set_opd_fields(page, record)
                self.result.updated["opd"] += 1
            page.save_revision(log_action=True).publish()
        self.opds[record.slug] = page
        self.touched.append(page)

    @staticmethod
    def set_opd_fields(page: OpdPage, record: Opd) -> None:
        page.title = record.name
        for name in ("short_name", "kind", "address", "phone", "website", "description"):
            setattr(page, name, getattr(record, name))

    # Snippets ---------------------------------------------------------------------------

    def upsert_snippet(self, record, model, existing: dict, kind: str, values, to_record) -> None:
        obj = existing.get(record.slug)
        if obj is not None and to_record(obj) == record:
            self.result.unchanged[kind] += 1
            return
        created = obj is None
        obj = obj or model(slug=record.slug)
        for name, value in values(record).items():
            setattr(obj, name, value)
        with _record_errors(self.catalogue, record):
            obj.full_clean()
            obj.save()
        existing[record.slug] = obj
        (self.result.created if created else self.result.updated)[kind] += 1
        self.touched.append(obj)

    def app_values(self, record: AppRecord) -> dict:
        return {
            "name": record.name,
            "opd": self.opds[record.opd],
            "base_url": record.base_url,
            "description": record.description,
            "platforms": list(record.platforms),
        }

    @staticmethod
    def taxonomy_values(record) -> dict:
        return {"name": record.name, "description": record.description}

    @staticmethod
    def category_record(obj: Category) -> CategoryRecord:
        return taxonomy_record(CategoryRecord, obj)

    @staticmethod
    def event_record(obj: LifeEvent) -> LifeEventRecord:
        return taxonomy_record(LifeEventRecord, obj)

    # Services ---------------------------------------------------------------------------

    def upsert_service(self, record: Service, page: ServicePage | None) -> None:
        opd = self.opds[record.opd]
        if page is not None and page.live and self.unchanged(page, record):
            self.result.unchanged["layanan"] += 1
            return
        created = page is None
        with _record_errors(self.catalogue, record):
            if page is None:
                page = ServicePage(slug=record.id, live=False)
                self.set_service_fields(page, record)
                opd.add_child(instance=page)
                self.result.created["layanan"] += 1
            else:
                if not page.path.startswith(opd.path) or page.depth != opd.depth + 1:
                    page.move(opd, pos="last-child")  # the record names another OPD
                    page = ServicePage.objects.get(pk=page.pk)
                self.set_service_fields(page, record)
                self.result.updated["layanan"] += 1
            page.save_revision(log_action=True).publish()
        if record.updated:
            # Keep the record's publication date, so export → import → export is byte-identical.
            published = datetime.combine(date.fromisoformat(record.updated), time(), tzinfo=WITA)
            dates = {"last_published_at": published}
            if created:
                dates["first_published_at"] = published
            Page.objects.filter(pk=page.pk).update(**dates)
        self.touched.append(page)

    def unchanged(self, page: ServicePage, record: Service) -> bool:
        parent = next((o for o in self.opds.values() if o.path == page.path[: -Page.steplen]), None)
        if parent is None:
            return False
        # Categories and life events are sets in the CMS: compare them in the export's (sorted) order.
        wanted = dataclasses.replace(
            record, categories=tuple(sorted(record.categories)), life_events=tuple(sorted(record.life_events))
        )
        return service_record(page, parent.slug, with_updated=bool(record.updated)) == wanted

    def set_service_fields(self, page: ServicePage, record: Service) -> None:
        page.title = record.title
        for name in ("summary", "description", "duration", "cost", "output", "complaints", "featured"):
            setattr(page, name, getattr(record, name))
        page.app = self.apps[record.app] if record.app else None
        page.deep_link = record.deep_link or ""
        for name in ("requirements", "steps", "legal_basis", "keywords"):
            setattr(page, name, [("item", text) for text in getattr(record, name)])
        page.channels = [
            (channel.kind, {"name": channel.name, "address": channel.address, "hours": channel.hours})
            for channel in record.channels
        ]
        page.categories.set([self.categories[slug] for slug in record.categories])
        page.life_events.set([self.life_events[slug] for slug in record.life_events])
