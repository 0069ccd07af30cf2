"""Loading a checked catalogue into the CMS: upsert by id, publish what changed.

Everything runs in one transaction. A record the database refuses (a model
validation error) becomes a RecordError naming file, record and field, so the
caller sees the same kind of message as for a bad file, and nothing is kept.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from wagtail.models import COMMENTS_RELATION_NAME, Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from catalogue import App as AppRecord
from catalogue import Catalogue, Opd, RecordError, Service
from catalogue import Category as CategoryRecord
from catalogue import LifeEvent as LifeEventRecord
from cms.vocabulary.importing import import_vocabulary

from . import bulk, reviews
from .exporting import WITA, app_record, life_event_record, opd_record, service_record, taxonomy_record
from .models import App, Category, LifeEvent, OpdPage, ServicePage
from .setup import catalogue_root, ensure_editor_group

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
    with (
        transaction.atomic(),
        disable_reference_index_auto_update(),
        bulk.search_tasks_run_here(),
        reviews.record_dates_kept(),  # the records' review dates, not today's
    ):
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
        self.publish_opds()
        self.opd_by_path = {page.path: page for page in self.opds.values()}
        for record in self.catalogue.apps.values():
            self.upsert_snippet(record, App, self.apps, "aplikasi", self.app_values, app_record)
        for record in self.catalogue.categories.values():
            self.upsert_snippet(
                record, Category, self.categories, "kategori", self.taxonomy_values, self.category_record
            )
        # Journeys refer to services: their steps are set once the services are in (set_journeys).
        for record in self.catalogue.life_events.values():
            self.upsert_snippet(
                dataclasses.replace(record, steps=()),
                LifeEvent,
                self.life_events,
                "peristiwa hidup",
                self.taxonomy_values,
                self.event_record,
            )
        self.publish_services(self.changed_services(progress))
        self.set_journeys()
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

    def publish_opds(self) -> None:
        """New and edited OPD pages in bulk (cms.services.bulk), each then given its editor group."""
        changed = []
        for record in self.catalogue.opds.values():
            page = self.opds.get(record.slug)
            if page is not None and page.live and opd_record(page) == record:
                self.result.unchanged["opd"] += 1
            else:
                changed.append((record, page))
        one_by_one = bulk.needs_wagtail_api(page for _record, page in changed if page is not None)
        publications = []
        for record, page in changed:
            with _record_errors(self.catalogue, record):
                if page is None:
                    page = OpdPage(slug=record.slug, title=record.name)
                    self.result.created["opd"] += 1
                else:
                    self.result.updated["opd"] += 1
                self.set_opd_fields(page, record)
                if page.pk in one_by_one:
                    page.save_revision(log_action=True).publish()
                    self.touched.append(page)
                else:
                    bulk.validate(page, self.root, page.catalogue_errors())
                    publications.append(bulk.Publication(page, self.root))
            self.opds[record.slug] = page
        bulk.publish_pages(publications)
        for publication in publications:
            # What the post_save signal does for an OPD page saved one by one (bulk writes send none).
            ensure_editor_group(publication.page)

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
            "play_store_url": record.play_store_url,
            "app_store_url": record.app_store_url,
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

    def set_journeys(self) -> None:
        """Each life event's steps, referring to the (now published) service pages."""
        wanted = {slug for r in self.catalogue.life_events.values() for s in r.steps for slug in s.services}
        pages = {p.slug: p for p in ServicePage.objects.filter(slug__in=wanted)}
        for record in self.catalogue.life_events.values():
            obj = self.life_events[record.slug]
            if life_event_record(obj) == record:
                continue
            file = self.catalogue.source(record)
            steps = []
            for number, step in enumerate(record.steps, start=1):
                for service_id in step.services:
                    page = pages.get(service_id)
                    if page is None or not page.live:
                        raise RecordError(
                            file, record.slug, f"steps[{number}]", f"layanan '{service_id}' tidak terbit."
                        )
                value = {
                    "services": [pages[s] for s in step.services],
                    "why": step.why,
                    "produces": step.produces,
                    "mode": step.mode,
                }
                steps.append(("step", value))
            obj.steps = steps
            with _record_errors(self.catalogue, record):
                obj.full_clean()
                obj.save()
            if obj not in self.touched:  # counted unchanged so far: only its journey changed
                self.result.unchanged["peristiwa hidup"] -= 1
                self.result.updated["peristiwa hidup"] += 1
                self.touched.append(obj)

    # Services ---------------------------------------------------------------------------

    def changed_services(self, progress) -> list[tuple[Service, ServicePage | None]]:
        """The records to publish, with their page (None: new), in the catalogue's order.

        First each record against what the database holds, as plain column values (no page
        objects): equal means the import would write the same content, so it writes nothing.
        Only the pages that differ there are loaded and compared as their export sees them.
        """
        stored = stored_services()
        total = len(self.catalogue.services)
        differ: list[Service] = []
        for done, record in enumerate(self.catalogue.services.values(), start=1):
            row = stored.get(record.id)
            if row is not None and self.stored_unchanged(row, record):
                self.result.unchanged["layanan"] += 1
            else:
                differ.append(record)
            if progress:
                progress(done, total)
        pages = {}
        slugs = [record.id for record in differ if record.id in stored]
        for chunk in bulk.chunks(slugs):
            query = ServicePage.objects.filter(slug__in=chunk).select_related("app")
            for page in query.prefetch_related("categories", "life_events", COMMENTS_RELATION_NAME):
                pages[page.slug] = page
        changed = []
        for record in differ:
            page = pages.get(record.id)
            if page is not None and page.live and self.unchanged(page, record):
                self.result.unchanged["layanan"] += 1
            else:
                changed.append((record, page))
        return changed

    def stored_unchanged(self, row: dict, record: Service) -> bool:
        """Whether the page's stored row already holds what set_service_fields would write."""
        parent = self.parent_of_path(row["path"])
        app = self.apps.get(record.app) if record.app else None
        categories = {getattr(self.categories.get(slug), "pk", None) for slug in record.categories}
        life_events = {getattr(self.life_events.get(slug), "pk", None) for slug in record.life_events}
        return (
            row["live"]
            and parent is not None
            and parent.slug == record.opd
            and all(row[name] == getattr(record, name) for name in _PLAIN_FIELDS)
            and row["deep_link"] == (record.deep_link or "")
            and row["app_id"] == (app.pk if app else None)
            and all(
                _items(row[name]) == [("item", text) for text in getattr(record, name)]
                for name in _TEXT_LISTS
            )
            and _items(row["channels"]) == _channel_blocks(record)
            and row["categories"] == categories
            and row["life_events"] == life_events
            and (not record.updated or _published_date(row["last_published_at"]) == record.updated)
            and (not record.reviewed or _iso(row["last_reviewed"]) == record.reviewed)
        )

    def publish_services(self, changed: list[tuple[Service, ServicePage | None]]) -> None:
        """New and edited services in bulk (cms.services.bulk); moves and special cases one by one."""
        by_pk = {page.pk: page for _record, page in changed if page is not None}
        one_by_one = bulk.needs_wagtail_api(by_pk.values())
        publications = []
        for record, page in changed:
            opd = self.opds[record.opd]
            if page is not None and (page.pk in one_by_one or self.parent_of(page) is not opd):
                self.upsert_service_one_by_one(record, page)
                continue
            with _record_errors(self.catalogue, record):
                if page is None:
                    page = ServicePage(slug=record.id, title=record.title)
                    self.result.created["layanan"] += 1
                else:
                    self.result.updated["layanan"] += 1
                self.set_service_fields(page, record)
                bulk.validate(page, opd, page.catalogue_errors())
            publications.append(bulk.Publication(page, opd, self.publication_date(record)))
        bulk.publish_pages(publications)

    def upsert_service_one_by_one(self, record: Service, page: ServicePage) -> None:
        """Through Wagtail's page API: a move to another OPD, or a page Wagtail publishes specially."""
        opd = self.opds[record.opd]
        with _record_errors(self.catalogue, record):
            if self.parent_of(page) is not opd:
                page.move(opd, pos="last-child")  # the record names another OPD
                page = ServicePage.objects.get(pk=page.pk)
            self.set_service_fields(page, record)
            self.result.updated["layanan"] += 1
            page.save_revision(log_action=True).publish()
        if published := self.publication_date(record):
            # Keep the record's publication date, so export → import → export is byte-identical.
            Page.objects.filter(pk=page.pk).update(last_published_at=published)
        self.touched.append(page)

    @staticmethod
    def publication_date(record: Service) -> datetime | None:
        if not record.updated:
            return None
        return datetime.combine(date.fromisoformat(record.updated), time(), tzinfo=WITA)

    def parent_of(self, page: ServicePage) -> OpdPage | None:
        return self.parent_of_path(page.path)

    def parent_of_path(self, path: str) -> OpdPage | None:
        return self.opd_by_path.get(path[: -Page.steplen])

    def unchanged(self, page: ServicePage, record: Service) -> bool:
        parent = self.parent_of(page)
        if parent is None:
            return False
        # Categories and life events are sets in the CMS: compare them in the export's (sorted) order.
        wanted = dataclasses.replace(
            record, categories=tuple(sorted(record.categories)), life_events=tuple(sorted(record.life_events))
        )
        return (
            service_record(
                page, parent.slug, with_updated=bool(record.updated), with_reviewed=bool(record.reviewed)
            )
            == wanted
        )

    def set_service_fields(self, page: ServicePage, record: Service) -> None:
        for name in _PLAIN_FIELDS:
            setattr(page, name, getattr(record, name))
        page.app = self.apps[record.app] if record.app else None
        page.deep_link = record.deep_link or ""
        for name in _TEXT_LISTS:
            setattr(page, name, [("item", text) for text in getattr(record, name)])
        page.channels = _channel_blocks(record)
        page.categories.set([self.categories[slug] for slug in record.categories])
        # A record without a review date (the shared format) is reviewed when it is published.
        reviewed = record.reviewed or record.updated
        page.last_reviewed = date.fromisoformat(reviewed) if reviewed else reviews.today()
        page.life_events.set([self.life_events[slug] for slug in record.life_events])


# Service fields set_service_fields copies from the record unchanged (and stored_unchanged compares).
_PLAIN_FIELDS = ("title", "summary", "description", "duration", "cost", "output", "complaints", "featured")
_TEXT_LISTS = ("requirements", "steps", "legal_basis", "keywords")
_STREAMS = (*_TEXT_LISTS, "channels")


def stored_services() -> dict[str, dict]:
    """Every service page's stored content by slug, as column values: stream fields as their JSON
    text, categories and life events as sets of ids. A few queries, no page objects."""
    streams = {f"{name}_json": Cast(name, TextField()) for name in _STREAMS}
    columns = ("pk", "slug", "path", "live", "app_id", "deep_link", "last_published_at", "last_reviewed")
    rows = {}
    for row in ServicePage.objects.values(*columns, *_PLAIN_FIELDS, **streams):
        for name in _STREAMS:
            row[name] = row.pop(f"{name}_json")
        row["categories"], row["life_events"] = set(), set()
        rows[row["pk"]] = row
    for name in ("categories", "life_events"):
        field = ServicePage._meta.get_field(name)
        source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        for page_id, item_id in field.remote_field.through.objects.values_list(source, target):
            if page_id in rows:
                rows[page_id][name].add(item_id)
    return {row["slug"]: row for row in rows.values()}


def _channel_blocks(record: Service) -> list[tuple]:
    """The record's channels as the page's stream field holds them."""
    return [(c.kind, {"name": c.name, "address": c.address, "hours": c.hours}) for c in record.channels]


def _items(stream_json: str | None) -> list[tuple]:
    """A stream field's blocks as (type, value), without the block ids Wagtail adds on save."""
    return [(block["type"], block["value"]) for block in json.loads(stream_json or "[]")]


def _published_date(published: datetime | None) -> str | None:
    return published.astimezone(WITA).date().isoformat() if published else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
