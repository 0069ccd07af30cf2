"""What asks for a portal update: page publish/unpublish/move/delete, catalogue snippet changes,
search vocabulary entries published, unpublished or deleted, and apps going down or coming back
(link health). Also renders the editors' service page previews.

And what wakes the worker: any task queued in the database (Wagtail's own index updates,
link checks, portal updates) or a revision scheduled to go live, so that it sleeps between
tasks instead of polling.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.models import Revision
from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished

from cms.links.health import app_availability_changed, app_health_checked
from cms.services.models import service_preview_requested

from .queue import request_portal_update
from .wake import wake_worker

# Page types that appear on the portal (the catalogue root holds the OPDs).
PORTAL_PAGE_MODELS = ("OpdPage", "ServicePage", "CatalogueIndexPage")
SNIPPET_MODELS = ("App", "Category", "LifeEvent")
VOCABULARY_MODELS = ("SearchTermEntry", "BestBetEntry")  # snippets with a draft: their publishing counts


def _label(instance) -> str:
    title = getattr(instance, "title", None) or getattr(instance, "name", None) or str(instance)
    return f"{instance._meta.verbose_name} «{title}»"


def _is_portal_page(instance) -> bool:
    specific = getattr(instance, "specific_class", None) or type(instance)
    return specific is not None and specific.__name__ in PORTAL_PAGE_MODELS


def page_published_handler(sender, instance, **kwargs):
    if _is_portal_page(instance):
        request_portal_update(f"terbit: {_label(instance)}")


def page_unpublished_handler(sender, instance, **kwargs):
    if _is_portal_page(instance):
        request_portal_update(f"ditarik: {_label(instance)}")


def page_moved_handler(sender, instance, **kwargs):
    if _is_portal_page(instance) and instance.live:
        request_portal_update(f"dipindah: {_label(instance)}")


def page_deleted_handler(sender, instance, **kwargs):
    if instance.live:
        request_portal_update(f"dihapus: {_label(instance)}")


def snippet_saved_handler(sender, instance, raw=False, **kwargs):
    if not raw:
        request_portal_update(f"diubah: {_label(instance)}")


def snippet_deleted_handler(sender, instance, **kwargs):
    request_portal_update(f"dihapus: {_label(instance)}")


def entry_published_handler(sender, instance, **kwargs):
    request_portal_update(f"terbit: {_label(instance)}")


def entry_unpublished_handler(sender, instance, **kwargs):
    request_portal_update(f"ditarik: {_label(instance)}")


def task_enqueued_handler(sender, task_result, **kwargs):
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(sender, type) and issubclass(sender, DatabaseBackend):
        wake_worker()


def revision_saved_handler(sender, instance, raw=False, **kwargs):
    """A revision scheduled to go live: the worker recomputes when its scheduler next looks."""
    if not raw and instance.approved_go_live_at is not None:
        wake_worker()


def app_availability_handler(sender, apps, **kwargs):
    request_portal_update(f"kesehatan tautan: {', '.join(apps)}")


def app_health_checked_handler(sender, **kwargs):
    # Only the app directory's pages change (when each app was last checked).
    request_portal_update("kesehatan tautan: pemeriksaan berkala")


def service_preview_handler(sender, page, **kwargs):
    from .preview import serve_service_preview  # the builder: loaded when an editor previews

    return serve_service_preview(page)


def connect() -> None:
    from django.apps import apps
    from django_tasks_db.compat import task_enqueued

    task_enqueued.connect(task_enqueued_handler, dispatch_uid="publishing.task_enqueued")
    post_save.connect(revision_saved_handler, sender=Revision, dispatch_uid="publishing.revision_saved")

    page_published.connect(page_published_handler, dispatch_uid="publishing.page_published")
    page_unpublished.connect(page_unpublished_handler, dispatch_uid="publishing.page_unpublished")
    post_page_move.connect(page_moved_handler, dispatch_uid="publishing.page_moved")
    app_availability_changed.connect(app_availability_handler, dispatch_uid="publishing.link_health")
    app_health_checked.connect(app_health_checked_handler, dispatch_uid="publishing.link_health_checked")
    service_preview_requested.connect(service_preview_handler, dispatch_uid="publishing.preview")
    for name in PORTAL_PAGE_MODELS[:2]:
        model = apps.get_model("services", name)
        post_delete.connect(page_deleted_handler, sender=model, dispatch_uid=f"publishing.deleted.{name}")
    for name in SNIPPET_MODELS:
        model = apps.get_model("services", name)
        post_save.connect(snippet_saved_handler, sender=model, dispatch_uid=f"publishing.saved.{name}")
        post_delete.connect(snippet_deleted_handler, sender=model, dispatch_uid=f"publishing.deleted.{name}")
    for name in VOCABULARY_MODELS:
        model = apps.get_model("vocabulary", name)
        published.connect(entry_published_handler, sender=model, dispatch_uid=f"publishing.published.{name}")
        unpublished.connect(
            entry_unpublished_handler, sender=model, dispatch_uid=f"publishing.unpublished.{name}"
        )
        post_delete.connect(snippet_deleted_handler, sender=model, dispatch_uid=f"publishing.deleted.{name}")
