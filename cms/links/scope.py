"""Which OPDs an editor may see in reports: those their Wagtail page permissions reach.

An OPD is a permission boundary in the page tree (cms.services), so the OPDs whose
pages (or whose services) a user may edit, publish or add to are "theirs". Superusers,
and groups with permission above the OPD pages (e.g. reviewers on the home page),
see every OPD.
"""

from __future__ import annotations

from django.apps import apps
from wagtail.permission_policies.pages import PagePermissionPolicy

ALL = None  # returned when the user may see every OPD


def visible_opd_slugs(user) -> set[str] | None:
    """The catalogue slugs of the OPDs `user` may see, or ALL (None)."""
    if not user.is_active:
        return set()
    if user.is_superuser:
        return ALL
    permitted = PagePermissionPolicy().instances_user_has_any_permission_for(
        user, ["add", "change", "publish"]
    )
    paths = list(permitted.values_list("path", flat=True))
    if not paths:
        return set()
    opd_model = apps.get_model("services", "OpdPage")
    opd_pages = opd_model.objects.values_list("path", "slug")
    return {
        slug
        for opd_path, slug in opd_pages
        if any(path.startswith(opd_path) or opd_path.startswith(path) for path in paths)
    }
