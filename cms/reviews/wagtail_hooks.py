from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets.button import Button

from cms.services.models import ServicePage

from . import views
from .actions import ACTION
from .overdue import own_overdue
from .panels import OverdueReviewsPanel


@hooks.register("register_admin_urls")
def register_review_urls():
    report = views.ReviewReportView
    return [
        path("layanan/<int:page_id>/masih-benar/", views.confirm, name="reviews_confirm"),
        path("reports/pemeriksaan/", report.as_view(), name="reviews_report"),
        path(
            "reports/pemeriksaan/results/", report.as_view(results_only=True), name="reviews_report_results"
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_review_report_menu_item():
    return MenuItem(
        _("Pemeriksaan isi"),
        reverse("reviews_report"),
        name="reviews-report",
        icon_name="calendar-check",
        order=645,
    )


@hooks.register("construct_homepage_panels")
def add_overdue_panel(request, panels):
    if own_overdue(request.user).exists():
        panels.append(OverdueReviewsPanel(request.user))


@hooks.register("register_log_actions")
def register_still_correct_action(actions):
    actions.register_action(
        ACTION, _("Diperiksa: masih benar"), _("Isi diperiksa dan dinyatakan masih benar")
    )


def _confirm_button(page, user, next_url=None, priority=25):
    specific = page.specific_class
    if specific is None or not issubclass(specific, ServicePage) or not page.live:
        return []
    if not page.permissions_for_user(user).can_edit():
        return []
    url = reverse("reviews_confirm", args=[page.pk])
    if next_url:
        from django.utils.http import urlencode

        url += "?" + urlencode({"next": next_url})
    return [
        Button(_("Masih benar"), url, icon_name="check", priority=priority, attrs={"data-still-correct": ""})
    ]


@hooks.register("register_page_header_buttons")
def still_correct_header_button(page, user, view_name=None, next_url=None):
    return _confirm_button(page, user, next_url)


@hooks.register("register_page_listing_more_buttons")
def still_correct_listing_button(page, user, next_url=None):
    return _confirm_button(page, user, next_url)
