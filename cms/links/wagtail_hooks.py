from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .views import LinkReportView


@hooks.register("register_admin_urls")
def register_link_report_urls():
    report = LinkReportView
    return [
        path("reports/tautan/", report.as_view(), name="links_report"),
        path("reports/tautan/results/", report.as_view(results_only=True), name="links_report_results"),
    ]


@hooks.register("register_reports_menu_item")
def register_link_report_menu_item():
    return MenuItem(
        _("Kesehatan tautan"), reverse("links_report"), name="links-report", icon_name="link", order=650
    )
