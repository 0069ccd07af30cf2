from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .audit import PublicationLogView
from .panels import PublishRunsPanel


@hooks.register("construct_homepage_panels")
def add_publish_runs_panel(request, panels):
    panels.append(PublishRunsPanel())


@hooks.register("register_admin_urls")
def register_audit_urls():
    view = PublicationLogView
    return [
        path("reports/penerbitan/", view.as_view(), name="publishing_audit"),
        path("reports/penerbitan/results/", view.as_view(results_only=True), name="publishing_audit_results"),
    ]


@hooks.register("register_reports_menu_item")
def register_audit_menu_item():
    return MenuItem(
        _("Riwayat penerbitan"),
        reverse("publishing_audit"),
        name="publishing-audit",
        icon_name="history",
        order=640,
    )
