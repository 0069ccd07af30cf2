"""Admin views: the \u201cMasih benar\u201d confirmation and the report \u201cPemeriksaan isi\u201d."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from cms.links.scope import ALL, visible_opd_slugs
from cms.services.models import OpdPage, ServicePage

from .actions import NotConfirmable, check_confirmable, confirm_still_correct
from .overdue import PROBLEMS, review_rows


def _next_url(request, page) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def confirm(request, page_id: int):
    """GET: the question; POST: record the review."""
    page = get_object_or_404(ServicePage, pk=page_id)
    try:
        check_confirmable(page, request.user)
    except NotConfirmable as exc:
        messages.error(request, str(exc))
        return redirect("wagtailadmin_home")
    if request.method == "POST":
        day = confirm_still_correct(page, request.user)
        messages.success(
            request,
            f"\u201c{page.title}\u201d dicatat masih benar pada {day:%d-%m-%Y}. "
            "Portal diperbarui dalam beberapa detik.",
        )
        return redirect(_next_url(request, page))
    return TemplateResponse(request, "reviews/confirm.html", {"page": page, "next": _next_url(request, page)})


def _opd_choices(request):
    slugs = visible_opd_slugs(request.user)
    pages = OpdPage.objects.order_by("title")
    if slugs is not ALL:
        pages = pages.filter(slug__in=slugs)
    return [(page.slug, page.title) for page in pages]


class ReviewFilterSet(WagtailFilterSet):
    masalah = django_filters.ChoiceFilter(
        label=_("Masalah"), choices=list(PROBLEMS.items()), empty_label=_("Semua masalah"), method="keep"
    )
    opd = django_filters.ChoiceFilter(label=_("OPD"), empty_label=_("Semua OPD"), method="keep")

    class Meta:
        model = ServicePage
        fields = ["masalah", "opd"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["opd"].extra["choices"] = _opd_choices(request) if request else []

    def keep(self, queryset, name, value):
        return queryset  # applied by review_rows, which reads more than one table


class ReviewReportView(ReportView):
    page_title = _("Pemeriksaan isi")
    header_icon = "calendar-check"
    index_url_name = "reviews_report"
    index_results_url_name = "reviews_report_results"
    filterset_class = ReviewFilterSet
    paginate_by = 100
    no_results_message = _("Semua layanan sudah diperiksa dan tidak ada masalah.")
    columns = [
        Column("opd_name", label=_("OPD")),
        TitleColumn(
            "title",
            label=_("Layanan"),
            get_url=lambda row: reverse("wagtailadmin_pages:edit", args=[row.page.pk]),
        ),
        Column("last_reviewed_text", label=_("Terakhir diperiksa")),
        Column("responsible", label=_("Penanggung jawab")),
        Column("problem_text", label=_("Masalah")),
        Column("not_helpful", label=_("Jawaban \u201cTidak\u201d")),
    ]
    list_export = ["opd_name", "service_id", "title", "last_reviewed", "responsible", "problem_text"]
    export_headings = {
        "opd_name": "OPD",
        "service_id": "ID layanan",
        "title": "Layanan",
        "last_reviewed": "Terakhir diperiksa",
        "responsible": "Penanggung jawab",
        "problem_text": "Masalah",
    }

    def get_filename(self):
        return "pemeriksaan-isi"

    def get_queryset(self):
        return ServicePage.objects.none()  # the rows come from review_rows (filter_queryset)

    def filter_queryset(self, queryset):
        values = self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}
        return review_rows(self.request.user, values.get("masalah") or "", values.get("opd") or "")
