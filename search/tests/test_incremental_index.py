"""A rebuild after an edit reuses earlier work (analysis, unchanged files), yet equals a fresh build."""

import dataclasses

import pytest

from search import static_index
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


def _same_as_fresh(index, catalogue):
    fresh = build_index(catalogue, Analyzer(), fresh=True)
    assert index.files.keys() == fresh.files.keys()
    assert [k for k in fresh.files if index.files[k] != fresh.files[k]] == []
    assert index.digest == fresh.digest
    return fresh


@pytest.mark.parametrize("cap", [static_index.MAX_POSTINGS, 4])
def test_each_kind_of_publish_rewrites_few_files_and_equals_a_fresh_build(shared_catalogue, cap, monkeypatch):
    """Edited, new and unpublished services, a renamed OPD: what the publish worker does in turn
    (also with posting lists capped at 4, as most lists of a large catalogue are)."""
    monkeypatch.setattr(static_index, "MAX_POSTINGS", cap)
    analyzer = Analyzer()
    catalogue = shared_catalogue
    full = build_index(catalogue, analyzer)
    assert full.changed == full.files.keys()  # the first build writes everything
    ids = sorted(catalogue.services)

    # an edited service
    catalogue = edited(catalogue, ids[10], summary="Ringkasan baru: penyulingan minyak atsiri.")
    index = build_index(catalogue, analyzer)
    _same_as_fresh(index, catalogue)
    assert "meta.json" not in index.changed  # the same number of services
    assert len(index.changed) < len(index.files) / 3
    assert StaticSearcher(index.files).search("penyulingan atsiri", 1)[0][0] == ids[10]

    # a new service
    new = dataclasses.replace(
        catalogue.services[ids[20]], id="layanan-baru-budidaya-lebah", title="Budidaya Lebah Madu"
    )
    catalogue = dataclasses.replace(catalogue, services={**catalogue.services, new.id: new})
    index = build_index(catalogue, analyzer)
    _same_as_fresh(index, catalogue)
    assert len([p for p in index.changed if p.startswith("d/")]) == 1  # no other service renumbered
    assert StaticSearcher(index.files).search("lebah madu", 1)[0][0] == new.id

    # an unpublished service
    services = dict(catalogue.services)
    del services[ids[30]]
    catalogue = dataclasses.replace(catalogue, services=services)
    index = build_index(catalogue, analyzer)
    _same_as_fresh(index, catalogue)
    assert len([p for p in index.changed if p.startswith("d/")]) == 1  # no other service renumbered
    assert ids[30] not in {
        sid for sid, _ in StaticSearcher(index.files).search(catalogue.services[ids[31]].title, 50)
    }

    # a new title made of words of its own body (postings that have both parts) and none of the old
    service = catalogue.services[ids[40]]
    catalogue = edited(catalogue, ids[40], title=f"{service.requirements[0]} {service.steps[0]}")
    index = build_index(catalogue, analyzer)
    _same_as_fresh(index, catalogue)

    # a renamed OPD: every one of its services changes, but only in the OPD's name: the bodies
    # are not analysed again, only the postings of the old and new name's words are set
    slug = catalogue.services[ids[0]].opd
    opd = dataclasses.replace(catalogue.opds[slug], name="Dinas Pelayanan Terpadu Zamrud Khatulistiwa")
    catalogue = dataclasses.replace(catalogue, opds={**catalogue.opds, slug: opd})
    analysed = []
    analyse = static_index._IndexState.analyse
    monkeypatch.setattr(
        static_index._IndexState,
        "analyse",
        lambda self, name, text: analysed.append(name) or analyse(self, name, text),
    )
    index = build_index(catalogue, analyzer)
    assert analysed and static_index.BODY not in analysed
    _same_as_fresh(index, catalogue)
    found = {sid for sid, _ in StaticSearcher(index.files).search("zamrud khatulistiwa", 200)}
    expected = {s.id for s in catalogue.services.values() if s.opd == slug}
    assert found == expected if cap >= len(expected) else found and found <= expected


def test_a_catalogue_that_doubles_or_halves_is_laid_out_anew_and_still_equals_a_fresh_build(
    shared_catalogue, monkeypatch
):
    # shards follow the vocabulary (no floor here, as if it were large), card files the services
    monkeypatch.setattr(static_index, "MIN_SHARDS", 1)
    monkeypatch.setattr(static_index, "MIN_CARD_FILES", 1)
    analyzer = Analyzer()
    full = build_index(shared_catalogue, analyzer)
    kept = dict(sorted(shared_catalogue.services.items())[:30])  # 151 -> 30 services: fewer words
    small = dataclasses.replace(shared_catalogue, services=kept)
    index = build_index(small, analyzer)
    assert index.meta["shards"] < full.meta["shards"]
    cards = [len([k for k in i.files if k.startswith("d/")]) for i in (index, full)]
    assert cards[0] < cards[1]
    _same_as_fresh(index, small)
    index = build_index(shared_catalogue, analyzer)  # and back
    assert index.meta["shards"] == full.meta["shards"]
    _same_as_fresh(index, shared_catalogue)


def test_colliding_document_keys_move_with_the_services_and_equal_a_fresh_build(
    shared_catalogue, monkeypatch
):
    # a key space as large as the catalogue: many ids hash to a taken key and take the next free one
    monkeypatch.setattr(static_index, "KEY_SPARE_BITS", 0)
    analyzer = Analyzer()
    build_index(shared_catalogue, analyzer)
    keys = static_index.document_keys(shared_catalogue.services, 8)
    assert len(set(keys.values())) == len(keys)
    services = dict(shared_catalogue.services)
    for service_id in sorted(services)[::7]:  # out: the services after them in a chain move back
        del services[service_id]
    fewer = dataclasses.replace(shared_catalogue, services=services)
    index = build_index(fewer, analyzer)
    _same_as_fresh(index, fewer)
    index = build_index(shared_catalogue, analyzer)  # and in again
    _same_as_fresh(index, shared_catalogue)
    searcher = StaticSearcher(index.files)
    for service in list(shared_catalogue.services.values())[:20]:
        assert service.id in [sid for sid, _ in searcher.search(service.title, 10)], service.title


def test_a_body_analysed_in_shared_segments_scores_as_the_whole_body(shared_catalogue):
    """Requirements, steps and description sentences are analysed one by one (and kept once however
    many services share them); every service's body terms score as if its body were analysed whole."""
    state = static_index._IndexState(Analyzer())
    for service in shared_catalogue.services.values():
        whole = state.analyse(static_index.BODY, static_index.index_fields(service, shared_catalogue)["body"])
        expected = {
            stem: round(b * static_index.SCORE_SCALE) or 1 for stem, b in whole.scored("body").items()
        }
        fields = static_index.document_fields(service, shared_catalogue)
        _, entries = state._document(0, (), fields, [])
        assert {stem: packed & 0xFFFF for stem, packed in entries.items() if packed & 0xFFFF} == expected
    shared = [t for (name, _), t in state.analysed.items() if name == static_index.BODY and t.users > 1]
    assert shared  # e.g. a requirement many services have


def test_files_of_the_folder_the_index_was_updated_from_are_linked_without_reading(
    shared_catalogue, tmp_path, monkeypatch
):
    # Index folders are named by the digest of their bytes: the folder of the build this state
    # made last holds exactly the files the update did not change (thousands at national scale).
    from search import portal

    live, update = tmp_path / "live", tmp_path / "update"
    write_search_assets(shared_catalogue, live)
    service_id = sorted(shared_catalogue.services)[1]
    changed = edited(shared_catalogue, service_id, summary="Ringkasan baru tentang akta.")

    def no_reading(*_args):
        raise AssertionError("an unchanged index file was read")

    monkeypatch.setattr(portal, "_link_if_same", no_reading)
    write_search_assets(changed, update, previous_site=live)
    (old_meta,) = (live / URL_ROOT.strip("/")).glob("*/meta.json")
    (new_meta,) = (update / URL_ROOT.strip("/")).glob("*/meta.json")
    files = [p for p in new_meta.parent.rglob("*") if p.is_file()]
    shared = [p for p in files if p.stat().st_nlink > 1]
    assert shared and len(shared) < len(files)
    for path in shared:
        assert (old_meta.parent / path.relative_to(new_meta.parent)).stat().st_ino == path.stat().st_ino

    # An older folder (not the build this state made last) is compared file by file.
    compared = []
    monkeypatch.setattr(portal, "_link_if_same", lambda *args: compared.append(args) or False)
    write_search_assets(edited(changed, service_id, summary="Ringkasan lain."), tmp_path / "next", live)
    assert compared


def test_shards_encoded_half_in_a_forked_process_are_the_same_bytes_and_updates_follow(
    shared_catalogue, monkeypatch
):
    """A fresh national-scale build encodes half its shards in a forked process: the files, and the
    encoded lists the process hands back (what later updates reuse), are as if made here."""
    serial = build_index(shared_catalogue, Analyzer(), fresh=True)
    forks = []

    class CountingPool(static_index.ProcessPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            forks.append(len(args[0]))
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(static_index, "ProcessPoolExecutor", CountingPool)
    monkeypatch.setattr(static_index, "PARALLEL_MIN_SHARDS", 1)
    analyzer = Analyzer()
    forked = build_index(shared_catalogue, analyzer)
    assert len(forks) == 1 and forks[0] >= static_index.MIN_SHARDS // 2 - 1  # half the shards
    assert forked.files == serial.files
    monkeypatch.setattr(static_index, "PARALLEL_MIN_SHARDS", 10**6)  # the update: here alone
    service_id = sorted(shared_catalogue.services)[5]
    changed = edited(shared_catalogue, service_id, title="Layanan Penyulingan Minyak Atsiri")
    again = build_index(changed, analyzer)
    _same_as_fresh(again, changed)
    assert len(forks) == 1
    assert 0 < len(again.changed) < len(again.files) / 4  # the handed-back lists were reused
