"""Publishing many pages in one pass, writing the rows Wagtail's own page API writes.

Wagtail's per-page API (add_child → save_revision → publish) costs about sixty queries
a page, so loading a catalogue of ten thousand services took most of ten minutes and left
a background task per saved page behind. `publish_pages` writes the same rows — the page
and its specific row in the tree, its ParentalManyToMany rows, one revision, the log entries
("wagtail.edit", "wagtail.rename" when the title changed, "wagtail.publish"), the reference
index and the search index — in a fixed number of queries per batch, and sends Wagtail's
`page_published` and `published` signals for every page as the API does.
`cms/services/tests/test_bulk.py` checks the result against Wagtail's own API, row by row.

Pages Wagtail treats specially on publish (scheduled, aliased, in a running workflow) and
moves are not for this path: the caller publishes those through Wagtail's API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.db.models.constants import OnConflict
from django.utils import timezone
from django_tasks.signals import task_enqueued
from modelcluster.fields import ParentalManyToManyField
from modelsearch import index
from modelsearch.backends import get_search_backends
from modelsearch.tasks import insert_or_update_object_task
from treebeard.exceptions import PathOverflow
from wagtail.log_actions import get_active_log_context
from wagtail.models import COMMENTS_RELATION_NAME, Page, PageLogEntry, ReferenceIndex, Revision, WorkflowState
from wagtail.signals import page_published, published

BATCH = 500
SEARCH_BATCH = 2000
# Fields of the page row that publishing sets (the rest is the page's content).
PUBLISH_FIELDS = (
    "live",
    "has_unpublished_changes",
    "expired",
    "draft_title",
    "latest_revision",
    "latest_revision_created_at",
    "live_revision",
    "first_published_at",
    "last_published_at",
)


@dataclass
class Publication:
    """A specific page to publish under `parent`: new (no pk yet) or loaded from the database and edited."""

    page: Page
    parent: Page
    published_at: datetime | None = None  # the publication date to record; None: now
    created: bool = False  # set by publish_pages: the page was new


def validate(page: Page, parent: Page, catalogue_errors: dict[str, str]) -> None:
    """Page.full_clean without its per-page queries: field checks plus the caller's own record checks.

    Foreign keys point at rows the caller holds, and uniqueness (slug among siblings, the
    service id) is the caller's to guarantee, so neither is looked up again per page.
    """
    if page.locale_id is None:
        page.locale_id = parent.locale_id  # Wagtail's default: the parent's locale
    page._set_core_field_defaults()
    exclude = [
        f.name
        for f in type(page)._meta.concrete_fields
        if f.is_relation or f.primary_key or f.name in _TREE_FIELDS  # the tree is placed on insert
    ]
    errors: dict = {}
    try:
        page.clean_fields(exclude=exclude)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    for name, message in catalogue_errors.items():
        errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def needs_wagtail_api(pages: Iterable[Page]) -> set[int]:
    """Ids of existing pages whose publication Wagtail handles specially: publish those one by one."""
    pages = [p for p in pages if p.pk is not None]
    special = {p.pk for p in pages if p.go_live_at or p.expire_at or p.alias_of_id}
    ids = [p.pk for p in pages]
    for chunk in chunks(ids):
        special.update(Page.objects.filter(alias_of__in=chunk).values_list("alias_of_id", flat=True))
        running = WorkflowState.objects.active().filter(
            base_content_type=ContentType.objects.get_for_model(Page), object_id__in=[str(i) for i in chunk]
        )
        special.update(int(i) for i in running.values_list("object_id", flat=True))
    return special


def publish_pages(publications: list[Publication]) -> None:
    """Create or update and publish every page, as page.save_revision(log_action=True).publish() would."""
    if not publications:
        return
    model = type(publications[0].page)
    assert all(type(p.page) is model for p in publications), "one page type per call"
    now = timezone.now()
    for publication in publications:
        publication.created = publication.page.pk is None
    new = [p for p in publications if p.created]
    existing = [p for p in publications if p.page.pk is not None]
    old_titles = {}
    for chunk in chunks([p.page.pk for p in existing]):
        old_titles.update(Page.objects.filter(pk__in=chunk).values_list("pk", "title"))

    _insert_new(model, new)
    contents = [p.page.serializable_data() for p in publications]  # what save_revision stores
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                content_type_id=p.page.content_type_id,
                base_content_type=ContentType.objects.get_for_model(Page),
                object_id=str(p.page.pk),
                created_at=now,
                user=None,
                approved_go_live_at=None,
                content=content,
                object_str=str(p.page),
            )
            for p, content in zip(publications, contents, strict=True)
        ],
        batch_size=BATCH,
    )
    for publication, revision in zip(publications, revisions, strict=True):
        _mark_published(publication, revision, now)

    content_fields = [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in PUBLISH_FIELDS and f.name not in _TREE_FIELDS
    ]
    _update_rows(model, content_fields + list(PUBLISH_FIELDS), [p.page for p in existing])
    _update_rows(model, PUBLISH_FIELDS, [p.page for p in new])
    _write_many_to_many(model, publications)
    _log(publications, revisions, old_titles, now)
    for publication, revision in zip(publications, revisions, strict=True):
        # The receivers see what Wagtail's publish action passes them: the specific page and its revision.
        page_published.send(sender=model, instance=publication.page, revision=revision)
        published.send(sender=model, instance=publication.page, revision=revision)
    update_reference_index([p.page for p in publications])
    update_search_index(model, [p.page for p in publications])


_TREE_FIELDS = ("path", "depth", "numchild", "url_path", "translation_key", "locale", "content_type")


def _insert_new(model, new: list[Publication]) -> None:
    """Put new pages into the tree after their parents' last children, as treebeard's add_child does."""
    by_parent: dict[int, list[Publication]] = {}
    for publication in new:
        by_parent.setdefault(publication.parent.pk, []).append(publication)
    content_type = ContentType.objects.get_for_model(model)
    for items in by_parent.values():
        parent = items[0].parent
        last = (
            Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        after = Page._str2int(last[-Page.steplen :]) if last else 0  # the last child's position
        for position, publication in enumerate(items, start=after + 1):
            page = publication.page
            page.depth = parent.depth + 1
            page.path = Page._get_path(parent.path, page.depth, position)
            if len(page.path) != len(parent.path) + Page.steplen:
                raise PathOverflow(f"Path Overflow from: '{parent.path}'")
            page.numchild = 0
            page.content_type = content_type
            page.locale_id = parent.locale_id
            page.set_url_path(parent)
            # The state save_revision finds the page in, right after add_child saved it as a draft.
            page.live = False
            page.has_unpublished_changes = False
            setattr(page, COMMENTS_RELATION_NAME, [])
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(items))
        parent.numchild += len(items)

    # Django's bulk_create refuses multi-table children. The base rows go in with the insert it
    # uses, straight from the specific pages (no copies as Page objects), returning their ids.
    base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
    specific_fields = list(model._meta.local_concrete_fields)
    for chunk in chunks([p.page for p in new]):
        ids = Page._base_manager._insert(
            chunk, fields=base_fields, returning_fields=[Page._meta.pk], using=connection.alias
        )
        for page, (pk,) in zip(chunk, ids, strict=True):
            page.pk = page.id = page.page_ptr_id = pk
            page._state.adding = False
    insert_rows(model, [p.page for p in new], specific_fields)


def _update_rows(model, names, objects: list) -> None:
    """One UPDATE per row and table, sent with executemany: Django's bulk_update builds a CASE
    expression per field and row, which costs more than the rows themselves."""
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    for table_model in {field.model._meta.concrete_model for field in fields}:
        own = [f for f in fields if f.model._meta.concrete_model is table_model]
        pk = table_model._meta.pk
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(table_model._meta.db_table),
            ", ".join(f"{quote(f.column)} = %s" for f in own),
            quote(pk.column),
        )
        rows = [
            [f.get_db_prep_save(getattr(o, f.attname), connection) for f in own] + [o.pk] for o in objects
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def insert_rows(model, objects: list, fields=None, ignore_conflicts: bool = False) -> None:
    """INSERT the objects' rows into the model's own table with one statement sent by executemany.

    What bulk_create writes for rows whose new ids nobody reads, without compiling a placeholder
    per value (several microseconds each; an import of 10,000 services writes about a million
    values) and, on PostgreSQL, without the client quoting every value into UNNEST arrays.
    """
    if not objects:
        return
    meta = model._meta
    fields = fields or [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    quote = connection.ops.quote_name
    sql = "{} {} ({}) VALUES ({}){}".format(
        connection.ops.insert_statement(on_conflict=on_conflict),
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        f" {connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)}" if on_conflict else "",
    )
    with connection.cursor() as cursor:
        for chunk in chunks(objects, 5 * BATCH):
            cursor.executemany(
                sql, [[f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields] for o in chunk]
            )
    for o in objects:
        o._state.adding = False


def _mark_published(publication: Publication, revision: Revision, now: datetime) -> None:
    page = publication.page
    page.draft_title = page.title
    page.latest_revision = revision
    page.latest_revision_created_at = revision.created_at
    page.live = True
    page.has_unpublished_changes = False
    page.expired = False
    page.live_revision = revision
    page.last_published_at = publication.published_at or now
    if page.first_published_at is None:
        page.first_published_at = publication.published_at or now


def _write_many_to_many(model, publications: list[Publication]) -> None:
    for field in model._meta.get_fields():
        if not isinstance(field, ParentalManyToManyField):
            continue
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        existing_ids = [p.page.pk for p in publications if p.page.pk is not None]
        for chunk in chunks(existing_ids):
            through.objects.filter(**{f"{source}_id__in": chunk}).delete()
        insert_rows(
            through,
            [
                through(**{f"{source}_id": p.page.pk, f"{target}_id": item.pk})
                for p in publications
                for item in getattr(p.page, field.name).all()
            ],
        )


def _log(publications, revisions, old_titles: dict, now: datetime) -> None:
    content_type = ContentType.objects.get_for_model(type(publications[0].page), for_concrete_model=False)
    uuid = get_active_log_context().uuid
    entries = []
    for publication, revision in zip(publications, revisions, strict=True):
        page = publication.page
        common = dict(
            content_type=content_type,
            label=page.get_admin_display_title(),
            timestamp=now,
            uuid=uuid,
            user=None,
            revision=revision,
            page_id=page.pk,
        )
        if publication.created:
            created = dict(common, revision=None)
            entries.append(PageLogEntry(action="wagtail.create", data={}, content_changed=True, **created))
        entries.append(PageLogEntry(action="wagtail.edit", data={}, content_changed=True, **common))
        data = {}
        old = old_titles.get(page.pk)
        if old is not None and old != str(page):
            data = {"title": {"old": old, "new": str(page)}}
            entries.append(PageLogEntry(action="wagtail.rename", data=data, content_changed=False, **common))
        entries.append(PageLogEntry(action="wagtail.publish", data=data, content_changed=True, **common))
    insert_rows(PageLogEntry, entries)


def update_reference_index(objects: list) -> None:
    """ReferenceIndex.create_or_update_for_object for many objects of one model, in a few queries."""
    if not objects:
        return
    first = objects[0]
    content_types = [
        ContentType.objects.get_for_model(m, for_concrete_model=False)
        for m in [type(first), *first._meta.get_parent_list()]
    ]
    content_type, base_content_type = content_types[0], content_types[-1]
    known = {ct.id for ct in content_types}
    wanted = {str(o.pk): set(ReferenceIndex._extract_references_from_object(o)) for o in objects}
    stored: dict[str, dict[tuple, tuple[int, int]]] = {}
    for chunk in chunks(list(wanted)):
        rows = ReferenceIndex.objects.filter(base_content_type=base_content_type, object_id__in=chunk)
        columns = ("id", "content_type_id", "object_id", "to_content_type", "to_object_id", "model_path")
        for row in rows.values_list(*columns, "content_path"):
            stored.setdefault(row[2], {})[tuple(row[3:])] = (row[1], row[0])
    create, delete = [], []
    for object_id, references in wanted.items():
        have = stored.get(object_id, {})
        for to_content_type_id, to_object_id, model_path, content_path in references - set(have):
            create.append(
                ReferenceIndex(
                    content_type=content_type,
                    base_content_type=base_content_type,
                    object_id=object_id,
                    to_content_type_id=to_content_type_id,
                    to_object_id=to_object_id,
                    model_path=model_path,
                    content_path=content_path,
                    content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
                )
            )
        # As Wagtail does: a reference recorded for a more specific type is not this object's to drop.
        delete += [row for key, (ct_id, row) in have.items() if key not in references and ct_id in known]
    insert_rows(ReferenceIndex, create, ignore_conflicts=True)
    for chunk in chunks(delete):
        ReferenceIndex.objects.filter(id__in=chunk).delete()


def update_search_index(model, objects: list) -> None:
    """What modelsearch's insert_or_update_object task does per saved object, for all of them at once."""
    for backend in get_search_backends(with_auto_update=True):
        # Larger batches than the rows': the PostgreSQL backend recomputes the average title length
        # over the whole index after every batch, which makes small batches quadratic in N.
        for chunk in chunks(objects, SEARCH_BATCH):
            backend.add_bulk(model, chunk)


@contextmanager
def search_tasks_run_here() -> Iterator[None]:
    """Run the search-index tasks Wagtail enqueues for saves in this block at its end, in this transaction.

    The few objects still saved one by one (OPD pages, snippets, moved pages) each leave a task
    for the worker; doing them here and marking them done leaves the worker free for the first
    publish. Only this thread's tasks are taken.
    """
    from django_tasks_db.models import DBTaskResult

    thread, ids = threading.get_ident(), []

    def collect(sender, task_result, **kwargs):
        if threading.get_ident() == thread and task_result.task.module_path == _SEARCH_TASK:
            ids.append(task_result.id)

    task_enqueued.connect(collect, weak=False, dispatch_uid=f"santer-import-{thread}")
    try:
        yield
    finally:
        task_enqueued.disconnect(dispatch_uid=f"santer-import-{thread}")
    tasks = DBTaskResult.objects.filter(id__in=ids, status="READY")
    done = set()
    for args in tasks.values_list("args_kwargs__args", flat=True):
        app_label, model_name, pk = args
        if (app_label, model_name, pk) not in done:
            done.add((app_label, model_name, pk))
            obj = apps.get_model(app_label, model_name).objects.filter(pk=pk).first()
            if obj is not None:
                index.insert_or_update_object(obj)
    now = timezone.now()
    tasks.update(status="SUCCESSFUL", started_at=now, finished_at=now)


_SEARCH_TASK = insert_or_update_object_task.module_path


def chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]
