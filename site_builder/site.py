"""What the portal consists of: every page, its template, its context and the records it shows.

Everything here is a pure function of the catalogue and the site URL — no clock, no file
system — so a page rendered on its own (incremental publish, preview) is byte-identical to the
same page in a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from markupsafe import Markup

from catalogue import AppHealth, Catalogue, JourneyStep, LifeEvent, Service, urls

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
SITEMAP_MAX_URLS = 50_000  # per sitemap file (sitemaps.org); a bigger site gets a sitemap index
POPULAR_LIMIT = 6  # "most needed" on the home page: a short list that fits a phone screen
AZ_PAGE_LIMIT = 2000  # services on one A–Z page (≈ 0.4 MB of HTML); more: a page per initial
LISTING_PAGE_LIMIT = 1000  # services with summaries on one category page (≈ 0.5 MB); more: per initial
WITA = ZoneInfo("Asia/Makassar")
# The pages a public portal must have: (folder, template, title, description); the text is the theme's.
INFO_PAGES = (
    ("tentang", "about.html", "Tentang Santer", "Santer, pintu masuk tunggal layanan publik Kota Samarinda."),
    (
        "aksesibilitas",
        "accessibility.html",
        "Pernyataan aksesibilitas",
        "Standar aksesibilitas Santer, yang sudah diuji, kekurangan yang diketahui, dan cara melapor.",
    ),
    ("privasi", "privacy.html", "Kebijakan privasi", "Apa yang disimpan Santer dan apa yang tidak."),
)
AREA_SERVED = {"@type": "City", "name": "Kota Samarinda", "sameAs": "https://www.wikidata.org/wiki/Q5801"}


def tanggal(iso_date: str | None) -> str:
    """'2026-03-12' → '12 Maret 2026' (how dates are written in Bahasa Indonesia)."""
    if not iso_date:
        return ""
    year, month, day = (int(part) for part in iso_date.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def waktu(iso_time: str | None) -> str:
    """'2026-12-01T02:20:00+00:00' → '10.20 WITA' (Samarinda's time, as Indonesians write it)."""
    if not iso_time:
        return ""
    moment = datetime.fromisoformat(iso_time).astimezone(WITA)
    return f"{moment:%H.%M} WITA"


def tanggal_wita(iso_time: str | None) -> str:
    """The date in Samarinda of an ISO time: '1 Desember 2026'."""
    if not iso_time:
        return ""
    return tanggal(datetime.fromisoformat(iso_time).astimezone(WITA).date().isoformat())


def json_ld_markup(data: dict) -> Markup:
    """schema.org data, safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</script>" or "<!--" inside a value must not end the element early.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@dataclass(frozen=True)
class JourneyPlace:
    """Where a service stands in a life event's journey (what its page shows)."""

    event: LifeEvent
    number: int  # 1-based
    total: int
    previous: tuple[Service, ...]  # the services of the step before (empty on the first)
    next: tuple[Service, ...]
    previous_mode: str = "all"
    next_mode: str = "all"


def initial_label(group: str) -> str:
    """An A–Z group as headings and navigation show it: "A"; "PENERBITAN-SURAT-K" → "Penerbitan Surat K…"."""
    return group if len(group) == 1 else group.replace("-", " ").title() + "…"


def host(url: str) -> str:
    return urlsplit(url).hostname or url


_DURATION_RE = re.compile(r"(\d+)(?:\s*(?:sampai|s\.d\.|-|–)\s*(\d+))?\s*(hari|jam|menit|bulan|minggu)", re.I)
_ISO_UNIT = {
    "hari": ("D", False),
    "minggu": ("W", False),
    "bulan": ("M", False),
    "jam": ("H", True),
    "menit": ("M", True),
}


def iso_duration(text: str) -> str | None:
    """The longest time a free-text duration promises, as ISO 8601 ('1 sampai 3 hari kerja' → 'P3D')."""
    lowered = text.lower()
    if "seketika" in lowered or "hari yang sama" in lowered:
        return "P0D" if not _DURATION_RE.search(lowered) else None
    match = _DURATION_RE.search(lowered)
    if not match:
        return None
    amount = match.group(2) or match.group(1)
    unit, is_time = _ISO_UNIT[match.group(3)]
    return f"PT{amount}{unit}" if is_time else f"P{amount}{unit}"


def record_digest(record) -> str:
    # repr of a frozen dataclass names every field in a fixed order: a cheap, stable fingerprint.
    return hashlib.blake2b(repr(record).encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, which template renders it, and from which records."""

    path: str  # relative output path, e.g. "layanan/ktp/index.html"
    template: str
    context: Callable[[], dict] = field(compare=False, repr=False)
    deps: tuple = field(default=(), compare=False, repr=False)  # records whose content it shows
    lastmod: str | None = field(default=None, compare=False, repr=False)  # the sitemap's <lastmod>

    @property
    def url(self) -> str:
        """Site-absolute URL path ("/layanan/ktp/")."""
        return urls.page_url(self.path)


class Site:
    """The catalogue seen as a web site: indexes, orderings and one Page per output file."""

    def __init__(self, catalogue: Catalogue, site_url: str, search_log_url: str = "", feedback_url: str = ""):
        self.catalogue = catalogue
        self.site_url = site_url.rstrip("/")
        # Where the pages report finished searches (cms.feedback); "" reports nothing.
        self.search_log_url = search_log_url
        # Where a service page's "Apakah informasi ini membantu?" form posts; "" shows no form.
        self.feedback_url = feedback_url
        self.opds = catalogue.opds
        self.apps = catalogue.apps

    # ------------------------------------------------------------------ indexes
    @cached_property
    def services_by_title(self) -> list[Service]:
        return sorted(self.catalogue.services.values(), key=lambda s: (s.title.casefold(), s.id))

    def _group(self, attribute: str) -> dict[str, list[Service]]:
        groups: dict[str, list[Service]] = {}
        for service in self.services_by_title:
            value = getattr(service, attribute)
            for key in value if isinstance(value, tuple) else (value,):
                groups.setdefault(key, []).append(service)
        return groups

    @cached_property
    def by_opd(self) -> dict[str, list[Service]]:
        return self._group("opd")

    @cached_property
    def by_category(self) -> dict[str, list[Service]]:
        return self._group("categories")

    @cached_property
    def by_life_event(self) -> dict[str, list[Service]]:
        return self._group("life_events")

    @cached_property
    def apps_by_opd(self) -> dict[str, list]:
        groups: dict[str, list] = {}
        for app in sorted(self.apps.values(), key=lambda a: a.name.casefold()):
            groups.setdefault(app.opd, []).append(app)
        return groups

    @cached_property
    def counts(self) -> tuple:
        """How many apps and services there are: what pages showing only the counts depend on
        (an app going down must not re-render them)."""
        return ("counts", len(self.apps), len(self.catalogue.services))

    @cached_property
    def by_app(self) -> dict[str, list[Service]]:
        return self._group("app")

    @cached_property
    def apps_by_name(self) -> list:
        return sorted(self.apps.values(), key=lambda a: (a.name.casefold(), a.slug))

    def health(self, app) -> AppHealth:
        return self.catalogue.app_health.get(app.slug) or AppHealth(slug=app.slug)

    @cached_property
    def journeys(self) -> dict[str, list[JourneyPlace]]:
        """Service id → its places in the journeys (a service may be a step of several)."""
        places: dict[str, list[JourneyPlace]] = {}
        for event in self.catalogue.life_events.values():
            steps = [self._step_services(step) for step in event.steps]
            for number, services in enumerate(steps, start=1):
                before = event.steps[number - 2] if number > 1 else None
                after = event.steps[number] if number < len(steps) else None
                place = JourneyPlace(
                    event,
                    number,
                    len(steps),
                    tuple(steps[number - 2]) if before else (),
                    tuple(steps[number]) if after else (),
                    before.mode if before else "all",
                    after.mode if after else "all",
                )
                for service in services:
                    entries = places.setdefault(service.id, [])
                    if all(p.event.slug != event.slug for p in entries):  # its first step in a journey
                        entries.append(place)
        return places

    def _step_services(self, step: JourneyStep) -> list[Service]:
        return [self.catalogue.services[s] for s in step.services if s in self.catalogue.services]

    @cached_property
    def popular(self) -> list[Service]:
        return self.catalogue.most_needed(POPULAR_LIMIT)

    def url(self, path: str) -> str:
        return self.site_url + path

    # ------------------------------------------------------------------ pages
    def pages(self) -> list[Page]:
        """Every HTML page of the portal, in a stable order (service pages first: they are the bulk)."""
        pages = [self.service_page(service) for service in self.catalogue.services.values()]
        pages += [self.opd_page(opd) for opd in self.opds.values()]
        pages += [page for c in self.catalogue.categories.values() for page in self.category_pages(c)]
        pages += [self.life_event_page(e) for e in self.catalogue.life_events.values()]
        pages += [self.app_page(app) for app in self.apps.values()]
        pages += [self.apps_page(), self.life_events_page(), self.categories_page(), self.opds_page()]
        pages += [self.info_page(*info) for info in INFO_PAGES]
        pages += [self.home_page(), *self.az_pages(), self.search_page(), self.not_found_page()]
        pages += [self.offline_page()]
        return pages

    def _base(self, page_path: str, title: str, description: str, crumbs=()) -> dict:
        return {
            "page_title": title,
            "page_description": description,
            "canonical": self.url(urls.page_url(page_path)),
            "breadcrumbs": list(crumbs),
            "opds": self.opds,
            "search_log_url": self.search_log_url,
        }

    def service_page(self, service: Service) -> Page:
        path = urls.output_path(urls.service(service.id))
        opd = self.opds[service.opd]
        app = self.apps.get(service.app) if service.app else None
        cats = [self.catalogue.categories[c] for c in service.categories]
        events = [self.catalogue.life_events[e] for e in service.life_events]

        def context() -> dict:
            crumbs = [("Beranda", urls.HOME)]
            if cats:
                crumbs.append((cats[0].name, urls.category(cats[0].slug)))
            ctx = self._base(path, service.title, service.summary, crumbs)
            ctx.update(
                s=service,
                opd=opd,
                app=app,
                app_opd=self.opds[app.opd] if app else None,
                cats=cats,
                events=events,
                walk_in=service.walk_in_channels,
                og_type="article",
                json_ld=self.json_ld(service),
                journeys=journeys,
                feedback_url=self.feedback_url,
                feedback_thanks_id=urls.FEEDBACK_THANKS_ID,
            )
            return ctx

        journeys = self.journeys.get(service.id, [])
        neighbours = [(p.event, *p.previous, *p.next) for p in journeys]
        deps = (service, opd, app, self.opds[app.opd] if app else None, *cats, *events)
        deps += tuple(record for group in neighbours for record in group)
        return Page(path, "service.html", context, deps, service.updated)

    def json_ld(self, service: Service) -> Markup:
        """The page's schema.org GovernmentService, safe inside a <script> element."""
        opd = self.opds[service.opd]
        provider = {"@type": "GovernmentOrganization", "name": opd.name, "url": self.url(urls.opd(opd.slug))}
        if opd.address:
            provider["address"] = opd.address
        if opd.phone:
            provider["telephone"] = opd.phone
        if opd.website:
            provider["sameAs"] = opd.website
        service_type = (
            self.catalogue.categories[service.categories[0]].name if service.categories else service.title
        )
        channels = []
        processing = iso_duration(service.duration) if service.duration else None
        if service.online:
            app = self.apps[service.app]
            channel = {
                "@type": "ServiceChannel",
                "name": f"Ajukan di {app.name}",
                "serviceUrl": service.deep_link,
                "availableLanguage": "id",
            }
            if service.duration:
                channel["processingTime"] = processing or service.duration
            channels.append(channel)
        for place in service.walk_in_channels:
            channel = {
                "@type": "ServiceChannel",
                "name": place.name,
                "serviceLocation": {"@type": "Place", "name": place.name, **_address(place.address)},
            }
            if service.duration:
                channel["processingTime"] = processing or service.duration
            channels.append(channel)
        data = {
            "@context": "https://schema.org",
            "@type": "GovernmentService",
            "name": service.title,
            "description": service.summary,
            "url": self.url(urls.service(service.id)),
            "serviceType": service_type,
            "provider": provider,
            "areaServed": AREA_SERVED,
            "availableChannel": channels[0] if len(channels) == 1 else channels,
        }
        if service.output:
            data["serviceOutput"] = service.output
        if service.updated or service.reviewed:
            # The dates belong to the page that describes the service (schema.org WebPage).
            web_page = {"@type": "WebPage", "@id": data["url"]}
            if service.updated:
                web_page["dateModified"] = service.updated
            if service.reviewed:
                web_page["lastReviewed"] = service.reviewed
            data["mainEntityOfPage"] = web_page
        return json_ld_markup(data)

    def opd_page(self, opd) -> Page:
        path = urls.output_path(urls.opd(opd.slug))
        services = self.by_opd.get(opd.slug, [])
        apps = self.apps_by_opd.get(opd.slug, [])

        def context() -> dict:
            description = opd.description or f"Layanan dan aplikasi {opd.name}."
            ctx = self._base(path, opd.name, description, [("Beranda", urls.HOME)])
            ctx.update(opd=opd, apps=apps, services=services)
            return ctx

        return Page(path, "opd.html", context, (opd, *apps, *services))

    def _listing(self, path, record, services, letters=(), current="", index_url="", initials=()) -> Page:
        """A record's services. A big one is split by initial (category_pages, initial_pages): then
        `letters` are (initial, URL, count), `current` is the initial of this page ("" for the
        initials' index), `index_url` the index's URL and `initials` what its navigation shows."""

        def context() -> dict:
            description = getattr(record, "description", "") or f"Layanan untuk {record.name}."
            crumbs = [("Beranda", urls.HOME)]
            if current:
                crumbs.append((record.name, index_url))
            heading = f"{record.name}: berawalan {initial_label(current)}" if current else record.name
            ctx = self._base(path, heading, description, crumbs)
            ctx.update(
                heading=heading,
                intro=getattr(record, "description", ""),
                services=services,
                letters=letters,
                current=current,
                total=sum(count for _l, _u, count in letters) if letters else len(services),
            )
            return ctx

        opds = {s.opd: self.opds[s.opd] for s in services}
        return Page(path, "listing.html", context, (record, *services, *opds.values(), initials))

    def category_pages(self, category) -> list[Page]:
        """A category's page; past LISTING_PAGE_LIMIT services (a national catalogue has thousands in
        one category) an index of initials and a page per initial."""
        services = self.by_category.get(category.slug, [])
        index_url = urls.category(category.slug)
        if len(services) <= LISTING_PAGE_LIMIT:
            return [self._listing(urls.output_path(index_url), category, services)]

        def page(url: str, current: str, letters: list, services: list, initials: tuple) -> Page:
            return self._listing(
                urls.output_path(url), category, services, letters, current, index_url, initials
            )

        return initial_pages(
            index_url,
            lambda letter: urls.category_letter(category.slug, letter),
            services,
            page,
            LISTING_PAGE_LIMIT,
        )

    def life_event_page(self, event) -> Page:
        services = self.by_life_event.get(event.slug, [])
        path = urls.output_path(urls.journey(event.slug))
        if not event.steps:
            return self._listing(path, event, services)
        steps = [(step, self._step_services(step)) for step in event.steps]
        in_steps = {s.id for _step, group in steps for s in group}
        others = [s for s in services if s.id not in in_steps]

        def context() -> dict:
            description = event.description or f"Langkah demi langkah mengurus {event.name}."
            ctx = self._base(
                path, event.name, description, [("Beranda", "/"), ("Peristiwa hidup", urls.ALL_LIFE_EVENTS)]
            )
            ctx.update(event=event, steps=steps, others=others, json_ld=self.journey_json_ld(event, steps))
            return ctx

        shown = [s for _step, group in steps for s in group] + others
        opds = {s.opd: self.opds[s.opd] for s in shown}
        return Page(path, "journey.html", context, (event, *shown, *opds.values()))

    def journey_json_ld(self, event, steps) -> Markup:
        """The journey as a schema.org ItemList of its steps, in order."""
        items = []
        for number, (step, services) in enumerate(steps, start=1):
            joiner = " atau " if step.mode == "any" else " dan "
            item = {
                "@type": "ListItem",
                "position": number,
                "name": joiner.join(s.title for s in services),
                "url": self.url(urls.service(services[0].id)),
            }
            if step.why:
                item["description"] = step.why
            items.append(item)
        return json_ld_markup(
            {
                "@context": "https://schema.org",
                "@type": "ItemList",
                "name": f"Langkah mengurus: {event.name}",
                "url": self.url(urls.journey(event.slug)),
                "itemListOrder": "https://schema.org/ItemListOrderAscending",
                "numberOfItems": len(items),
                "itemListElement": items,
            }
        )

    def life_events_page(self) -> Page:
        path = urls.output_path(urls.ALL_LIFE_EVENTS)
        events = list(self.catalogue.life_events.values())

        def context() -> dict:
            ctx = self._base(
                path,
                "Peristiwa hidup",
                "Layanan Kota Samarinda menurut peristiwa hidup: langkah demi langkah, lintas OPD.",
                [("Beranda", "/")],
            )
            ctx.update(events=events)
            return ctx

        return Page(path, "life_events.html", context, tuple(events))

    def categories_page(self) -> Page:
        path = urls.output_path(urls.ALL_CATEGORIES)
        categories = list(self.catalogue.categories.values())

        def context() -> dict:
            ctx = self._base(
                path,
                "Kategori layanan",
                "Layanan publik Kota Samarinda menurut kategori.",
                [("Beranda", "/")],
            )
            ctx.update(categories=[(c, len(self.by_category.get(c.slug, []))) for c in categories])
            return ctx

        counts = ("category-counts", tuple(len(self.by_category.get(c.slug, [])) for c in categories))
        return Page(path, "categories.html", context, (*categories, counts))

    def opds_page(self) -> Page:
        path = urls.output_path(urls.ALL_OPDS)
        opds = sorted(self.opds.values(), key=lambda o: o.name.casefold())

        def context() -> dict:
            ctx = self._base(
                path,
                "Perangkat daerah",
                "Perangkat daerah (OPD) Pemerintah Kota Samarinda, layanan dan aplikasinya.",
                [("Beranda", "/")],
            )
            ctx.update(opd_list=opds)
            return ctx

        return Page(path, "opds.html", context, tuple(opds))

    def info_page(self, folder: str, template: str, title: str, description: str) -> Page:
        path = f"{folder}/index.html"
        kominfo = self.opds.get("diskominfo")

        def context() -> dict:
            ctx = self._base(path, title, description, [("Beranda", "/")])
            ctx.update(
                app_count=len(self.apps),
                service_count=len(self.catalogue.services),
                kominfo=f"{kominfo.name}, {kominfo.address}"
                if kominfo and kominfo.address
                else "Dinas Komunikasi dan Informatika Kota Samarinda, Balai Kota Samarinda",
            )
            return ctx

        # The text is the theme's; only the about page shows counts.
        deps = (self.counts, kominfo) if template == "about.html" else (kominfo,)
        return Page(path, template, context, deps)

    # ------------------------------------------------------------------ apps
    def app_status(self, app) -> dict:
        """What the app pages say about an app's health."""
        health = self.health(app)
        status = {"state": health.state, "checked_at": health.checked_at}
        if health.state == "down":
            since = health.down_since or health.checked_at
            status["text"] = f"Sedang gangguan sejak {waktu(since)}"
            status["since"] = since
            status["since_date"] = tanggal_wita(since)
        elif health.state == "up":
            status["text"] = "Berjalan normal"
        else:
            status["text"] = "Belum diperiksa"
        status["checked"] = (
            f"{tanggal_wita(health.checked_at)} pukul {waktu(health.checked_at)}" if health.checked_at else ""
        )
        return status

    def walk_in_for(self, app) -> list:
        """Where to go instead while an app is down: its services' walk-in places, or its OPD."""
        places, seen = [], set()
        for service in self.by_app.get(app.slug, []):
            for channel in service.walk_in_channels:
                if channel.name not in seen:
                    seen.add(channel.name)
                    places.append(channel)
        return places

    def app_page(self, app) -> Page:
        path = urls.output_path(urls.app(app.slug))
        opd = self.opds[app.opd]
        services = self.by_app.get(app.slug, [])
        health = self.health(app)

        def context() -> dict:
            description = app.description or f"Aplikasi {app.name} milik {opd.name}."
            ctx = self._base(path, app.name, description, [("Beranda", "/"), ("Aplikasi", urls.ALL_APPS)])
            ctx.update(
                app=app,
                opd=opd,
                services=services,
                status=self.app_status(app),
                walk_in=self.walk_in_for(app),
            )
            return ctx

        service_opds = {s.opd: self.opds[s.opd] for s in services}
        return Page(path, "app.html", context, (app, health, opd, *services, *service_opds.values()))

    def apps_page(self) -> Page:
        path = urls.output_path(urls.ALL_APPS)
        apps = self.apps_by_name

        def context() -> dict:
            ctx = self._base(
                path,
                "Semua aplikasi",
                f"{len(apps)} aplikasi perangkat daerah Kota Samarinda: kegunaan, layanan, platform dan "
                "statusnya saat ini.",
                [("Beranda", "/")],
            )
            ctx.update(
                apps=[
                    (app, self.opds[app.opd], len(self.by_app.get(app.slug, [])), self.app_status(app))
                    for app in apps
                ]
            )
            return ctx

        # It shows how many services each app has, not which: a retitled service leaves it as it is.
        counts = ("app-counts", tuple(len(self.by_app.get(a.slug, [])) for a in apps))
        deps = (*apps, *(self.health(a) for a in apps), *self.opds.values(), counts)
        return Page(path, "apps.html", context, deps)

    def _everything(self) -> tuple:
        catalogue = self.catalogue
        return (
            *catalogue.opds.values(),
            *catalogue.categories.values(),
            *catalogue.life_events.values(),
            *catalogue.services.values(),
        )

    def home_page(self) -> Page:
        def context() -> dict:
            ctx = self._base(
                urls.output_path(urls.HOME),
                "Santer: layanan publik Kota Samarinda",
                "Cari dan ajukan layanan publik Pemerintah Kota Samarinda: persyaratan, langkah, biaya, "
                "dan tautan langsung ke aplikasi perangkat daerah.",
            )
            # The first screen of a phone: search, categories, the way into life events and apps.
            # The long lists (every life event, OPD, service) have pages of their own.
            ctx.update(
                popular=self.popular,
                journeys=[e for e in self.catalogue.life_events.values() if e.steps],
                categories=[
                    (c, len(self.by_category.get(c.slug, []))) for c in self.catalogue.categories.values()
                ],
                app_count=len(self.apps),
            )
            return ctx

        return Page(urls.output_path(urls.HOME), "index.html", context, (*self._everything(), self.counts))

    def az_pages(self) -> list[Page]:
        """The A–Z list: one page while it is short enough to open on a phone; past AZ_PAGE_LIMIT
        services, /layanan/ lists the initials and each initial has a page of its own (a
        national catalogue's single list would be megabytes, and re-rendered on every publish)."""
        if len(self.services_by_title) <= AZ_PAGE_LIMIT:
            groups = by_initial(self.services_by_title)
            letters = [(letter, f"#huruf-{letter}", None) for letter in groups]
            return [self._az_page(urls.ALL_SERVICES, "", letters, list(groups.items()))]

        def page(url: str, current: str, letters: list, services: list, initials: tuple) -> Page:
            return self._az_page(url, current, letters, [(current, services)] if services else [], initials)

        return initial_pages(urls.ALL_SERVICES, urls.az_letter, self.services_by_title, page, AZ_PAGE_LIMIT)

    def _az_page(self, url: str, current: str, letters: list, groups: list, initials=()) -> Page:
        path = urls.output_path(url)
        title = f"Layanan berawalan {initial_label(current)}" if current else "Semua layanan A–Z"

        def context() -> dict:
            crumbs = [("Beranda", urls.HOME)] + (
                [("Semua layanan A–Z", urls.ALL_SERVICES)] if current else []
            )
            ctx = self._base(
                path, title, "Daftar lengkap layanan publik Kota Samarinda menurut abjad.", crumbs
            )
            ctx.update(
                heading=title,
                letters=letters,
                current=current,
                groups=groups,
                total=len(self.services_by_title),
            )
            return ctx

        services = tuple(service for _letter, items in groups for service in items)
        return Page(path, "az.html", context, (*self.opds.values(), *services, initials))

    def search_page(self) -> Page:
        path = urls.output_path(urls.SEARCH)

        def context() -> dict:
            ctx = self._base(
                path, "Cari layanan", "Cari layanan publik Kota Samarinda.", [("Beranda", urls.HOME)]
            )
            ctx.update(popular=self.popular)
            return ctx

        return Page(path, "search.html", context, self._everything())

    def not_found_page(self) -> Page:
        def context() -> dict:
            ctx = self._base(urls.NOT_FOUND_FILE, "Halaman tidak ditemukan", "Halaman tidak ditemukan.")
            ctx.update(popular=self.popular)
            return ctx

        return Page(urls.NOT_FOUND_FILE, "404.html", context, self._everything())

    def offline_page(self) -> Page:
        """What the service worker shows for a page never opened while the network is gone."""
        path = urls.output_path(urls.OFFLINE)

        def context() -> dict:
            return self._base(path, "Tidak tersambung", "Anda sedang tidak tersambung ke internet.")

        return Page(path, "offline.html", context, ())

    # ------------------------------------------------------------------ sitemap / robots
    def sitemaps(self, pages: list[Page], limit: int = SITEMAP_MAX_URLS) -> dict[str, str]:
        """{file name: XML}: `sitemap.xml` lists every page; past `limit` URLs (the protocol allows
        50,000 per file) it becomes an index of `sitemap-1.xml`, `sitemap-2.xml`, … instead."""
        entries = []
        memo, site_url = _SITEMAP_MEMO, self.site_url
        for page in pages:
            # a page's line again when its URL and date are: a national sitemap has 150,000
            last = memo.get(page.path)
            if last is not None and last[0] == site_url and last[1] == page.lastmod:
                if last[2]:
                    entries.append(last[2])
                continue
            url = page.url
            unlisted = page.path in (urls.NOT_FOUND_FILE, urls.output_path(urls.OFFLINE))
            entry = ""
            if not (unlisted or url.startswith(urls.SEARCH)):
                # One <url> per line (a diffable file), escaped by the standard library's XML tools.
                entry = f"<url><loc>{xml_escape(self.url(url))}</loc>"
                if page.lastmod:
                    entry += f"<lastmod>{page.lastmod}</lastmod>"
                entry += "</url>"
                entries.append(entry)
            memo[page.path] = (site_url, page.lastmod, entry)
        if len(entries) <= limit:
            return {"sitemap.xml": _xml_list("urlset", entries)}
        files = {
            f"sitemap-{number}.xml": _xml_list("urlset", entries[start : start + limit])
            for number, start in enumerate(range(0, len(entries), limit), start=1)
        }
        index = [f"<sitemap><loc>{xml_escape(self.url('/' + name))}</loc></sitemap>" for name in files]
        return {"sitemap.xml": _xml_list("sitemapindex", index), **files}

    def robots(self) -> str:
        return (
            f"User-agent: *\nAllow: /\nDisallow: {urls.SEARCH}\nDisallow: {urls.OFFLINE}\n"
            f"Sitemap: {self.site_url}/sitemap.xml\n"
        )


def initial_pages(index_url: str, letter_url, services: list[Service], page, limit: int) -> list[Page]:
    """A long list split by initial: an index of the initials with their counts, and a page per
    initial; an initial with more than `limit` services is split by its next letters ("P" → "PE",
    "PEN" …: Indonesian service names crowd under P). `page(url, current, letters, services,
    initials)` makes one page; `initials` is what its navigation shows (the index: every initial's
    count; an initial's page: the initials), so a page is rendered again when that changes, not
    only when its own services do."""
    groups = by_initial(services, limit)
    letters = [(letter, letter_url(letter), len(items)) for letter, items in groups.items()]
    pages = [page(index_url, "", letters, [], ("initials", tuple(letters)))]
    initials = ("initials", tuple(groups))
    pages += [page(letter_url(letter), letter, letters, items, initials) for letter, items in groups.items()]
    # A group split by its next letters keeps its own address, a page that points to its parts: a
    # link to /abjad/p/ or /abjad/pen/ made before the list grew past the limit still leads to
    # those services. Every shorter prefix of a group may have been a group in a smaller list.
    split = dict.fromkeys(group[:end] for group in groups for end in range(1, len(group)))
    pages += [page(letter_url(p), p, letters, [], initials) for p in split if p not in groups]
    return pages


def by_initial(services: list[Service], limit: int | None = None) -> dict[str, list[Service]]:
    """Initial letter (A–Z, or "#" for any other first character) → its services, in the given order.
    With `limit`, a group past it is split by longer prefixes of the titles ("P" → "PEN",
    "PENERBITAN-SURAT-K": letters, and "-" for anything else), until each is within it or the
    titles cannot be told apart."""
    groups: dict[str, list[Service]] = {}
    for service in services:
        letter = service.title[:1].upper()
        groups.setdefault(letter if "A" <= letter <= "Z" else "#", []).append(service)
    if limit is None:
        return groups
    split: dict[str, list[Service]] = {}
    # each group past the limit with its titles in capitals, made once for all the levels below
    wide = {
        prefix: (items, [s.title.upper() for s in items] if len(items) > limit else None)
        for prefix, items in groups.items()
    }
    for prefix, items in _split(wide, limit).items():
        split.setdefault(_NOT_A_LETTER.sub("-", prefix), []).extend(items)
    return split


_NOT_A_LETTER = re.compile(r"[^A-Z#]")

# The sitemap line of each page path as last made: (site URL, lastmod, line; "" not listed).
_SITEMAP_MEMO: dict[str, tuple[str, str | None, str]] = {}


def _split(groups: dict[str, tuple[list[Service], list[str] | None]], limit: int) -> dict[str, list[Service]]:
    """{prefix: (services, their titles in capitals)} → {prefix: services}, each within `limit`."""
    result: dict[str, list[Service]] = {}
    for prefix, (items, titles) in groups.items():
        if len(items) <= limit or prefix == "#":
            result[prefix] = items
            continue
        length = len(os.path.commonprefix(titles)) + 1  # the first character that tells them apart
        longer: dict[str, tuple[list[Service], list[str]]] = {}
        for service, title in zip(items, titles, strict=True):
            group = longer.get(title[:length])
            if group is None:
                group = longer[title[:length]] = ([], [])
            group[0].append(service)
            group[1].append(title)
        if len(longer) == 1:  # the same title over and over: nothing to split by
            result[prefix] = items
            continue
        result.update(_split(longer, limit))
    return result


def _xml_list(root: str, lines: list[str]) -> str:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    return "\n".join([head, *lines, f"</{root}>"]) + "\n"


def _address(text: str) -> dict:
    return {"address": text} if text else {}
