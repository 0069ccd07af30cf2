"""Dashboard panel: the last portal updates and any error, for every editor."""

from django.utils import timezone
from wagtail.admin.ui.components import Component

from .models import PublishRun

SHOWN_RUNS = 5


class PublishRunsPanel(Component):
    name = "portal_updates"
    template_name = "publishing/runs_panel.html"
    order = 50  # above Wagtail's own panels: editors look here after publishing

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        runs = list(PublishRun.objects.all()[:SHOWN_RUNS])
        last_success = PublishRun.objects.filter(status=PublishRun.Status.SUCCEEDED).first()
        context.update(
            runs=runs,
            failing=bool(runs) and runs[0].status == PublishRun.Status.FAILED,
            last_success=last_success,
            now=timezone.now(),
        )
        return context
