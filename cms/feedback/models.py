"""What citizens searched, as daily aggregates only: never a single search, never who searched."""

from __future__ import annotations

from django.db import models


class SearchDay(models.Model):
    """One normalised, scrubbed query on one day (WITA): how often, how often with no result,
    and how often each result rank / service was opened."""

    day = models.DateField("tanggal")
    query = models.CharField("kueri", max_length=100)
    searches = models.PositiveIntegerField("pencarian", default=0)
    zero_results = models.PositiveIntegerField("tanpa hasil", default=0)
    opens = models.PositiveIntegerField("hasil dibuka", default=0)
    opens_by_rank = models.JSONField("dibuka per peringkat", default=dict)  # {"1": 3, "2": 1}
    opened_services = models.JSONField("layanan yang dibuka", default=dict)  # {"ktp-el": 3}

    class Meta:
        verbose_name = "pencarian harian"
        verbose_name_plural = "pencarian harian"
        constraints = [models.UniqueConstraint(fields=["day", "query"], name="feedback_searchday_unique")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.query}"
