from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .reports import CitizenSearchReportView


@hooks.register("register_admin_urls")
def register_feedback_report_urls():
    report = CitizenSearchReportView
    return [
        path("reports/pencarian-warga/", report.as_view(), name="citizen_search_report"),
        path(
            "reports/pencarian-warga/results/",
            report.as_view(results_only=True),
            name="citizen_search_report_results",
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
