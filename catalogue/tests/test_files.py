"""The content/ format and the shared format: loading, checking and writing records."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from catalogue import RecordError, dump_record, load_catalogue, write_content
from catalogue.records import deep_link_error


def write_shared(folder, **overrides):
    """A minimal catalogue in the shared interchange format, with some records replaced."""
    data = {
        "opds.json": [
            {
                "slug": "disdukcapil",
                "name": "Dinas Kependudukan dan Pencatatan Sipil",
                "short_name": "Disdukcapil",
                "kind": "dinas",
                "address": "Jl. Basuki Rahmat",
                "phone": "",
                "website": "https://disdukcapil.samarindakota.go.id",
            }
        ],
        "apps.json": [
            {
                "slug": "dafduk",
                "name": "Dafduk Online",
                "opd": "disdukcapil",
                "base_url": "https://dafduk.samarindakota.go.id",
                "description": "Permohonan dokumen kependudukan.",
                "platforms": ["web"],
            }
        ],
        "categories.json": [{"slug": "kependudukan", "name": "Kependudukan"}],
        "life_events.json": [{"slug": "kelahiran", "name": "Kelahiran", "description": "Anak lahir."}],
        "services.json": [
            {
                "id": "akta-kelahiran",
                "title": "Akta Kelahiran",
                "summary": "Pencatatan kelahiran.",
                "description": "Paragraf satu.\n\nParagraf <dua>.",
                "opd": "disdukcapil",
                "app": "dafduk",
                "deep_link": "https://dafduk.samarindakota.go.id/akta",
                "requirements": ["Surat keterangan lahir", "KK"],
                "steps": ["Ajukan", "Ambil"],
                "duration": "1 hari",
                "cost": "Gratis",
                "output": "Akta",
                "complaints": "SP4N-LAPOR!",
                "legal_basis": ["UU 24/2013"],
                "channels": ["online", "loket Disdukcapil"],
                "categories": ["kependudukan"],
                "life_events": ["kelahiran"],
                "keywords": ["akte"],
            }
        ],
    }
    for name, records in overrides.items():
        data[name.replace("_json", ".json")] = records
    for name, records in data.items():
        (folder / name).write_text(json.dumps(records), encoding="utf-8")
    return data


@pytest.fixture
def small_catalogue(tmp_path):
    """A loaded minimal catalogue, and a folder for writing content/ into."""
    folder = tmp_path / "shared"
    folder.mkdir()
    write_shared(folder)
    return load_catalogue(folder), tmp_path / "content"


def service_with(folder, **fields):
    data = write_shared(folder)
    service = {**data["services.json"][0], **fields}
    (folder / "services.json").write_text(json.dumps([service]), encoding="utf-8")


def test_shared_format_loads_as_typed_records(tmp_path):
    write_shared(tmp_path)
    catalogue = load_catalogue(tmp_path)
    service = catalogue.services["akta-kelahiran"]
    assert service.requirements == ("Surat keterangan lahir", "KK")
    assert service.description == "<p>Paragraf satu.</p><p>Paragraf &lt;dua&gt;.</p>"
    assert [c.kind for c in service.channels] == ["online", "walk_in"]
    assert service.walk_in_channels[0].name == "loket Disdukcapil"
    assert service.online


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"opd": "dinas-hantu"}, "opd", "tidak dikenal"),
        ({"app": "aplikasi-hantu"}, "app", "tidak dikenal"),
        ({"categories": ["tidak-ada"]}, "categories", "tidak dikenal"),
        ({"life_events": ["tidak-ada"]}, "life_events", "tidak dikenal"),
        ({"deep_link": "javascript:alert(1)"}, "deep_link", "https"),
        ({"deep_link": "data:text/html,hai"}, "deep_link", "https"),
        ({"deep_link": "http://dafduk.samarindakota.go.id/akta"}, "deep_link", "https"),
        ({"deep_link": "https://evil.example.com/akta"}, "deep_link", "host"),
        ({"requirements": "KK, KTP"}, "requirements", "daftar"),
        ({"title": ""}, "title", "wajib"),
        ({"id": "Akta Kelahiran"}, "id", "slug"),
        ({"warna": "merah"}, "warna", "tidak dikenal"),
    ],
)
def test_bad_record_names_file_record_and_field(tmp_path, fields, field, words):
    service_with(tmp_path, **fields)
    with pytest.raises(RecordError) as caught:
        load_catalogue(tmp_path)
    error = caught.value
    assert error.file == "services.json[0]"
    assert error.field == field
    assert words in error.message
    assert "services.json[0]" in str(error) and field in str(error)


def test_invalid_json_names_the_file(tmp_path):
    write_shared(tmp_path)
    (tmp_path / "apps.json").write_text("[{", encoding="utf-8")
    with pytest.raises(RecordError, match=r"apps\.json.*JSON tidak valid"):
        load_catalogue(tmp_path)


def test_duplicate_ids_are_refused(tmp_path):
    data = write_shared(tmp_path)
    services = data["services.json"] * 2
    (tmp_path / "services.json").write_text(json.dumps(services), encoding="utf-8")
    with pytest.raises(RecordError, match="ganda") as caught:
        load_catalogue(tmp_path)
    assert caught.value.file == "services.json[1]"


def test_content_format_round_trip_is_byte_stable(small_catalogue):
    catalogue, out = small_catalogue
    assert write_content(catalogue, out) == 5
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.json")}
    again = load_catalogue(out)
    assert again.services == catalogue.services
    assert write_content(again, out) == 0  # nothing rewritten
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*.json")} == first
    text = first[next(k for k in first if k.parts[0] == "services")].decode()
    keys = list(json.loads(text))
    assert keys[:4] == ["id", "title", "summary", "description"]  # schema order, not alphabetical


def test_content_file_name_must_match_its_id(small_catalogue):
    catalogue, out = small_catalogue
    write_content(catalogue, out)
    (out / "services" / "akta-kelahiran.json").rename(out / "services" / "akta.json")
    with pytest.raises(RecordError, match="nama berkas"):
        load_catalogue(out)


def test_removed_record_file_is_deleted_on_write(small_catalogue):
    catalogue, out = small_catalogue
    write_content(catalogue, out)
    catalogue.services.clear()
    write_content(catalogue, out)
    assert not list((out / "services").glob("*.json"))


def test_rich_text_is_sanitised_on_load(small_catalogue):
    catalogue, out = small_catalogue
    write_content(catalogue, out)
    path = out / "services" / "akta-kelahiran.json"
    record = json.loads(path.read_text())
    record["description"] = '<p onclick="x()">Hai <script>alert(1)</script><a href="javascript:x">t</a></p>'
    path.write_text(json.dumps(record))
    description = load_catalogue(out).services["akta-kelahiran"].description
    assert "script" not in description and "onclick" not in description and "javascript" not in description
    assert description.startswith("<p>Hai")


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("https://app.samarindakota.go.id/layanan/x", True),
        ("https://app.samarindakota.go.id", True),
        ("https://APP.samarindakota.go.id/x", True),
        ("https://app.samarindakota.go.id.evil.com/x", False),
        ("https://user@app.samarindakota.go.id/x", False),
        ("https://app.samarindakota.go.id:8443/x", False),
        ("//app.samarindakota.go.id/x", False),
        ("JAVASCRIPT:alert(1)", False),
        (" https://app.samarindakota.go.id/x", False),
    ],
)
def test_deep_link_rules(link, ok):
    assert (deep_link_error(link, "https://app.samarindakota.go.id") is None) is ok


def test_deep_link_stays_inside_the_app_base_path():
    base = "https://portal.samarindakota.go.id/pajak"
    assert deep_link_error("https://portal.samarindakota.go.id/pajak/pbb", base) is None
    assert "di dalam alamat dasar" in deep_link_error("https://portal.samarindakota.go.id/pajakx", base)


def test_shared_fixture_loads(shared_catalogue_dir):
    catalogue = load_catalogue(shared_catalogue_dir)
    assert len(catalogue.services) == 151
    assert len(catalogue.apps) == 27
    every_record = [dump_record(s) for s in catalogue.services.values()]
    assert all(text.endswith("}\n") for text in every_record)


def test_most_needed_services_are_one_list_whatever_its_length(shared_catalogue_dir):
    """The home page and the search page's zero-results list show the same services, in order."""
    catalogue = load_catalogue(shared_catalogue_dir)
    eight, six = catalogue.most_needed(8), catalogue.most_needed(6)
    assert len(eight) == 8 and six == eight[:6]
    # none is featured: one service from each category, in catalogue order
    assert all(c in s.categories for s, c in zip(eight, catalogue.categories, strict=False))
    featured = next(iter(catalogue.services))
    catalogue.services[featured] = dataclasses.replace(catalogue.services[featured], featured=True)
    assert [s.id for s in catalogue.most_needed(6)] == [featured]


def test_journey_step_naming_an_unknown_service_names_file_life_event_and_step(tmp_path):
    content = Path(__file__).resolve().parents[2] / "content"
    shutil.copytree(content, tmp_path / "c")
    path = tmp_path / "c" / "life-events" / "menikah.json"
    data = json.loads(path.read_text())
    data["steps"][1]["services"] = ["akta-nikah-tidak-ada"]
    path.write_text(json.dumps(data))
    with pytest.raises(RecordError) as caught:
        load_catalogue(tmp_path / "c")
    error = caught.value
    assert (error.file, error.record_id, error.field) == ("life-events/menikah.json", "menikah", "steps[2]")
    assert "akta-nikah-tidak-ada" in error.message


def test_store_links_must_be_https_links_into_their_store():
    from catalogue import App

    base = {"slug": "a", "name": "A", "opd": "o", "base_url": "https://a.example.go.id"}
    App.from_dict({**base, "play_store_url": "https://play.google.com/store/apps/details?id=x"})
    for name, url in (
        ("play_store_url", "https://evil.example.com/store/apps/details?id=x"),
        ("play_store_url", "http://play.google.com/store/apps/details?id=x"),
        ("app_store_url", "javascript:alert(1)"),
        ("app_store_url", "https://play.google.com/x"),
    ):
        with pytest.raises(RecordError) as caught:
            App.from_dict({**base, name: url}, "apps/a.json")
        assert caught.value.field == name
