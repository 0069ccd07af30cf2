"""Link health: which links the catalogue sends citizens to, checking them, and what is down.

The catalogue (what is published, handed in by the caller) decides which links exist; each
check updates one LinkStatus row per link. When an app goes down or comes back, the signal
`app_availability_changed` is sent: the publish pipeline (cms.publishing) listens and brings
the portal up to date, so its service pages show or drop the banner.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from catalogue.files import Catalogue

from .checker import check_urls
from .models import LinkStatus

logger = logging.getLogger(__name__)

# Sent with `apps` (the sorted slugs whose availability flipped) after a check has been recorded.
app_availability_changed = Signal()


@dataclass(frozen=True)
class Target:
    kind: str
    key: str
    url: str
    opd: str
    label: str
    app: str = ""


@dataclass(frozen=True)
class Summary:
    checked: int
    up: int
    slow: int
    down: int
    failing: int  # failed this time but not (yet) down
    apps_changed: tuple[str, ...]  # apps whose availability flipped


def targets_from_catalogue(catalogue: Catalogue) -> list[Target]:
    targets = [
        Target(LinkStatus.Kind.APP, app.slug, app.base_url, app.opd, app.name, app.slug)
        for app in catalogue.apps.values()
    ]
    targets += [
        Target(LinkStatus.Kind.DEEP_LINK, s.id, s.deep_link, s.opd, s.title, s.app or "")
        for s in catalogue.services.values()
        if s.deep_link
    ]
    return targets


def sync_targets(targets: list[Target]) -> list[LinkStatus]:
    """One row per target; rows of links no longer published go; a changed URL starts afresh."""
    existing = {(row.kind, row.key): row for row in LinkStatus.objects.all()}
    wanted = {(t.kind, t.key): t for t in targets}
    stale = [row.pk for ident, row in existing.items() if ident not in wanted]
    LinkStatus.objects.filter(pk__in=stale).delete()
    rows = []
    for ident, target in wanted.items():
        row = existing.get(ident)
        if row is None:
            row = LinkStatus(kind=target.kind, key=target.key)
        elif row.url != target.url:
            row = LinkStatus(pk=row.pk, kind=target.kind, key=target.key)
        row.url, row.opd, row.label, row.app = target.url, target.opd, target.label[:300], target.app
        rows.append(row)
    return rows


def down_app_slugs() -> frozenset[str]:
    return frozenset(
        LinkStatus.objects.filter(kind=LinkStatus.Kind.APP, state=LinkStatus.State.DOWN).values_list(
            "key", flat=True
        )
    )


def with_link_health(catalogue: Catalogue) -> Catalogue:
    """The catalogue with the apps that link health reports as down marked unavailable
    (their service pages show a banner)."""
    down_apps = down_app_slugs()
    if not down_apps.intersection(catalogue.apps):
        return catalogue
    apps = {
        slug: dataclasses.replace(app, available=False) if slug in down_apps else app
        for slug, app in catalogue.apps.items()
    }
    return dataclasses.replace(catalogue, apps=apps)


def run_link_check(catalogue: Catalogue) -> Summary:
    """Check every link of the (published) catalogue and record the results."""
    before = down_app_slugs()
    rows = sync_targets(targets_from_catalogue(catalogue))
    results = check_urls(
        [row.url for row in rows],
        timeout=settings.LINK_CHECK_TIMEOUT_SECONDS,
        max_redirects=settings.LINK_CHECK_MAX_REDIRECTS,
        concurrency=settings.LINK_CHECK_CONCURRENCY,
    )
    now = timezone.now()
    counts = dict.fromkeys(LinkStatus.State.values, 0)
    failing = 0
    with transaction.atomic():
        for row in rows:
            result = results[row.url]
            row.record(
                ok=result.ok,
                status_code=result.status_code,
                latency=result.latency,
                error=result.error,
                when=now,
            )
            row.save()
            counts[row.state] += 1
            failing += bool(row.consecutive_failures and row.state != LinkStatus.State.DOWN)
    after = down_app_slugs()
    changed = tuple(sorted(before ^ after))
    if changed:
        logger.info("app availability changed: %s", ", ".join(changed))
        app_availability_changed.send(sender=run_link_check, apps=changed)
    return Summary(
        checked=len(rows),
        up=counts[LinkStatus.State.UP],
        slow=counts[LinkStatus.State.SLOW],
        down=counts[LinkStatus.State.DOWN],
        failing=failing,
        apps_changed=changed,
    )
