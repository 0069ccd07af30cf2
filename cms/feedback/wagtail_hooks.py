from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .page_report import PageFeedbackReportView, mark_handled
from .reports import CitizenSearchReportView


@hooks.register("register_admin_urls")
def register_feedback_report_urls():
    report = CitizenSearchReportView
    pages = PageFeedbackReportView
    return [
        path("reports/pencarian-warga/", report.as_view(), name="citizen_search_report"),
        path(
            "reports/pencarian-warga/results/",
            report.as_view(results_only=True),
            name="citizen_search_report_results",
        ),
        path("reports/masukan-halaman/", pages.as_view(), name="page_feedback_report"),
        path(
            "reports/masukan-halaman/results/",
            pages.as_view(results_only=True),
            name="page_feedback_report_results",
        ),
        path(
            "reports/masukan-halaman/komentar/<int:pk>/ditangani/",
            mark_handled,
            name="page_comment_handled",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_feedback_report_menu_items():
    return MenuItem(
        "Pencarian warga",
        reverse("citizen_search_report"),
        name="citizen-search",
        icon_name="search",
        order=660,
    )


@hooks.register("register_reports_menu_item")
def register_page_feedback_menu_item():
    return MenuItem(
        "Masukan halaman",
        reverse("page_feedback_report"),
        name="page-feedback",
        icon_name="comment",
        order=661,
    )
