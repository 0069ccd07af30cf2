"""Atomic publishing: a failed build changes nothing, unchanged pages are reused, rollback works."""

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from catalogue import RecordError
from site_builder import BuildError, build_portal, live_assets, render_page, rollback
from site_builder.publish import builds_dir
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


def test_only_the_live_and_previous_builds_are_kept(catalogue, live):
    for n in range(3):
        report = build_portal(
            retitled(catalogue, "akta-kelahiran", f"Judul {n}"), live, SITE_URL, search=False
        )
        if report.cleanup:
            report.cleanup.join()
    kept = [p for p in builds_dir(live).iterdir() if p.is_dir()]
    assert len(kept) == 2
    assert live.resolve() in kept


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
