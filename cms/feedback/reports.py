"""Admin report "Pencarian warga": what citizens searched in the last 7 days against the 7 before.

Three views of the same daily aggregates: the top queries, the queries that found nothing (each
with one-click links to a prefilled new synonym set or best bet), and the queries whose results
nobody opened; CSV export of each. Search managers, reviewers and administrators see every query;
an OPD editor sees the queries that led to their own services and every zero-result query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from cms.links.scope import ALL, visible_opd_slugs
from cms.services.models import OpdPage, ServicePage

from . import aggregate
from .models import SearchDay

VIEWS = {
    "teratas": "Kueri teratas",
    "tanpa-hasil": "Tanpa hasil",
    "tidak-dibuka": "Hasilnya tidak dibuka",
}
DAYS = 7


@dataclass
class QueryRow:
    query: str
    searches: int = 0
    previous: int = 0
    zero_results: int = 0
    opens: int = 0
    services: tuple[str, ...] = ()
    new_set_url: str = ""
    new_bet_url: str = ""

    @property
    def change(self) -> str:
        """Week over week, as an editor reads it."""
        if not self.previous:
            return "baru" if self.searches else "–"
        percent = round(100 * (self.searches - self.previous) / self.previous)
        return f"{percent:+d} %"


class ActionsColumn(Column):
    cell_template_name = "feedback/actions_cell.html"


def week_rows(today=None) -> dict[str, QueryRow]:
    today = today or aggregate.today()
    start, previous_start = today - timedelta(days=DAYS - 1), today - timedelta(days=2 * DAYS - 1)
    rows: dict[str, QueryRow] = {}
    services: dict[str, set[str]] = {}
    for day in SearchDay.objects.filter(day__gte=previous_start, day__lte=today):
        row = rows.setdefault(day.query, QueryRow(day.query))
        if day.day >= start:
            row.searches += day.searches
            row.zero_results += day.zero_results
            row.opens += day.opens
            services.setdefault(day.query, set()).update(day.opened_services, day.top_services)
        else:
            row.previous += day.searches
    for query, row in rows.items():
        row.services = tuple(sorted(services.get(query, ())))
    return {q: r for q, r in rows.items() if r.searches}


def user_service_ids(user) -> set[str] | None:
    """The service ids an OPD editor answers for, or ALL."""
    if user.is_superuser or user.has_perm("vocabulary.add_searchtermentry"):
        return ALL
    slugs = visible_opd_slugs(user)
    if slugs is ALL:
        return ALL
    ids: set[str] = set()
    for opd in OpdPage.objects.filter(slug__in=slugs):
        ids.update(ServicePage.objects.descendant_of(opd).values_list("slug", flat=True))
    return ids


def visible_to(row: QueryRow, allowed: set[str] | None) -> bool:
    """The one rule for every view and its CSV export: everything for ALL; for an OPD editor,
    the queries that led to one of their services (theirs came first in the results, or was
    opened) and every query that found nothing."""
    return allowed is ALL or row.zero_results > 0 or bool(allowed.intersection(row.services))


class CitizenSearchReportView(ReportView):
    page_title = "Pencarian warga"
    header_icon = "search"
    index_url_name = "citizen_search_report"
    index_results_url_name = "citizen_search_report_results"
    template_name = "feedback/search_report.html"
    paginate_by = 100
    no_results_message = "Belum ada pencarian warga dalam 7 hari terakhir."
    list_export = ["query", "searches", "previous", "change", "zero_results", "opens"]
    export_headings = {
        "query": "Kueri",
        "searches": "Pencarian (7 hari)",
        "previous": "Pencarian (7 hari sebelumnya)",
        "change": "Perubahan",
        "zero_results": "Tanpa hasil",
        "opens": "Hasil dibuka",
    }

    @property
    def view(self) -> str:
        wanted = self.request.GET.get("tampilan", "teratas")
        return wanted if wanted in VIEWS else "teratas"

    @property
    def columns(self):
        columns = [
            Column("query", label="Kueri"),
            Column("searches", label="Pencarian (7 hari)"),
            Column("previous", label="7 hari sebelumnya"),
            Column("change", label="Perubahan"),
            Column("zero_results", label="Tanpa hasil"),
            Column("opens", label="Hasil dibuka"),
        ]
        if self.view == "tanpa-hasil":
            columns.append(ActionsColumn("actions", label="Perbaiki"))
        return columns

    def get_filename(self):
        return f"pencarian-warga-{self.view}"

    def get_queryset(self):
        allowed = user_service_ids(self.request.user)
        rows = [r for r in week_rows().values() if visible_to(r, allowed)]
        view = self.view
        if view == "tanpa-hasil":
            rows = [r for r in rows if r.zero_results]
            rows.sort(key=lambda r: (-r.zero_results, r.query))
            user = self.request.user
            can_set = user.has_perm("vocabulary.add_searchtermentry")
            can_bet = user.has_perm("vocabulary.add_bestbetentry")
            for row in rows:
                if can_set:
                    row.new_set_url = (
                        reverse("wagtailsnippets_vocabulary_searchtermentry:add")
                        + "?"
                        + urlencode({"kind": "sinonim", "terms": f"{row.query}, "})
                    )
                if can_bet:
                    row.new_bet_url = (
                        reverse("wagtailsnippets_vocabulary_bestbetentry:add")
                        + "?"
                        + urlencode({"query": row.query})
                    )
            return rows
        if view == "tidak-dibuka":
            rows = [r for r in rows if r.searches > r.zero_results and not r.opens]
        rows.sort(key=lambda r: (-r.searches, r.query))
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = reverse(self.index_url_name)
        context["report_views"] = [
            (key, label, f"{base}?tampilan={key}", key == self.view) for key, label in VIEWS.items()
        ]
        if user_service_ids(self.request.user) is not ALL:
            context["scope_note"] = (
                "Anda melihat kueri yang mengarah ke layanan OPD Anda (layanan Anda muncul paling "
                "atas di hasil atau dibuka warga) dan semua kueri tanpa hasil."
            )
        return context
