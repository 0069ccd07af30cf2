"""Which live services need an editor's look, and which of them are whose.

"Overdue": nobody confirmed the content for REVIEW_PERIOD_MONTHS (a publication or
"Masih benar" counts, cms.services.reviews). The report adds services whose app link is down
(cms.links) and services with many "Tidak" answers (cms.feedback). An OPD editor sees
their own OPDs (cms.links.scope); on the dashboard each editor sees the overdue services they
answer for: those they are the responsible editor of, and those of their OPDs with none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.formats import date_format

from cms.feedback.models import PageFeedbackDay
from cms.links.models import LinkStatus
from cms.links.scope import ALL, visible_opd_slugs
from cms.services.models import OpdEditorGroup, OpdPage, ServicePage, opd_holding
from cms.services.reviews import overdue_before, today

PROBLEMS = {
    "lewat": "Lewat masa periksa",
    "tautan": "Tautan aplikasi mati",
    "tidak": "Banyak jawaban \u201cTidak\u201d",
}


def problem_label(name: str) -> str:
    if name == "lewat":
        return f"{PROBLEMS[name]} ({settings.REVIEW_PERIOD_MONTHS} bulan)"
    return PROBLEMS[name]


def is_overdue() -> Q:
    return Q(last_reviewed__lt=overdue_before()) | Q(last_reviewed__isnull=True)


def live_services_of(user) -> QuerySet[ServicePage]:
    """The live service pages of the OPDs `user` may see, in tree order (grouped by OPD)."""
    services = ServicePage.objects.live().order_by("path")
    slugs = visible_opd_slugs(user)
    if slugs is ALL:
        return services
    inside = Q()
    for path in OpdPage.objects.filter(slug__in=slugs).values_list("path", flat=True):
        inside |= Q(path__startswith=path)
    return services.filter(inside) if inside else services.none()


def own_overdue(user) -> QuerySet[ServicePage]:
    """The overdue services `user` answers for (the dashboard's list), oldest review first."""
    opd_paths = OpdPage.objects.filter(
        pk__in=OpdEditorGroup.objects.filter(group__user=user).values("opd_id")
    ).values_list("path", flat=True)
    unassigned_in_own_opd = Q(pk__in=[])
    for path in opd_paths:
        unassigned_in_own_opd |= Q(path__startswith=path, responsible_editor__isnull=True)
    return (
        ServicePage.objects.live()
        .filter(is_overdue())
        .filter(Q(responsible_editor=user) | unassigned_in_own_opd)
        .order_by("last_reviewed", "title")
    )


def down_service_ids() -> set[str]:
    """Catalogue ids of services whose app or deep link the link checks count as down."""
    down = LinkStatus.objects.filter(state=LinkStatus.State.DOWN)
    ids = set(down.filter(kind=LinkStatus.Kind.DEEP_LINK).values_list("key", flat=True))
    apps = list(down.filter(kind=LinkStatus.Kind.APP).values_list("key", flat=True))
    if apps:
        ids |= set(ServicePage.objects.live().filter(app__slug__in=apps).values_list("slug", flat=True))
    return ids


@dataclass
class ReviewRow:
    page: ServicePage
    opd_name: str = ""
    problems: list[str] = field(default_factory=list)
    not_helpful: int = 0

    # Read by the report's columns and its spreadsheet export.
    @property
    def title(self) -> str:
        return self.page.title

    @property
    def service_id(self) -> str:
        return self.page.slug

    @property
    def last_reviewed(self) -> date | None:
        return self.page.last_reviewed

    @property
    def last_reviewed_text(self) -> str:
        """As editors write a date: "15 September 2025" (the admin's language)."""
        day = self.page.last_reviewed
        return date_format(day, "j F Y") if day else "belum pernah"

    @property
    def responsible(self) -> str:
        user = self.page.responsible_editor
        return (user.get_full_name() or user.username) if user else "Semua editor OPD"

    @property
    def problem_text(self) -> str:
        return "; ".join(self.problems)


def review_rows(user, problem: str = "", opd: str = "") -> list[ReviewRow]:
    """The report: every visible live service with at least one problem (or the one asked for)."""
    services = live_services_of(user).select_related("responsible_editor")
    if opd:
        page = OpdPage.objects.filter(slug=opd).first()
        services = services.filter(path__startswith=page.path) if page else services.none()
    cutoff = overdue_before()
    down = down_service_ids()
    pages = list(services)
    counts = PageFeedbackDay.not_helpful_since(
        [p.slug for p in pages], today() - timedelta(days=settings.REVIEW_NOT_HELPFUL_DAYS)
    )
    opds = {o.path: o for o in OpdPage.objects.all()}
    rows = []
    for page in pages:
        found = {
            "lewat": page.last_reviewed is None or page.last_reviewed < cutoff,
            "tautan": page.slug in down,
            "tidak": counts.get(page.slug, 0) >= settings.REVIEW_NOT_HELPFUL_MIN,
        }
        if not (found.get(problem) if problem else any(found.values())):
            continue
        holder = opd_holding(page.path, opds)
        rows.append(
            ReviewRow(
                page,
                opd_name=holder.title if holder else "",
                problems=[problem_label(name) for name, hit in found.items() if hit],
                not_helpful=counts[page.slug],
            )
        )
    return rows
