"""When a service's live content was last confirmed correct: "Informasi diperiksa".

A publication counts as a review: `page_published` stamps the day (in Samarinda's time, WITA)
on the page row. The importer publishes with the dates of its records instead
(`record_dates_kept`), so export → import → export stays byte-identical. An editor who finds the
live page still right confirms it without a publication (cms.reviews: "Masih benar").
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

WITA = ZoneInfo("Asia/Makassar")
_record_dates = ContextVar("santer_record_review_dates", default=False)


def today() -> date:
    return timezone.now().astimezone(WITA).date()


def overdue_before(day: date | None = None) -> date:
    """Services last reviewed before this day are overdue (REVIEW_PERIOD_MONTHS ago)."""
    return (day or today()) - relativedelta(months=settings.REVIEW_PERIOD_MONTHS)


@contextmanager
def record_dates_kept():
    """Publications in this block keep the review date set on the page (the record's)."""
    token = _record_dates.set(True)
    try:
        yield
    finally:
        _record_dates.reset(token)


def stamp_review_on_publish(sender, instance, **kwargs):
    from .models import ServicePage

    if _record_dates.get() or not issubclass(instance.specific_class or type(instance), ServicePage):
        return
    day = today()
    ServicePage.objects.filter(pk=instance.pk).update(last_reviewed=day)
    if isinstance(instance, ServicePage):
        instance.last_reviewed = day
