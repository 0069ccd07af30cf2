"""Admin report: who published, unpublished, moved or deleted which service, and when — per OPD.

The entries are Wagtail's own page log (PageLogEntry), first narrowed by Wagtail's
`viewable_by_user`, then to the pages inside the OPDs the user may work on, so an OPD
editor sees only their own OPD's history.

A deleted page is no longer in the tree, so its OPD cannot be found afterwards: when Wagtail
logs a deletion (the page still exists then), the entry's data records the OPD
(remember_opd_of_deleted_page). Wagtail shows deletions only to users with rights on the
tree root; the report adds those of their own OPDs for OPD editors.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.views.reports import ReportView
from wagtail.log_actions import registry as log_actions
from wagtail.models import PageLogEntry

from cms.links.scope import ALL, visible_opd_slugs
from cms.services.models import OpdPage, opd_holding

ACTIONS = {
    "wagtail.publish": "Diterbitkan",
    "wagtail.unpublish": "Ditarik dari portal",
    "wagtail.move": "Dipindahkan",
    "wagtail.delete": "Dihapus",
    "wagtail.publish.scheduled": "Dijadwalkan terbit",
    "wagtail.schedule.cancel": "Jadwal terbit dibatalkan",
    "santer.still_correct": "Diperiksa: masih benar",
}


def _opd_pages():
    return OpdPage.objects.order_by("title")


def _opd_choices(request):
    slugs = visible_opd_slugs(request.user)
    pages = _opd_pages()
    if slugs is not ALL:
        pages = pages.filter(slug__in=slugs)
    return [(page.slug, page.title) for page in pages]


class PublicationFilterSet(WagtailFilterSet):
    opd = django_filters.ChoiceFilter(label=_("OPD"), method="filter_opd", empty_label=_("Semua OPD"))
    action = django_filters.ChoiceFilter(
        label=_("Aksi"), choices=list(ACTIONS.items()), empty_label=_("Semua aksi")
    )
    timestamp = django_filters.DateFromToRangeFilter(label=_("Tanggal"))

    class Meta:
        model = PageLogEntry
        fields = ["opd", "action", "timestamp"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["opd"].extra["choices"] = _opd_choices(request) if request else []

    def filter_opd(self, queryset, name, value):
        page = _opd_pages().filter(slug=value).first()
        if page is None:
            return queryset.none()
        return queryset.filter(Q(page_id__in=_pages_under([page.path])) | Q(data__opd=value))


def entries_for(user):
    """The publication log entries `user` may see: Wagtail's own scoping, then their OPDs."""
    entries = PageLogEntry.objects.viewable_by_user(user).filter(action__in=ACTIONS)
    slugs = visible_opd_slugs(user)
    if slugs is ALL:
        return entries
    paths = list(_opd_pages().filter(slug__in=slugs).values_list("path", flat=True))
    if not paths:
        return entries.none()
    # Wagtail's scoping leaves out deleted pages for them: their OPDs' deletions are added back.
    deleted = PageLogEntry.objects.filter(action="wagtail.delete", data__opd__in=list(slugs))
    return entries.filter(page_id__in=_pages_under(paths)) | deleted


def _pages_under(paths):
    """Ids of the pages inside these tree paths, as a subquery: a join on the log entries' page
    would be an inner join (the key is not nullable) and drop the entries of deleted pages."""
    from wagtail.models import Page

    inside = Q()
    for path in paths:
        inside |= Q(path__startswith=path)
    return Page.objects.filter(inside).values("pk")


def remember_opd_of_deleted_page(sender, instance, created, raw=False, **kwargs):
    """post_save of PageLogEntry: a deletion's entry keeps the OPD its page was in."""
    if not created or raw or instance.action != "wagtail.delete":
        return
    from wagtail.models import Page

    path = Page.objects.filter(pk=instance.page_id).values_list("path", flat=True).first()
    opd = opd_holding(path, {opd.path: opd for opd in _opd_pages()})
    if opd is not None:
        data = {**(instance.data or {}), "opd": opd.slug, "opd_name": opd.title}
        PageLogEntry.objects.filter(pk=instance.pk).update(data=data)


class PublicationLogView(ReportView):
    page_title = _("Riwayat penerbitan")
    header_icon = "history"
    index_url_name = "publishing_audit"
    index_results_url_name = "publishing_audit_results"
    filterset_class = PublicationFilterSet
    paginate_by = 50
    no_results_message = _("Belum ada penerbitan yang tercatat.")
    columns = [
        DateColumn("timestamp", label=_("Waktu")),
        UserColumn("user", label=_("Oleh"), blank_display_name=_("Sistem")),
        Column("action_label", label=_("Aksi")),
        Column("label", label=_("Halaman")),
        Column("opd_name", label=_("OPD")),
    ]
    list_export = ["timestamp", "user_display_name", "action_label", "label", "opd_name"]

    def get_filename(self):
        return "riwayat-penerbitan"

    def get_queryset(self):
        # Not select_related("page"): its inner join would drop the entries of deleted pages.
        return entries_for(self.request.user).select_related("user").order_by("-timestamp", "-pk")

    def decorate_paginated_queryset(self, object_list):
        from wagtail.models import Page

        opds = {opd.path: opd for opd in _opd_pages()}
        page_ids = {entry.page_id for entry in object_list}
        paths = dict(Page.objects.filter(pk__in=page_ids).values_list("pk", "path"))
        for entry in object_list:
            opd = opd_holding(paths.get(entry.page_id), opds)
            # a deleted page is no longer in the tree: its entry recorded the OPD
            entry.opd_name = opd.title if opd else (entry.data or {}).get("opd_name", "")
            entry.action_label = ACTIONS.get(entry.action) or log_actions.get_action_label(entry.action)
        return object_list
