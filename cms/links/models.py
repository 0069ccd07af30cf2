"""The health of every link citizens are sent to: app base URLs and service deep links."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def failures_until_down() -> int:
    """A link is "down" only after this many failed checks in a row (one hiccup is not an outage)."""
    return settings.LINK_CHECK_FAILURES_UNTIL_DOWN


def slow_after_seconds() -> float:
    return settings.LINK_CHECK_SLOW_SECONDS


class LinkStatusQuerySet(models.QuerySet):
    def problems(self):
        """Down or slow links, and links that failed lately but are not yet counted as down."""
        return self.filter(
            models.Q(state__in=[LinkStatus.State.DOWN, LinkStatus.State.SLOW])
            | models.Q(consecutive_failures__gt=0)
        )


class LinkStatus(models.Model):
    class Kind(models.TextChoices):
        APP = "app", _("Alamat aplikasi")
        DEEP_LINK = "deep_link", _("Tautan layanan")

    class State(models.TextChoices):
        UNKNOWN = "unknown", _("Belum diperiksa")
        UP = "up", _("Normal")
        SLOW = "slow", _("Lambat")
        DOWN = "down", _("Tidak dapat diakses")

    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    # The catalogue key of what owns the link: an app slug or a service id.
    key = models.CharField(_("kunci"), max_length=200)
    url = models.URLField(_("alamat"), max_length=2000)
    opd = models.CharField(_("OPD"), max_length=200, db_index=True)  # catalogue slug of the owning OPD
    label = models.CharField(_("nama"), max_length=300)
    app = models.CharField(_("aplikasi"), max_length=200, blank=True)  # app slug

    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.UNKNOWN)
    status_code = models.PositiveSmallIntegerField(_("kode HTTP"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("waktu respons (ms)"), null=True, blank=True)
    error = models.CharField(_("masalah"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("diperiksa"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("gagal berturut-turut"), default=0)
    last_ok_at = models.DateTimeField(_("terakhir normal"), null=True, blank=True)

    objects = LinkStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("status tautan")
        verbose_name_plural = _("status tautan")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="links_linkstatus_kind_key")]
        ordering = ["opd", "kind", "key"]

    def __str__(self) -> str:
        return f"{self.label} ({self.url})"

    def record(self, *, ok: bool, status_code: int | None, latency: float, error: str, when) -> None:
        """Apply one check's result and derive the state (not saved)."""
        self.status_code = status_code
        self.latency_ms = round(latency * 1000)
        self.checked_at = when
        if ok:
            self.consecutive_failures = 0
            self.error = ""
            self.last_ok_at = when
            self.state = self.State.SLOW if latency > slow_after_seconds() else self.State.UP
            return
        self.consecutive_failures += 1
        self.error = error[:300]
        if self.consecutive_failures >= failures_until_down():
            self.state = self.State.DOWN
        # Fewer failures than that: the previous state stands, the report shows the failures.

    @property
    def is_problem(self) -> bool:
        return self.state in (self.State.DOWN, self.State.SLOW) or self.consecutive_failures > 0
