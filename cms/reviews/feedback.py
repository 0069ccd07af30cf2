"""Where the report reads citizens' "Tidak" answers ("Apakah informasi ini membantu?").

The answers are counted per service and day by the page feedback (cms.feedback, model
PageFeedbackDay: day, service id, helpful, not_helpful). That part is built separately; until its
model is installed there is nothing to count, and the report's "Jawaban Tidak" column shows "–".
The model is looked up by name so that this module needs no change when it arrives.
"""

from __future__ import annotations

from datetime import date

from django.apps import apps
from django.db.models import Sum

FEEDBACK_MODEL = ("feedback", "PageFeedbackDay")


def feedback_model():
    try:
        return apps.get_model(*FEEDBACK_MODEL)
    except LookupError:
        return None


def not_helpful_counts(service_ids: list[str], since: date) -> dict[str, int]:
    """How many "Tidak" answers each service (by catalogue id) received since `since`; {} when the
    page feedback is not installed."""
    model = feedback_model()
    if model is None:
        return {}
    counts = dict.fromkeys(service_ids, 0)
    rows = (
        model.objects.filter(service__in=service_ids, day__gte=since)
        .values("service")
        .annotate(total=Sum("not_helpful"))
    )
    for row in rows:
        counts[row["service"]] = row["total"] or 0
    return counts
