"""Atomic publishing: a failed build changes nothing, unchanged pages are reused, rollback works."""

import dataclasses
import gc
import os
import shutil
import time
from pathlib import Path

import pytest

from catalogue import RecordError
from site_builder import BuildError, build_portal, live_assets, render_page, rollback
from site_builder import build as build_module
from site_builder.publish import (
    KEEP_BUILDS,
    SPARE,
    SPARE_BUILDS,
    builds_dir,
    manifest_path,
    prepare_spares,
    read_manifest,
    reuse_after,
    rollback_target,
    spares,
)
from site_builder.theme import THEME_DIR

from .conftest import SITE_URL


def snapshot(out: Path) -> dict:
    """Everything a reader of `out` could see: the symlink target and every file's bytes."""
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            files[str(path.relative_to(out))] = path.read_bytes()
    return {"target": os.readlink(out), "files": files}


@pytest.fixture
def live(catalogue, tmp_path):
    out = tmp_path / "site" / "portal"
    build_portal(catalogue, out, SITE_URL, search=False)
    return out


def retitled(catalogue, service_id, title):
    services = dict(catalogue.services)
    services[service_id] = dataclasses.replace(services[service_id], title=title)
    return dataclasses.replace(catalogue, services=services)


def test_out_dir_is_a_symlink_to_a_complete_build(live):
    assert live.is_symlink()
    assert (live / "index.html").is_file()
    assert not list(builds_dir(live).glob("*.partial"))


def test_template_error_leaves_the_live_portal_untouched(catalogue, live, tmp_path):
    before = snapshot(live)
    theme = tmp_path / "broken-theme"
    shutil.copytree(THEME_DIR, theme)
    template = theme / "templates" / "service.html"
    template.write_text(template.read_text().replace("{{ s.title }}</h1>", "{{ s.no_such_field }}</h1>"))
    with pytest.raises(BuildError) as error:
        build_portal(catalogue, live, SITE_URL, theme_dir=theme, search=False, reuse=False)
    assert "service.html" in str(error.value) and "no_such_field" in str(error.value)
    assert snapshot(live) == before
    assert not list(builds_dir(live).glob("*.partial"))
    # the builder pauses the cyclic garbage collector for its page list: a failed build, like
    # any other, leaves it running (a long-lived publisher would grow without it)
    assert gc.isenabled()


def test_bad_record_names_the_record_and_leaves_the_portal_untouched(catalogue, live):
    before = snapshot(live)
    services = dict(catalogue.services)
    services["ktp-el-pemula"] = dataclasses.replace(services["ktp-el-pemula"], opd="tidak-ada")
    broken = dataclasses.replace(catalogue, services=services)
    with pytest.raises(BuildError) as error:
        build_portal(broken, live, SITE_URL, search=False)
    assert isinstance(error.value.__cause__, RecordError)
    assert "ktp-el-pemula" in str(error.value) and "opd" in str(error.value)
    assert snapshot(live) == before


def test_rebuild_renders_only_what_changed_and_equals_a_full_build(catalogue, live, tmp_path):
    changed = retitled(catalogue, "akta-kelahiran", "Akta Kelahiran (judul baru)")
    report = build_portal(changed, live, SITE_URL, search=False)
    # The service page, its OPD, categories and life events, A–Z, home, search and 404 pages.
    assert 0 < report.rendered < 20
    assert report.reused == report.pages - report.rendered
    assert "Akta Kelahiran (judul baru)" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()

    full = tmp_path / "full" / "portal"
    build_portal(changed, full, SITE_URL, search=False, reuse=False)
    assert snapshot(live)["files"] == snapshot(full)["files"]


def test_single_page_render_matches_the_build(catalogue, live):
    for url in ("/layanan/ktp-el-pemula/", "/opd/disdukcapil/", "/", "/cari/"):
        path = live / url.strip("/") / "index.html"
        assert render_page(catalogue, SITE_URL, url, assets=live_assets(live)) == path.read_bytes(), url


def test_previous_build_is_kept_for_rollback(catalogue, live):
    first = os.readlink(live)
    build_portal(retitled(catalogue, "akta-kelahiran", "Judul Sementara"), live, SITE_URL, search=False)
    assert "Judul Sementara" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()
    rollback(live)
    assert os.readlink(live) == first
    assert "Judul Sementara" not in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()


def test_a_bounded_number_of_builds_is_kept(catalogue, live):
    for n in range(KEEP_BUILDS + SPARE_BUILDS + 2):
        report = build_portal(
            retitled(catalogue, "akta-kelahiran", f"Judul {n}"), live, SITE_URL, search=False
        )
        if report.cleanup:
            report.cleanup.join()
    kept = [p for p in builds_dir(live).iterdir() if p.is_dir() and not p.is_symlink()]  # not .previous
    assert len(kept) == KEEP_BUILDS + SPARE_BUILDS
    assert live.resolve() in kept
    assert not [p for p in builds_dir(live).iterdir() if p.name.startswith(".trash-")]


def test_a_plain_folder_is_replaced_by_the_first_build(catalogue, tmp_path):
    out = tmp_path / "portal"
    out.mkdir()
    (out / "old.html").write_text("lama")
    build_portal(catalogue, out, SITE_URL, search=False)
    assert out.is_symlink() and (out / "index.html").is_file() and not (out / "old.html").exists()


def test_one_edit_with_the_search_index_still_rerenders_only_a_few_pages(catalogue, tmp_path):
    """Scripts on every page must keep their URL when only the index changes, or each publish
    re-renders the whole portal (10k pages) instead of the pages that show the edited service."""
    out = tmp_path / "portal"
    build_portal(catalogue, out, SITE_URL)
    report = build_portal(retitled(catalogue, "akta-kelahiran", "Akta Kelahiran (judul baru)"), out, SITE_URL)
    assert report.rendered < 20, f"{report.rendered} of {report.pages} pages rendered again for one edit"


# ------------------------------------------------------------------ recycling a spare build
def builds(out: Path) -> list[Path]:
    return sorted(p for p in builds_dir(out).iterdir() if p.is_dir() and not p.name.startswith("."))


def retire_long_ago(out: Path, seconds: float = 600) -> None:
    """As if the builds that are not live had stopped being served `seconds` ago."""
    then = time.time() - seconds
    assert builds(out)
    for build in builds(out):
        if build != out.resolve():
            os.utime(manifest_path(build), (then, then))


def folder_snapshot(build: Path) -> dict:
    return {str(p.relative_to(build)): p.read_bytes() for p in sorted(build.rglob("*")) if p.is_file()}


def edited(catalogue, n: int):
    """A series of edits: a retitle, a service gone, and one back with another title."""
    changed = retitled(catalogue, "akta-kelahiran", f"Akta Kelahiran {n}")
    services = dict(changed.services)
    if n % 2:
        del services["izin-apotek"]
    else:
        services["izin-apotek"] = dataclasses.replace(
            catalogue.services["izin-apotek"], title=f"Izin Apotek versi {n}"
        )
    return dataclasses.replace(changed, services=services)


@pytest.mark.parametrize("parallel_min_pages", [build_module.PARALLEL_MIN_PAGES, 1])
def test_a_spare_retired_long_ago_is_recycled_into_the_same_portal_as_a_full_build(
    catalogue, tmp_path, monkeypatch, parallel_min_pages
):
    # 1: the few pages to change are handled in this process; 1: in the forked one.
    monkeypatch.setattr(build_module, "PARALLEL_MIN_PAGES", parallel_min_pages)
    out = tmp_path / "portal"
    build_portal(catalogue, out, SITE_URL)
    for n in range(KEEP_BUILDS + 1):
        build_portal(edited(catalogue, n), out, SITE_URL)
    for n in range(KEEP_BUILDS + 1, KEEP_BUILDS + 5):
        retire_long_ago(out)
        oldest, live_before, previous = builds(out)[0], out.resolve(), rollback_target(out)
        served = {build: folder_snapshot(build) for build in (live_before, previous)}
        changed = edited(catalogue, n)
        report = build_portal(changed, out, SITE_URL)
        if report.cleanup:
            report.cleanup.join()
        assert report.recycled == oldest.name  # never the live build or the rollback target
        assert not oldest.exists()
        assert 0 < report.rendered < 20
        # The builds a server may still answer from, or roll back to, are untouched.
        assert {build: folder_snapshot(build) for build in served} == served
        assert rollback_target(out) == live_before
        assert (out / "layanan" / "izin-apotek").is_dir() == (n % 2 == 0)

        full = tmp_path / f"full-{n}" / "portal"
        build_portal(changed, full, SITE_URL, reuse=False)
        assert snapshot(out)["files"] == snapshot(full)["files"]
    assert len(builds(out)) <= KEEP_BUILDS + SPARE_BUILDS


def test_a_build_retired_moments_ago_is_not_recycled(catalogue, live):
    """A server may still answer from it while it scans the new live build."""
    for n in range(KEEP_BUILDS + SPARE_BUILDS + 1):
        build_portal(retitled(catalogue, "akta-kelahiran", f"Judul {n}"), live, SITE_URL, search=False)
    limit = reuse_after(len(read_manifest(live.resolve())["pages"]))
    retire_long_ago(live, limit - 0.5)
    report = build_portal(retitled(catalogue, "akta-kelahiran", "Judul baru"), live, SITE_URL, search=False)
    assert report.recycled is None
    retire_long_ago(live, limit + 0.5)
    report = build_portal(retitled(catalogue, "akta-kelahiran", "Judul lagi"), live, SITE_URL, search=False)
    assert report.recycled is not None


def test_the_rollback_target_is_never_recycled(catalogue, live):
    build_portal(retitled(catalogue, "akta-kelahiran", "Judul 1"), live, SITE_URL, search=False)
    previous = rollback_target(live)
    retire_long_ago(live)
    report = build_portal(retitled(catalogue, "akta-kelahiran", "Judul 2"), live, SITE_URL, search=False)
    assert report.recycled is None and previous.is_dir()
    rollback(live)
    assert "Judul 1" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()


def test_a_failed_build_on_a_recycled_spare_leaves_the_live_portal_and_rollback_untouched(
    catalogue, live, tmp_path
):
    for n in range(KEEP_BUILDS + 1):
        build_portal(retitled(catalogue, "akta-kelahiran", f"Judul {n}"), live, SITE_URL, search=False)
    retire_long_ago(live)
    before = snapshot(live)
    previous = rollback_target(live)
    theme = tmp_path / "broken-theme"
    shutil.copytree(THEME_DIR, theme)
    template = theme / "templates" / "service.html"
    template.write_text(template.read_text().replace("{{ s.title }}</h1>", "{{ s.no_such_field }}</h1>"))
    with pytest.raises(BuildError):
        build_portal(catalogue, live, SITE_URL, theme_dir=theme, search=False)
    assert snapshot(live) == before
    assert not list(builds_dir(live).glob("*.partial"))
    rollback(live)
    assert os.readlink(live).endswith(previous.name)
    assert "Judul 1" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()


def test_spares_made_when_idle_let_the_first_updates_after_a_full_build_recycle(catalogue, live, tmp_path):
    full_build = live.resolve()
    served = folder_snapshot(full_build)
    assert prepare_spares(live, 2) == 2
    assert prepare_spares(live, 2) == 0  # enough already
    assert rollback_target(live) is None  # never served: a spare is no rollback target
    assert folder_snapshot(full_build) == served

    for n in (1, 2):  # each of the first two updates recycles a spare, not a fresh folder
        changed = retitled(catalogue, "akta-kelahiran", f"Judul {n}")
        report = build_portal(changed, live, SITE_URL, search=False)
        assert report.recycled is not None and report.recycled.startswith(SPARE)
        assert "Judul" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()
        assert 0 < report.rendered < 20
    assert folder_snapshot(full_build) == served  # the files it shared were never written through
    target = rollback_target(live)
    assert target.name < live.resolve().name and not target.name.startswith(SPARE)
    full = tmp_path / "full" / "portal"
    build_portal(changed, full, SITE_URL, reuse=False, search=False)
    assert snapshot(live)["files"] == snapshot(full)["files"]
    rollback(live)
    assert "Judul 1" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()


def test_spares_stop_when_work_arrives(catalogue, live):
    assert prepare_spares(live, 2, stop=lambda: True) == 0
    # Work arrives after the first spare: no second one.
    assert prepare_spares(live, 2, stop=lambda: len(spares(live)) >= 1) == 1
    # Work arrives while a spare is being copied: the copy stops there (the publish waits for it),
    # and what it copied is kept as a smaller spare.
    asked = []
    assert prepare_spares(live, 2, stop=lambda: asked.append(1) or len(asked) > 2) == 1
    assert len(asked) == 3 and len(spares(live)) == 2
    assert not list(builds_dir(live).glob("*.partial"))
    report = build_portal(retitled(catalogue, "akta-kelahiran", "Judul baru"), live, SITE_URL, search=False)
    if report.cleanup:
        report.cleanup.join()
    assert not list(builds_dir(live).glob(".trash-*"))
    assert "Judul baru" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()


def stop_after(calls: int):
    """A stop() that turns true on its call after the `calls`th."""
    asked = []
    return lambda: asked.append(1) or len(asked) > calls


def test_a_spare_stopped_part_way_is_recycled_into_the_same_portal_as_a_full_build(
    catalogue, tmp_path, monkeypatch
):
    """Stopped after any file (a page copied without its .br or .gz included), the half copy is a
    spare whose pages are right or taken out: the update that recycles it serves what a full build
    does, and nothing of a page the update removed is left behind."""
    from site_builder import publish

    monkeypatch.setattr(publish, "STOP_CHECK_FILES", 1)
    changed = edited(catalogue, 1)  # a retitle and a service gone
    full = tmp_path / "full" / "portal"
    build_portal(changed, full, SITE_URL, reuse=False, search=False)
    expected = snapshot(full)["files"]
    kinds = set()
    for files_copied in (1, 2, 3, 50, 51, 52, 300, 301, 302):
        live = tmp_path / f"site-{files_copied}" / "portal"
        build_portal(catalogue, live, SITE_URL, search=False)
        made = prepare_spares(live, 1, stop=stop_after(files_copied + 1))
        if made:
            (spare,) = spares(live)
            held = publish.read_manifest(spare)["pages"]
            assert 0 < len(held) < len(publish.read_manifest(live.resolve())["pages"])
            kinds.update("part" if fingerprint == "" else "whole" for fingerprint in held.values())
        else:  # no page among the files copied: nothing kept
            assert not spares(live) and not list(builds_dir(live).glob("*.partial"))
            kinds.add("none")
        report = build_portal(changed, live, SITE_URL, search=False)
        assert report.recycled == (spare.name if made else None)
        assert snapshot(live)["files"] == expected, files_copied
    assert kinds == {"part", "whole", "none"}  # every case was met


def test_when_idle_a_partial_spare_is_topped_up_and_the_update_that_recycles_it_links_little(
    catalogue, live, tmp_path, monkeypatch
):
    """A copy stopped part way is completed later, while idle, from the build live then (pages
    that changed meanwhile replaced): the update that recycles it has almost nothing to link."""
    from site_builder import build as build_module
    from site_builder import publish

    monkeypatch.setattr(publish, "STOP_CHECK_FILES", 1)
    assert prepare_spares(live, 1, stop=stop_after(120)) == 1
    (spare,) = spares(live)
    assert len(publish.read_manifest(spare)["pages"]) < len(publish.read_manifest(live.resolve())["pages"])
    retired = publish.manifest_path(spare).stat().st_mtime_ns
    # a publish recycles nothing (the spare is its only one, and it is kept for later), then idle
    changed = edited(catalogue, 2)
    monkeypatch.setattr(publish, "recyclable_build", lambda out_dir, pages: None)
    build_portal(changed, live, SITE_URL, search=False)
    monkeypatch.undo()
    live_pages = publish.read_manifest(live.resolve())["pages"]
    assert prepare_spares(live, 1) == 0  # the one spare there is, brought up to date
    assert publish.read_manifest(spare)["pages"] == live_pages
    assert publish.manifest_path(spare).stat().st_mtime_ns == retired  # still "retired long ago"

    linked = []
    link_pages = build_module.refresh_pages

    def counting(previous, build_dir, stale, gone, link, *rest):
        linked.extend(link)
        return link_pages(previous, build_dir, stale, gone, link, *rest)

    monkeypatch.setattr(build_module, "refresh_pages", counting)
    changed = edited(changed, 3)
    report = build_portal(changed, live, SITE_URL, search=False)
    assert report.recycled == spare.name
    assert len(linked) < 20, len(linked)
    full = tmp_path / "full" / "portal"
    build_portal(changed, full, SITE_URL, reuse=False, search=False)
    assert snapshot(live)["files"] == snapshot(full)["files"]


def test_a_template_edited_in_place_shows_in_the_next_build_of_the_same_process(catalogue, tmp_path):
    # The publish worker keeps compiled templates between builds; an edit to the theme must not be
    # hidden by them.
    theme = tmp_path / "theme"
    shutil.copytree(THEME_DIR, theme)
    live = tmp_path / "site" / "portal"
    page = live / "layanan" / "akta-kelahiran" / "index.html"
    build_portal(catalogue, live, SITE_URL, theme_dir=theme, search=False)
    assert "Templat diubah" not in page.read_text()
    template = theme / "templates" / "service.html"
    edited = template.read_text().replace("{{ s.title }}</h1>", "{{ s.title }} Templat diubah</h1>")
    template.write_text(edited)
    build_portal(catalogue, live, SITE_URL, theme_dir=theme, search=False)
    assert "Templat diubah" in page.read_text()


def test_after_warm_up_the_first_build_of_a_process_compiles_no_template(catalogue, live, monkeypatch):
    # A restarted publish worker warms up before its first publish, which then costs what any later
    # one does: compiling the theme was 0.3 s of it at 10,000 services.
    from site_builder import rendering

    cache = rendering.MemoryBytecodeCache()
    monkeypatch.setattr(rendering, "TEMPLATE_CACHE", cache)  # as in a process that just started
    compiled = []
    dump = cache.dump_bytecode
    monkeypatch.setattr(cache, "dump_bytecode", lambda bucket: compiled.append(bucket.key) or dump(bucket))
    build_module.warm_up(catalogue)
    assert len(compiled) >= len(list((THEME_DIR / "templates").glob("*.html"))) > 5  # and Pelican's own
    compiled.clear()
    build_portal(retitled(catalogue, "akta-kelahiran", "Judul sesudah mulai"), live, SITE_URL, search=False)
    assert compiled == []
    assert "Judul sesudah mulai" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()


def test_an_update_hashes_only_the_pages_made_of_changed_records(catalogue, live, monkeypatch, tmp_path):
    """The worker keeps unchanged records (the same objects): their pages keep last build's
    fingerprint without hashing it again, yet the pages of an edited record change."""
    import hashlib

    from site_builder import fingerprints

    hashed = []

    class CountingHashlib:
        def blake2b(self, data, **kwargs):
            hashed.append(data)
            return hashlib.blake2b(data, **kwargs)

    from site_builder import site

    # lists split by initial (as a large catalogue's are): their navigation is made anew each build
    monkeypatch.setattr(site, "AZ_PAGE_LIMIT", 50)
    monkeypatch.setattr(site, "LISTING_PAGE_LIMIT", 10)
    build_portal(retitled(catalogue, "akta-kelahiran", "Akta Kelahiran 1"), live, SITE_URL, search=False)
    monkeypatch.setattr(fingerprints, "hashlib", CountingHashlib())
    changed = retitled(catalogue, "akta-kelahiran", "Akta Kelahiran 2")
    changed = dataclasses.replace(changed, services={**changed.services})  # a new dict, the same records
    report = build_portal(changed, live, SITE_URL, search=False)
    # the pages that list or link the edited service (its OPD, categories, A–Z, journeys…), not all
    assert 0 < len(hashed) < report.pages / 4, f"{len(hashed)} of {report.pages} pages hashed again"
    paths = {data.split(b"\0")[2].decode() for data in hashed}
    assert "abjad/a/index.html" in paths  # the initial of the edited title
    assert not {p for p in paths if p.startswith("abjad/") and not p.startswith("abjad/a")}, paths
    assert 0 < report.rendered < 20
    assert "Akta Kelahiran 2" in (live / "layanan" / "akta-kelahiran" / "index.html").read_text()
    full = tmp_path / "full" / "portal"
    build_portal(changed, full, SITE_URL, search=False, reuse=False)
    assert snapshot(live)["files"] == snapshot(full)["files"]


def renamed_opd(catalogue, service_id, name):
    """The catalogue with the agency of `service_id` renamed (every page of its services changes)."""
    slug = catalogue.services[service_id].opd
    opds = {**catalogue.opds, slug: dataclasses.replace(catalogue.opds[slug], name=name)}
    return dataclasses.replace(catalogue, opds=opds)


def test_pages_known_to_change_are_written_while_the_search_index_is_built(catalogue, tmp_path, monkeypatch):
    """Pages other than /cari/ do not depend on the search index: a full build, and an update that
    changes many pages (an agency renamed), render them in worker processes while this process
    builds the index, so the two overlap on two cores. Here the index build waits for a page that
    must change to be written; built one after the other, it would wait in vain."""
    monkeypatch.setattr(build_module, "PARALLEL_MIN_PAGES", 1)  # the city's catalogue is small
    write_index = build_module.write_search_assets
    page = Path("layanan") / "akta-kelahiran" / "index.html"
    seen = []

    def index_after_the_page(catalogue, site_dir, *args, **kwargs):
        wanted = catalogue.opds[catalogue.services["akta-kelahiran"].opd].name
        path = Path(site_dir) / page
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if path.is_file() and wanted in path.read_text(encoding="utf-8"):
                break
            time.sleep(0.02)
        seen.append(path.is_file() and wanted in path.read_text(encoding="utf-8"))
        return write_index(catalogue, site_dir, *args, **kwargs)

    monkeypatch.setattr(build_module, "write_search_assets", index_after_the_page)
    out = tmp_path / "portal"
    first = build_portal(catalogue, out, SITE_URL, jobs=2)
    renamed = renamed_opd(catalogue, "akta-kelahiran", "Dinas Kependudukan Baru")
    update = build_portal(renamed, out, SITE_URL, jobs=2)
    assert seen == [True, True]
    assert first.rendered == first.pages
    assert 1 < update.rendered < update.pages
    monkeypatch.undo()
    full = tmp_path / "full" / "portal"
    build_portal(renamed, full, SITE_URL, reuse=False)
    assert snapshot(out)["files"] == snapshot(full)["files"]
