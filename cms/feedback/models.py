"""What citizens searched, as daily aggregates only: never a single search, never who searched."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SearchDay(models.Model):
    """One normalised, scrubbed query on one day (WITA): how often, how often with no result,
    which service came first in the results, and how often each result rank / service was opened."""

    day = models.DateField("tanggal")
    query = models.CharField("kueri", max_length=100)
    searches = models.PositiveIntegerField("pencarian", default=0)
    zero_results = models.PositiveIntegerField("tanpa hasil", default=0)
    opens = models.PositiveIntegerField("hasil dibuka", default=0)
    opens_by_rank = models.JSONField("dibuka per peringkat", default=dict)  # {"1": 3, "2": 1}
    opened_services = models.JSONField("layanan yang dibuka", default=dict)  # {"ktp-el": 3}
    top_services = models.JSONField("layanan di hasil pertama", default=dict)  # {"ktp-el": 5}

    class Meta:
        verbose_name = "pencarian harian"
        verbose_name_plural = "pencarian harian"
        constraints = [models.UniqueConstraint(fields=["day", "query"], name="feedback_searchday_unique")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.query}"


class PageFeedbackDay(models.Model):
    """ "Apakah informasi ini membantu?" on one service page on one day (WITA): how many said
    ya and how many tidak. Only the day's totals: never a single answer, never who answered."""

    day = models.DateField("tanggal")
    service = models.CharField("ID layanan", max_length=100)
    helpful = models.PositiveIntegerField("ya", default=0)
    not_helpful = models.PositiveIntegerField("tidak", default=0)

    class Meta:
        verbose_name = "jawaban harian halaman layanan"
        verbose_name_plural = "jawaban harian halaman layanan"
        constraints = [
            models.UniqueConstraint(fields=["day", "service"], name="feedback_pagefeedbackday_unique")
        ]
        indexes = [models.Index(fields=["service", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.service}"

    @classmethod
    def not_helpful_since(cls, service_ids: list[str], since) -> dict[str, int]:
        """How many "Tidak" answers each service (by catalogue id) received since `since` (a date)."""
        counts = dict.fromkeys(service_ids, 0)
        rows = (
            cls.objects.filter(service__in=service_ids, day__gte=since)
            .values("service")
            .annotate(total=models.Sum("not_helpful"))
        )
        for row in rows:
            counts[row["service"]] = row["total"] or 0
        return counts


class PageComment(models.Model):
    """A citizen's "Apa yang kurang?", scrubbed (see scrub.py) and kept as plain text: the day it
    came, the service page, and whether the OPD has handled it. Nothing about who wrote it."""

    day = models.DateField("tanggal")
    service = models.CharField("ID layanan", max_length=100)
    helpful = models.BooleanField("membantu", default=False)
    text = models.TextField("komentar")
    handled = models.BooleanField("sudah ditangani", default=False)
    handled_at = models.DateTimeField("ditangani pada", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ditangani oleh",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "komentar halaman layanan"
        verbose_name_plural = "komentar halaman layanan"
        indexes = [models.Index(fields=["service", "day"]), models.Index(fields=["handled", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.service}: {self.text[:40]}"
