"""Dashboard panel: the last portal updates and any error, for every editor."""

from django.utils import timezone
from wagtail.admin.ui.components import Component

from .models import PublishRun, UpdateRequest

SHOWN_RUNS = 5
LATE_SECONDS = 15  # a published change not live after this long is worth telling the editors


class PublishRunsPanel(Component):
    name = "portal_updates"
    template_name = "publishing/runs_panel.html"
    order = 50  # above Wagtail's own panels: editors look here after publishing

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        runs = list(PublishRun.objects.all()[:SHOWN_RUNS])
        last_success = PublishRun.objects.filter(status=PublishRun.Status.SUCCEEDED).first()
        now = timezone.now()
        waiting = UpdateRequest.objects.order_by("pk")
        oldest = waiting.first()
        late = oldest is not None and (now - oldest.requested_at).total_seconds() > LATE_SECONDS
        context.update(
            waiting=waiting.count() if late else 0,
            waiting_since=oldest.requested_at if late else None,
            runs=runs,
            failing=bool(runs) and runs[0].status == PublishRun.Status.FAILED,
            last_success=last_success,
            now=now,
        )
        return context
