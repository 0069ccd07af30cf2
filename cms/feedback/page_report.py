"""Admin report "Masukan halaman": what citizens answered to "Apakah informasi ini membantu?".

Two views of it, per OPD: the ya/tidak counts per service and week (the last WEEKS weeks), and
the comments, which the OPD's editors mark "sudah ditangani"; CSV export of both. An OPD editor
sees only the services of the OPDs their page permissions reach — the scope of every admin report
(cms.links.scope) — and may mark only those comments; reviewers above the OPDs and administrators
see every OPD. Comments are plain text: the table escapes them like any value (never |safe).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from cms.links.scope import ALL, visible_opd_slugs

from . import aggregate
from .models import PageComment, PageFeedbackDay

VIEWS = {"jumlah": "Jawaban per minggu", "komentar": "Komentar"}
STATUSES = {"belum": "Belum ditangani", "sudah": "Sudah ditangani", "semua": "Semua"}
WEEKS = 12
UNKNOWN_OPD = ("", "(layanan tidak lagi ada di katalog)")


@dataclass(frozen=True)
class ServiceInfo:
    title: str
    opd: str
    opd_name: str


def service_index() -> dict[str, ServiceInfo]:
    """Service id → its title and OPD, as the page tree has them now (a service may have moved)."""
    from cms.services.models import OpdPage, ServicePage

    index: dict[str, ServiceInfo] = {}
    for opd in OpdPage.objects.order_by("path"):
        for slug, title in ServicePage.objects.descendant_of(opd).values_list("slug", "title"):
            index[slug] = ServiceInfo(title, opd.slug, opd.title)
    return index


def info_of(index: dict[str, ServiceInfo], service: str) -> ServiceInfo:
    return index.get(service) or ServiceInfo(service, *UNKNOWN_OPD)


def may_see(visible: set[str] | None, info: ServiceInfo) -> bool:
    return visible is ALL or info.opd in visible


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())  # Monday


def tanggal(day: date) -> str:
    from site_builder.site import tanggal as portal_tanggal

    return portal_tanggal(day.isoformat())


def plain_csv(value):
    """A comment as a CSV cell a spreadsheet does not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass
class WeekRow:
    opd_name: str
    title: str
    service: str
    week: date
    helpful: int = 0
    not_helpful: int = 0

    @property
    def week_label(self) -> str:
        return f"{tanggal(self.week)} – {tanggal(self.week + timedelta(days=6))}"

    @property
    def share(self) -> str:
        total = self.helpful + self.not_helpful
        return f"{round(100 * self.helpful / total)} %" if total else "–"


@dataclass
class CommentRow:
    pk: int
    day: date
    opd_name: str
    title: str
    service: str
    text: str
    answer: str
    handled: bool
    status: str

    @property
    def day_label(self) -> str:
        return tanggal(self.day)


class CommentColumn(Column):
    cell_template_name = "feedback/comment_cell.html"


class HandleColumn(Column):
    cell_template_name = "feedback/handle_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["csrf"] = get_token(request) if request else ""
        context["url"] = reverse("page_comment_handled", args=[instance.pk])
        return context


class PageFeedbackReportView(ReportView):
    page_title = "Masukan halaman"
    header_icon = "comment"
    index_url_name = "page_feedback_report"
    index_results_url_name = "page_feedback_report_results"
    template_name = "feedback/page_feedback_report.html"
    paginate_by = 100
    custom_field_preprocess = {"text": {"csv": plain_csv}}

    @property
    def view(self) -> str:
        wanted = self.request.GET.get("tampilan", "jumlah")
        return wanted if wanted in VIEWS else "jumlah"

    @property
    def status(self) -> str:
        wanted = self.request.GET.get("status", "belum")
        return wanted if wanted in STATUSES else "belum"

    @property
    def no_results_message(self) -> str:
        if self.view == "komentar":
            return "Tidak ada komentar warga untuk layanan Anda dengan status ini."
        return f"Belum ada jawaban warga untuk layanan Anda dalam {WEEKS} minggu terakhir."

    @property
    def list_export(self) -> list[str]:
        if self.view == "komentar":
            return ["day", "opd_name", "title", "service", "answer", "text", "status"]
        return ["opd_name", "title", "service", "week", "helpful", "not_helpful", "share"]

    export_headings = {
        "opd_name": "OPD",
        "title": "Layanan",
        "service": "ID layanan",
        "week": "Minggu mulai",
        "helpful": "Ya",
        "not_helpful": "Tidak",
        "share": "Membantu",
        "day": "Tanggal",
        "answer": "Jawaban",
        "text": "Komentar",
        "status": "Status",
    }

    @property
    def columns(self):
        if self.view == "komentar":
            return [
                Column("day_label", label="Tanggal"),
                Column("opd_name", label="OPD"),
                Column("title", label="Layanan"),
                Column("answer", label="Jawaban"),
                CommentColumn("text", label="Komentar"),
                HandleColumn("status", label="Status"),
            ]
        return [
            Column("opd_name", label="OPD"),
            Column("title", label="Layanan"),
            Column("week_label", label="Minggu"),
            Column("helpful", label="Ya"),
            Column("not_helpful", label="Tidak"),
            Column("share", label="Membantu"),
        ]

    def get_filename(self):
        return f"masukan-halaman-{self.view}"

    @cached_property
    def services(self) -> dict[str, ServiceInfo]:
        return service_index()

    @cached_property
    def visible(self) -> set[str] | None:
        return visible_opd_slugs(self.request.user)

    def chosen_opd(self, visible) -> str:
        wanted = self.request.GET.get("opd", "")
        return wanted if wanted and (visible is ALL or wanted in visible) else ""

    def get_queryset(self):
        index, visible = self.services, self.visible
        opd = self.chosen_opd(visible)

        def shown(info: ServiceInfo) -> bool:
            return may_see(visible, info) and (not opd or info.opd == opd)

        if self.view == "komentar":
            comments = PageComment.objects.select_related("handled_by").order_by("-day", "-pk")
            if self.status != "semua":
                comments = comments.filter(handled=self.status == "sudah")
            rows = []
            for comment in comments:
                info = info_of(index, comment.service)
                if not shown(info):
                    continue
                status = "Belum ditangani"
                if comment.handled:
                    who = comment.handled_by.get_username() if comment.handled_by else "-"
                    when = (
                        tanggal(timezone.localtime(comment.handled_at).date()) if comment.handled_at else ""
                    )
                    status = f"Sudah ditangani ({who}, {when})"
                rows.append(
                    CommentRow(
                        comment.pk,
                        comment.day,
                        info.opd_name,
                        info.title,
                        comment.service,
                        comment.text,
                        "Ya" if comment.helpful else "Tidak",
                        comment.handled,
                        status,
                    )
                )
            return rows
        since = week_start(aggregate.today()) - timedelta(weeks=WEEKS - 1)
        weeks: dict[tuple[str, date], WeekRow] = {}
        for day in PageFeedbackDay.objects.filter(day__gte=since):
            info = info_of(index, day.service)
            if not shown(info):
                continue
            key = (day.service, week_start(day.day))
            row = weeks.setdefault(key, WeekRow(info.opd_name, info.title, day.service, key[1]))
            row.helpful += day.helpful
            row.not_helpful += day.not_helpful
        rows = list(weeks.values())
        rows.sort(key=lambda r: (r.opd_name.casefold(), r.title.casefold(), -r.week.toordinal()))
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = reverse(self.index_url_name)
        index, visible = self.services, self.visible
        opds = sorted(
            {(i.opd, i.opd_name) for i in index.values() if may_see(visible, i)}, key=lambda o: o[1]
        )
        context.update(
            report_views=[(k, label, f"{base}?tampilan={k}", k == self.view) for k, label in VIEWS.items()],
            view=self.view,
            statuses=STATUSES.items(),
            status=self.status,
            opds=opds,
            opd=self.chosen_opd(visible),
            weeks=WEEKS,
        )
        return context


@require_POST
def mark_handled(request, pk: int):
    """ "Tandai sudah ditangani": only for an editor of the comment's OPD (or above it)."""
    comment = get_object_or_404(PageComment, pk=pk)
    info = info_of(service_index(), comment.service)
    if not request.user.is_authenticated:
        raise Http404
    if not may_see(visible_opd_slugs(request.user), info):
        raise PermissionDenied("Komentar ini milik layanan OPD lain.")
    if not comment.handled:
        comment.handled = True
        comment.handled_at = timezone.now()
        comment.handled_by = request.user
        comment.save(update_fields=["handled", "handled_at", "handled_by"])
        messages.success(request, f"Komentar untuk '{info.title}' ditandai sudah ditangani.")
    back = reverse("page_feedback_report") + "?tampilan=komentar"
    wanted = request.POST.get("next", "")
    if wanted.startswith(reverse("page_feedback_report")):
        back = wanted
    return redirect(back)
