"""A record of every portal update the publish worker ran (shown to editors in the admin)."""

from django.db import models


class PublishRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Berjalan"
        SUCCEEDED = "succeeded", "Berhasil"
        FAILED = "failed", "Gagal"

    class Kind(models.TextChoices):
        INCREMENTAL = "incremental", "Bertahap"
        FULL = "full", "Penuh"

    started_at = models.DateTimeField("mulai", auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField("selesai", null=True, blank=True)
    kind = models.CharField("jenis", max_length=16, choices=Kind.choices, default=Kind.INCREMENTAL)
    status = models.CharField("status", max_length=16, choices=Status.choices, default=Status.RUNNING)
    reasons = models.TextField("pemicu", blank=True)  # what was published, one line each
    pages_written = models.PositiveIntegerField("halaman ditulis", default=0)
    pages_removed = models.PositiveIntegerField("halaman dihapus", default=0)
    error = models.TextField("pesan galat", blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "pembaruan portal"
        verbose_name_plural = "pembaruan portal"

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M:%S} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class UpdateRequest(models.Model):
    """A published change the live portal does not show yet: the worker's durable to-do list.

    Written in the same transaction as the change itself, so a change that committed has its
    request, whatever happens to the processes afterwards (a web server killed before it could
    queue the update, a worker killed in the middle of one). A portal update removes the
    requests it saw when it started, and only once its build is live; the worker starts an
    update whenever requests remain that no queued update will handle.
    """

    requested_at = models.DateTimeField("diminta", auto_now_add=True)
    reason = models.CharField("pemicu", max_length=300)

    class Meta:
        ordering = ["pk"]
        verbose_name = "permintaan pembaruan portal"
        verbose_name_plural = "permintaan pembaruan portal"

    def __str__(self):
        return self.reason
