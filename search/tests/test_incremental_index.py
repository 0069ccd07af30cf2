"""A rebuild after an edit reuses earlier work (analysis, unchanged files), yet equals a fresh build."""

import dataclasses

from search.analysis import Analyzer
from search.portal import URL_ROOT, write_search_assets
from search.query import StaticSearcher
from search.static_index import build_index


def edited(catalogue, service_id: str, **changes):
    service = dataclasses.replace(catalogue.services[service_id], **changes)
    return dataclasses.replace(catalogue, services={**catalogue.services, service_id: service})


def test_a_rebuild_after_an_edit_equals_a_fresh_build(shared_catalogue):
    analyzer = Analyzer()
    build_index(shared_catalogue, analyzer)  # what the publish worker built before the edit
    service_id = sorted(shared_catalogue.services)[3]
    changed = edited(
        shared_catalogue,
        service_id,
        title="Layanan Penyulingan Minyak Atsiri",
        description="<p>Pendampingan penyulingan minyak atsiri bagi pelaku usaha kecil.</p>",
    )
    again = build_index(changed, analyzer)
    fresh = build_index(changed, Analyzer())
    assert again.files == fresh.files
    assert StaticSearcher(again.files).search("penyulingan atsiri", 1)[0][0] == service_id


def test_unchanged_index_files_come_from_the_live_build(shared_catalogue, tmp_path):
    live, update, full = tmp_path / "live", tmp_path / "update", tmp_path / "full"
    write_search_assets(shared_catalogue, live)
    service_id = sorted(shared_catalogue.services)[0]
    changed = edited(shared_catalogue, service_id, summary="Ringkasan baru tentang kartu keluarga.")
    write_search_assets(changed, update, previous_site=live)
    write_search_assets(changed, full)

    def files(site):  # the index folder's files, by path inside it (its name is the index digest)
        (meta,) = (site / URL_ROOT.strip("/")).glob("*/meta.json")
        return {p.relative_to(meta.parent): p for p in meta.parent.rglob("*") if p.is_file()}

    updated, built = files(update), files(full)
    assert updated.keys() == built.keys()
    assert all(updated[k].read_bytes() == built[k].read_bytes() for k in built)
    old = files(live)
    same = {k for k in updated if k in old and updated[k].read_bytes() == old[k].read_bytes()}
    linked = {k for k in updated if k in old and updated[k].stat().st_ino == old[k].stat().st_ino}
    assert same and linked == same  # unchanged files are the live build's own, changed ones new
    assert len(same) < len(updated)
