"""Idempotent set-up of the page tree, the editor/reviewer groups and the review workflow.

Run after every migrate (post_migrate) and whenever an OPD page is saved, so a
fresh database, an import and the admin all end in the same state.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import get_supported_language_variant
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .models import App, CatalogueIndexPage, Category, LifeEvent, OpdEditorGroup, OpdPage

CATALOGUE_TITLE = "Layanan Publik Kota Samarinda"
CATALOGUE_SLUG = "katalog"
REVIEWERS_GROUP = "Peninjau"
WORKFLOW_NAME = "Tinjauan layanan"
TASK_NAME = "Persetujuan peninjau"
# Editors add and edit; only reviewers publish (through the workflow).
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
REVIEWER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
SNIPPET_MODELS = (App, Category, LifeEvent)
# Created by Wagtail's own migrations with rights over the whole tree: an OPD editor put there by
# mistake could edit every OPD's pages. Santer's groups replace them.
WAGTAIL_DEFAULT_GROUPS = ("Editors", "Moderators")


def ensure_catalogue_setup() -> CatalogueIndexPage:
    root = ensure_catalogue_root()
    # Wagtail's own site has no name, and the dashboard would show "localhost".
    Site.objects.filter(site_name="").update(site_name="Santer")
    reviewers = ensure_reviewers_group(root)
    ensure_workflow(root, reviewers)
    retire_wagtail_default_groups()
    for opd in OpdPage.objects.all():
        ensure_editor_group(opd)
    return root


def catalogue_root() -> CatalogueIndexPage:
    return CatalogueIndexPage.objects.first() or ensure_catalogue_setup()


def ensure_catalogue_root() -> CatalogueIndexPage:
    index = CatalogueIndexPage.objects.first()
    if index is not None:
        return index
    if not Locale.objects.exists():  # a flushed database (TransactionTestCase) has none
        Locale.objects.create(language_code=get_supported_language_variant(settings.LANGUAGE_CODE))
    tree_root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    index = tree_root.add_child(instance=CatalogueIndexPage(title=CATALOGUE_TITLE, slug=CATALOGUE_SLUG))
    index.save_revision().publish(log_action=False)

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=index, is_default_site=True, site_name="Santer"
        )
    else:
        site.root_page = index
        site.save()
    # Wagtail's own migration leaves a "Welcome" page as the site root; the catalogue replaces it.
    welcome = tree_root.get_children().filter(content_type=ContentType.objects.get_for_model(Page))
    for page in welcome:
        if page.is_leaf() and not Site.objects.filter(root_page=page).exists():
            page.delete()
    return index


def _permissions(codenames, model) -> list[Permission]:
    content_type = ContentType.objects.get_for_model(model)
    return [Permission.objects.get(content_type=content_type, codename=c) for c in codenames]


def _admin_access() -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


def _grant_page_permissions(group: Group, page: Page, codenames) -> None:
    for permission in _permissions(codenames, Page):
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def ensure_reviewers_group(root: CatalogueIndexPage) -> Group:
    """Reviewers approve (publish) every service and curate apps, categories and life events."""
    group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    group.permissions.add(_admin_access())
    for model in SNIPPET_MODELS:
        name = model._meta.model_name
        group.permissions.add(
            *_permissions([f"{a}_{name}" for a in ("add", "change", "delete", "view")], model)
        )
    _grant_page_permissions(group, root, REVIEWER_PAGE_PERMISSIONS)
    return group


def ensure_workflow(root: CatalogueIndexPage, reviewers: Group) -> Workflow:
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(reviewers)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    return workflow


def retire_wagtail_default_groups() -> None:
    """Delete Wagtail's default groups while nobody is in them (members mean an admin chose so)."""
    Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS, user__isnull=True).delete()


def editor_group_name(opd: OpdPage) -> str:
    return f"Editor {opd.short_name}"[:150]


def ensure_editor_group(opd: OpdPage) -> Group:
    """The OPD's editor group: add/edit on this OPD's pages only, plus access to the admin."""
    link = OpdEditorGroup.objects.filter(opd=opd).select_related("group").first()
    name = editor_group_name(opd)
    taken = Group.objects.filter(name=name).exclude(opd_link__opd=opd)
    if taken.filter(opd_link__isnull=False).exists():
        name = f"Editor {opd.short_name} ({opd.slug})"[:150]  # two OPDs with one short name
    if link is None:
        group, _ = Group.objects.get_or_create(name=name)
        OpdEditorGroup.objects.create(opd=opd, group=group)
    else:
        group = link.group
        if group.name != name and not Group.objects.filter(name=name).exists():
            group.name = name  # the OPD's short name changed
            group.save(update_fields=["name"])
    group.permissions.add(_admin_access())
    _grant_page_permissions(group, opd, EDITOR_PAGE_PERMISSIONS)
    return group
