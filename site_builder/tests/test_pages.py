"""Every page a citizen can open, checked against the catalogue it was built from."""

import gzip
import hashlib
import json
import math
import re
from pathlib import Path

import brotli
from bs4 import BeautifulSoup

from .conftest import SITE_URL

BUDGET = 14 * 1024  # one round trip on a weak 3G connection


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(built: Path, url: str) -> BeautifulSoup:
    return soup(built / url.strip("/") / "index.html" if url != "/" else built / "index.html")


def links(doc: BeautifulSoup) -> set[str]:
    return {a["href"] for a in doc.find_all("a", href=True)}


def test_every_service_page_has_title_deep_link_and_json_ld(built, catalogue):
    for service in catalogue.services.values():
        doc = page(built, f"/layanan/{service.id}/")
        where = f"service {service.id}"
        assert doc.html["lang"] == "id", where
        assert doc.h1.get_text(strip=True) == service.title, where
        assert doc.title.get_text().startswith(service.title), where
        assert doc.find("link", rel="canonical")["href"] == f"{SITE_URL}/layanan/{service.id}/", where
        assert doc.find("meta", property="og:title")["content"] == service.title, where

        buttons = doc.select("a[data-deep-link]")
        if service.online:
            app = catalogue.apps[service.app]
            assert len(buttons) == 1, where
            button = buttons[0]
            assert button["href"] == service.deep_link, where
            assert "noopener" in button["rel"], where
            assert button.get_text(strip=True) == f"Ajukan di {app.name}", where
            note = doc.find(id=button["aria-describedby"]).get_text()
            assert "meninggalkan portal" in note, where
        else:
            assert buttons == [], where

        blocks = doc.find_all("script", type="application/ld+json")
        assert len(blocks) == 1, where
        data = json.loads(blocks[0].string)
        assert data["@type"] == "GovernmentService", where
        assert data["name"] == service.title, where
        assert data["provider"]["@type"] == "GovernmentOrganization", where
        assert data["provider"]["name"] == catalogue.opds[service.opd].name, where
        assert "Samarinda" in data["areaServed"]["name"], where
        assert data["serviceType"], where
        channels = data["availableChannel"]
        channels = channels if isinstance(channels, list) else [channels]
        assert all(c["@type"] == "ServiceChannel" for c in channels), where
        if service.online:
            assert channels[0]["serviceUrl"] == service.deep_link, where
            assert channels[0]["processingTime"], where
        else:
            assert not any("serviceUrl" in c for c in channels), where


def test_service_page_sections_follow_the_service_standard(built, catalogue):
    service = catalogue.services["ktp-el-pemula"]
    doc = page(built, "/layanan/ktp-el-pemula/")
    checklist = [li.get_text(" ", strip=True) for li in doc.select(".checklist li")]
    assert checklist == list(service.requirements)
    assert all(li.find("input", type="checkbox") for li in doc.select(".checklist li"))
    assert [li.get_text(strip=True) for li in doc.select("ol.steps li")] == list(service.steps)
    assert [li.get_text(strip=True) for li in doc.select("ul.legal li")] == list(service.legal_basis)
    complaints = doc.find(id="h-aduan").parent.get_text(" ")
    assert "SP4N-LAPOR!" in complaints and catalogue.opds["disdukcapil"].name in complaints
    places = doc.select(".places li strong")
    assert [p.get_text() for p in places] == [c.name for c in service.walk_in_channels]
    facts = doc.select_one(".facts").get_text(" ")
    assert service.cost in facts and service.output in facts
    crumbs = doc.select("nav.crumbs a")
    assert crumbs[0]["href"] == "/"


def test_listings_link_to_their_services(built, catalogue):
    for opd in catalogue.opds.values():
        found = links(page(built, f"/opd/{opd.slug}/"))
        for service in catalogue.services.values():
            if service.opd == opd.slug:
                assert f"/layanan/{service.id}/" in found, (opd.slug, service.id)
    for category in catalogue.categories.values():
        found = links(page(built, f"/kategori/{category.slug}/"))
        expected = {f"/layanan/{s.id}/" for s in catalogue.services.values() if category.slug in s.categories}
        assert expected and expected <= found, category.slug
    for event in catalogue.life_events.values():
        found = links(page(built, f"/peristiwa/{event.slug}/"))
        expected = {f"/layanan/{s.id}/" for s in catalogue.services.values() if event.slug in s.life_events}
        assert expected <= found, event.slug
    az = links(page(built, "/layanan/"))
    assert {f"/layanan/{sid}/" for sid in catalogue.services} <= az
    home = links(page(built, "/"))
    assert {f"/kategori/{slug}/" for slug in catalogue.categories} <= home
    # The long list of life events has a page of its own, which the home page leads to.
    assert "/peristiwa/" in home
    assert {f"/peristiwa/{slug}/" for slug in catalogue.life_events} <= links(page(built, "/peristiwa/"))
    assert len([h for h in home if h.startswith("/layanan/") and h != "/layanan/"]) >= 4


def test_az_list_is_alphabetical(built, catalogue):
    titles = [a.get_text(strip=True) for a in page(built, "/layanan/").select("ul.az a")]
    assert titles == sorted(titles, key=str.casefold)
    assert len(titles) == len(catalogue.services)


def test_a_big_catalogue_gets_a_page_per_initial_for_a_to_z_and_big_categories(
    catalogue, tmp_path, monkeypatch
):
    # A national catalogue's single A–Z list or category page would be megabytes on a phone; past
    # the limit, the list shows the initials and each initial has a page. Same rule, small limits.
    import dataclasses

    from site_builder import build_portal, site

    monkeypatch.setattr(site, "AZ_PAGE_LIMIT", 50)
    monkeypatch.setattr(site, "LISTING_PAGE_LIMIT", 10)
    out = tmp_path / "portal"
    build_portal(catalogue, out, SITE_URL, search=False)
    sitemap = (out / "sitemap.xml").read_text()
    big = max(
        catalogue.categories, key=lambda slug: sum(slug in s.categories for s in catalogue.services.values())
    )
    in_big = [s for s in catalogue.services.values() if big in s.categories]
    for index_url, pattern, expected in (
        ("/layanan/", r"/abjad/([a-z][a-z-]*|lainnya)/", list(catalogue.services.values())),
        (f"/kategori/{big}/", rf"/kategori/{big}/([a-z][a-z-]*|lainnya)/", in_big),
    ):
        index = page(out, index_url)
        assert not index.select("ul.az a, ul.cards a")
        letter_links = [a["href"] for a in index.select("nav.letters a")]
        assert letter_links and all(re.fullmatch(pattern, h) for h in letter_links)
        titles = []
        for href in letter_links:
            letter_page = page(out, href)
            assert letter_page.select_one("nav.letters a[aria-current=page]")["href"] == href
            assert {a["href"] for a in letter_page.select("nav.letters a")} == set(letter_links)
            listed = [a.get_text(strip=True) for a in letter_page.select("ul.az a, ul.cards > li > a")]
            # an initial past the limit is split by its next letters (most services start with P)
            assert 0 < len(listed) <= (50 if index_url == "/layanan/" else 10) or len(set(listed)) == 1
            group = href.rstrip("/").rsplit("/", 1)[1]
            slugs = [re.sub("[^a-z]", "-", t.lower()) for t in listed]
            assert group == "lainnya" or all(slug.startswith(group) for slug in slugs), href
            label = letter_page.select_one("nav.letters a[aria-current=page]").get_text(strip=True)
            assert label == group.upper() if len(group) == 1 else label.endswith("…"), label
            # the page says which group it is in the same words as the navigation
            assert label in letter_page.select_one("h1").get_text(), letter_page.select_one("h1")
            for heading in letter_page.select("section h2"):
                assert heading.get_text(strip=True) == label
            titles += listed
            assert f"<loc>{SITE_URL}{href}</loc>" in sitemap
        assert titles == sorted(titles, key=str.casefold)
        assert sorted(titles) == sorted(s.title for s in expected)
        assert any(len(h.rstrip("/").rsplit("/", 1)[1]) > 1 for h in letter_links if "lainnya" not in h)
        # a split group keeps its own address (links made before the split): a page of its parts,
        # and so does every shorter prefix of a group (a group of its own in a smaller list)
        groups = {href.rstrip("/").rsplit("/", 1)[1] for href in letter_links} - {"lainnya"}
        prefixes = {group[:end] for group in groups for end in range(1, len(group))} - groups
        assert any(len(prefix) > 1 for prefix in prefixes), prefixes
        for prefix in prefixes:
            href = re.sub(r"[^/]+/$", f"{prefix}/", letter_links[0])
            prefix_page = page(out, href)
            label = site.initial_label(prefix.upper())
            assert f"berawalan {label}" in prefix_page.select_one("h1").get_text()
            assert [a["href"] for a in prefix_page.select("nav.letters a")] == letter_links
            hint = prefix_page.select_one("main").get_text()
            assert f"berawalan {label} dibagi lagi menurut huruf berikutnya" in hint
            assert not prefix_page.select("ul.az a, ul.cards > li > a")
            assert f"<loc>{SITE_URL}{href}</loc>" in sitemap

    # Retitled to a new initial: it moves to that initial's page, and the pages of initials it
    # never touched (an update re-renders only what changed) link the new one too.
    first = next(s for s in in_big if s.title[0].upper() != "Q")
    held = {  # the page that lists it before the move, in each list
        index_url: next(
            p.relative_to(out)
            for p in (out / index_url.strip("/")).glob("*/index.html")
            if first.title in [a.get_text(strip=True) for a in soup(p).select("ul.az a, ul.cards > li > a")]
        )
        for index_url in ("/abjad/", f"/kategori/{big}/")
    }
    moved = dict(catalogue.services)
    moved[first.id] = dataclasses.replace(first, title="Qqq layanan uji")
    build_portal(dataclasses.replace(catalogue, services=moved), out, SITE_URL, search=False)
    for index_url in ("/abjad/", f"/kategori/{big}/"):
        folder = out / index_url.strip("/")
        assert "Qqq layanan uji" in (folder / "q" / "index.html").read_text()
        assert "Qqq layanan uji" not in (out / held[index_url]).read_text()
        for other in folder.glob("*/index.html"):
            assert f"{index_url}q/" in {a["href"] for a in soup(other).select("nav.letters a")}, other


def test_home_and_search_page_forms_work_without_javascript(built):
    for url in ("/", "/cari/"):
        form = page(built, url).find("form", role="search")
        assert form["action"] == "/cari/" and form["method"] == "get"
        assert form.find("input", attrs={"name": "q"})
    search = page(built, "/cari/")
    results = search.find(attrs={"data-search-results": True})
    assert results["aria-live"] == "polite"
    fallback = search.find("noscript")
    assert "/layanan/" in links(fallback)
    assert any(h.startswith("/layanan/") and h != "/layanan/" for h in links(fallback))


def test_sitemap_lists_every_page_and_robots_points_to_it(built, catalogue):
    xml = (built / "sitemap.xml").read_text()
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    pages = {
        "/" + str(p.relative_to(built)).removesuffix("index.html")
        for p in built.rglob("index.html")
        if not str(p.relative_to(built)).startswith(("cari/", "offline/"))  # both noindex
    }
    assert {loc.removeprefix(SITE_URL) for loc in locs} == pages
    assert f"<loc>{SITE_URL}/layanan/ktp-el-pemula/</loc>" in xml
    assert (
        len(pages)
        == len(catalogue.services)
        + len(catalogue.opds)
        + len(catalogue.categories)
        + len(catalogue.life_events)
        + len(catalogue.apps)
        + 9
    )  # home, A–Z, the lists of apps, life events, categories and OPDs, about, accessibility, privacy
    robots = (built / "robots.txt").read_text()
    assert f"Sitemap: {SITE_URL}/sitemap.xml" in robots
    assert (built / "404.html").is_file()
    assert not list(built.glob("sitemap-*.xml"))  # one file is enough below the protocol's limit


def test_a_site_past_the_sitemap_limit_gets_a_sitemap_index(built, catalogue):
    # sitemaps.org allows 50,000 URLs per file; a national catalogue has more. Same rule, small limit.
    from site_builder.site import Site

    site = Site(catalogue, SITE_URL)
    files = site.sitemaps(site.pages(), limit=50)
    single = re.findall(r"<loc>([^<]+)</loc>", (built / "sitemap.xml").read_text())
    index = files.pop("sitemap.xml")
    assert index.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex ')
    assert re.findall(r"<loc>([^<]+)</loc>", index) == [f"{SITE_URL}/{name}" for name in files]
    assert list(files) == [f"sitemap-{n}.xml" for n in range(1, math.ceil(len(single) / 50) + 1)]
    parts = [re.findall(r"<loc>([^<]+)</loc>", xml) for xml in files.values()]
    assert all(0 < len(locs) <= 50 for locs in parts)
    assert [loc for locs in parts for loc in locs] == single


def test_text_files_are_precompressed_and_assets_hashed(built):
    html = list(built.rglob("*.html"))
    assert html
    for path in html:
        data = path.read_bytes()
        assert gzip.decompress(Path(f"{path}.gz").read_bytes()) == data, path
        assert brotli.decompress(Path(f"{path}.br").read_bytes()) == data, path
    (css,) = (built / "assets").glob("santer.*.css")
    digest = re.match(r"santer\.([0-9a-f]{12})\.css$", css.name).group(1)
    assert hashlib.sha256(css.read_bytes()).hexdigest()[:12] == digest
    assert f'href="/assets/{css.name}"' in (built / "index.html").read_text()


def test_service_pages_fit_the_14_kb_budget_and_load_nothing_from_elsewhere(built, catalogue):
    (css,) = (built / "assets").glob("santer.*.css")
    css_gz = len(gzip.compress(css.read_bytes(), 9))
    for service in catalogue.services.values():
        path = built / "layanan" / service.id / "index.html"
        doc = soup(path)
        blocking = [
            s for s in doc.find_all("script", src=True) if not s.has_attr("defer") and not s.has_attr("async")
        ]
        assert blocking == [], service.id
        total = len(gzip.compress(path.read_bytes(), 9)) + css_gz
        assert total <= BUDGET, (service.id, total)
        for tag in doc.find_all(["link", "script", "img", "iframe"]):
            ref = tag.get("href") or tag.get("src") or ""
            assert not re.match(r"^(https?:)?//", ref) or tag.get("rel") == ["canonical"], (service.id, ref)


def test_the_sitemap_dates_each_service_and_follows_an_edit(catalogue, tmp_path):
    """Search engines recrawl by <lastmod>: an edited service's new date is in the next build's
    sitemap (made again only for the pages that changed), and another site URL changes every line."""
    import dataclasses

    from site_builder import build_portal

    ids = sorted(catalogue.services)
    dated = {ids[0]: "2026-03-04", ids[7]: "2026-05-06"}
    services = {sid: dataclasses.replace(s, updated=dated.get(sid)) for sid, s in catalogue.services.items()}
    catalogue = dataclasses.replace(catalogue, services=services)
    out = tmp_path / "portal"
    build_portal(catalogue, out, SITE_URL, search=False)
    lines = dict(
        re.findall(
            r"<loc>[^<]*/layanan/([^/<]+)/</loc>(?:<lastmod>([^<]+)</lastmod>)?",
            (out / "sitemap.xml").read_text(),
        )
    )
    assert {sid: date for sid, date in lines.items() if date} == dated

    service_id = next(iter(dated))
    edited = dataclasses.replace(catalogue.services[service_id], updated="2031-02-03")
    catalogue = dataclasses.replace(catalogue, services={**catalogue.services, service_id: edited})
    build_portal(catalogue, out, SITE_URL, search=False)
    sitemap = (out / "sitemap.xml").read_text()
    assert f"/layanan/{service_id}/</loc><lastmod>2031-02-03</lastmod>" in sitemap
    assert sitemap.count("<lastmod>") == len(dated)

    other = tmp_path / "other"
    build_portal(catalogue, other, "https://layanan.example.go.id", search=False)
    locs = re.findall(r"<loc>([^<]+)</loc>", (other / "sitemap.xml").read_text())
    assert locs and all(loc.startswith("https://layanan.example.go.id/") for loc in locs)
