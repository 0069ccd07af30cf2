"""Wagtail preview of a service page, rendered exactly as the portal will render it.

The draft page becomes a Service record (the exporter's own `service_record`) in a catalogue
of what is live besides the services (OPDs, apps with their link health, categories, life
events), and the builder's `render_page` renders it with the live build's asset URLs: the
same theme templates, deep-link button, banner and JSON-LD. A service page shows no other
service, so the other (up to 10k) services are not exported for a preview.
"""

from __future__ import annotations

import dataclasses
import html

from django.conf import settings
from django.http import HttpResponse

from catalogue import RecordError, urls
from cms.links.health import with_link_health
from cms.services.exporting import app_record, opd_record, published_parts, service_record
from cms.services.models import OpdPage
from site_builder import live_assets, render_page


def preview_catalogue(page):
    """What is live besides the services, and `page`'s draft as the one service."""
    catalogue = with_link_health(published_parts().catalogue)
    opd = OpdPage.holding(page)
    if opd is None:
        raise RecordError(
            f"services/{page.slug}.json", page.slug, "opd", "halaman tidak berada di bawah OPD."
        )
    record = service_record(page, opd.slug)
    opds, apps = dict(catalogue.opds), dict(catalogue.apps)
    if opd.slug not in opds:  # a draft OPD: preview it as it stands
        opds[opd.slug] = opd_record(opd)
    if record.app and record.app not in apps:
        app = page.app
        apps[record.app] = app_record(app)
        if app.opd.slug not in opds:
            opds[app.opd.slug] = opd_record(app.opd)
    services = {record.id: record}
    preview = dataclasses.replace(catalogue, opds=opds, apps=apps, services=services, sources={})
    preview.check_references()
    return preview, record


def service_preview_html(page) -> bytes:
    catalogue, record = preview_catalogue(page)
    assets = live_assets(settings.PORTAL_DIR)
    return render_page(catalogue, settings.SITE_URL, urls.service(record.id), assets=assets)


def serve_service_preview(page) -> HttpResponse:
    try:
        body = service_preview_html(page)
    except RecordError as exc:
        message = html.escape(f"{exc.field}: {exc.message}")
        body = (
            '<!doctype html><html lang="id"><meta charset="utf-8"><title>Pratinjau</title>'
            f"<p>Pratinjau belum dapat ditampilkan: isian belum lengkap atau tidak valid — {message}</p>"
        ).encode()
    return HttpResponse(body, content_type="text/html; charset=utf-8")
