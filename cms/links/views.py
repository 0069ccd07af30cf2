"""Admin report: broken and slow links per OPD (each editor sees only their own OPD's links)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views.reports import ReportView

from .models import LinkStatus
from .scope import ALL, visible_opd_slugs


class LinkReportFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("Status"), choices=LinkStatus.State.choices, empty_label=_("Semua masalah")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Jenis"), choices=LinkStatus.Kind.choices, empty_label=_("Semua")
    )
    opd = django_filters.CharFilter(label=_("OPD (slug)"))

    class Meta:
        model = LinkStatus
        fields = ["state", "kind", "opd"]


class LinkReportView(ReportView):
    page_title = _("Kesehatan tautan")
    header_icon = "link"
    index_url_name = "links_report"
    index_results_url_name = "links_report_results"
    filterset_class = LinkReportFilterSet
    paginate_by = 100
    no_results_message = _("Tidak ada tautan yang rusak atau lambat.")
    columns = [
        Column("opd_name", label=_("OPD")),
        Column("label", label=_("Aplikasi / layanan")),
        Column("kind", label=_("Jenis"), accessor="get_kind_display"),
        Column("url", label=_("Alamat")),
        StatusTagColumn(
            "state",
            label=_("Status"),
            accessor="get_state_display",
            primary=lambda row: row.state == LinkStatus.State.DOWN,
        ),
        Column("status_code", label=_("Kode HTTP")),
        Column("latency_ms", label=_("Waktu respons (ms)")),
        Column("consecutive_failures", label=_("Gagal berturut-turut")),
        Column("error", label=_("Masalah")),
        DateColumn("checked_at", label=_("Diperiksa")),
    ]
    list_export = [
        "opd",
        "label",
        "kind",
        "url",
        "state",
        "status_code",
        "latency_ms",
        "consecutive_failures",
        "error",
        "checked_at",
    ]

    def get_filename(self):
        return "kesehatan-tautan"

    def decorate_paginated_queryset(self, object_list):
        from django.apps import apps

        names = dict(apps.get_model("services", "OpdPage").objects.values_list("slug", "title"))
        for row in object_list:
            row.opd_name = names.get(row.opd, row.opd)
        return object_list

    def get_queryset(self):
        rows = LinkStatus.objects.problems().order_by("opd", "kind", "label")
        slugs = visible_opd_slugs(self.request.user)
        if slugs is not ALL:
            rows = rows.filter(opd__in=slugs)
        return rows
