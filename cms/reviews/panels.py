"""Dashboard panel: the overdue services the editor answers for, each with \u201cMasih benar\u201d."""

from django.conf import settings
from wagtail.admin.ui.components import Component

from .overdue import own_overdue

SHOWN = 20


class OverdueReviewsPanel(Component):
    name = "overdue_reviews"
    template_name = "reviews/overdue_panel.html"
    order = 60  # below "Pembaruan portal"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        services = own_overdue(self.user)
        context.update(
            services=list(services[:SHOWN]),
            total=services.count(),
            months=settings.REVIEW_PERIOD_MONTHS,
            csrf_token=parent_context.get("csrf_token"),
            request=parent_context.get("request"),
        )
        return context
