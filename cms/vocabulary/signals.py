"""The "Pengelola pencarian" group, set up after migrate. (A published, unpublished or deleted
entry updates the live portal like a service: cms.publishing.signals connects that.)"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

GROUP_NAME = "Pengelola pencarian"
ACTIONS = ("add", "change", "delete", "view", "publish")


def set_up_group(sender, app_config=None, using=DEFAULT_DB_ALIAS, **kwargs):
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from wagtail.snippets.models import create_extra_permissions

    from .models import BestBetEntry, SearchTermEntry

    # post_migrate is sent once per app; the admin's own permissions exist after the last one.
    last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    if app_config is not last:
        return
    mine = apps.get_app_config("vocabulary")
    for config in (mine, apps.get_app_config("wagtailadmin")):
        create_permissions(config, verbosity=0, using=using)
    create_extra_permissions(mine, using=using)  # publish_<model>, for DraftStateMixin snippets
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    for model in (SearchTermEntry, BestBetEntry):
        content_type = ContentType.objects.get_for_model(model)
        name = model._meta.model_name
        group.permissions.add(
            *Permission.objects.filter(
                content_type=content_type, codename__in=[f"{a}_{name}" for a in ACTIONS]
            )
        )
