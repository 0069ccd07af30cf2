"""Signal handlers: set-up after migrate, an editor group for every OPD page, a moved service's editor."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, connections

from .setup import ensure_catalogue_setup, ensure_editor_group


def set_up_catalogue(sender, app_config=None, using=DEFAULT_DB_ALIAS, **kwargs):
    # post_migrate is sent once per app; do the work once, after the last app with models.
    last = [c for c in global_apps.get_app_configs() if c.models_module is not None][-1]
    if app_config is not last:
        return
    if "services_catalogueindexpage" not in connections[using].introspection.table_names():
        return  # migrated backwards
    # Page permissions (publish_page, …) must exist before groups can be given them.
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    ensure_catalogue_setup()


def opd_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    ensure_editor_group(instance)


def opd_link_deleted(sender, instance, **kwargs):
    # The OPD page is gone: its editor group would grant nothing but admin access, so it goes too.
    from django.contrib.auth.models import Group

    Group.objects.filter(pk=instance.group_id).delete()


def service_moved(sender, instance, parent_page_before=None, parent_page_after=None, **kwargs):
    """A service moved to another OPD loses a responsible editor who is not that OPD's editor."""
    from .forms import opd_editors
    from .models import OpdPage, ServicePage

    if (
        parent_page_before is None
        or parent_page_after is None
        or parent_page_before.pk == parent_page_after.pk
    ):
        return
    page = ServicePage.objects.filter(pk=instance.pk).only("path", "responsible_editor").first()
    if page is None or page.responsible_editor_id is None:
        return
    opd = OpdPage.holding(page)
    if opd is None or not opd_editors(opd).filter(pk=page.responsible_editor_id).exists():
        ServicePage.objects.filter(pk=page.pk).update(responsible_editor=None)
