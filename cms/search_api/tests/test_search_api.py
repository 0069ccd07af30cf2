"""/api/search and index_search over what the CMS publishes (the shared catalogue, imported)."""

import pytest
from django.core.management import CommandError, call_command

from cms.search_api import backends


@pytest.fixture
def published(db, shared_catalogue_dir):
    call_command("import_catalogue", str(shared_catalogue_dir), verbosity=0)
    backends.reset_cache()
    yield
    backends.reset_cache()


def test_api_without_elasticsearch_uses_the_same_analysis(client, published, settings):
    settings.ELASTICSEARCH_URL = ""
    data = client.get("/api/search", {"q": "imb"}).json()
    assert data["backend"] == "python"
    assert data["results"][0]["id"] == "persetujuan-bangunan-gedung"
    assert data["results"][0]["url"] == "/layanan/persetujuan-bangunan-gedung/"
    # highlighted title, filters, bad input, read-only
    top = client.get("/api/search", {"q": "akta kelairan"}).json()["results"][0]
    assert top["id"] == "akta-kelahiran"
    assert "<mark>Kelahiran</mark>" in top["title_html"]
    only = client.get("/api/search", {"q": "surat keterangan", "category": "pendidikan"}).json()["results"]
    assert only and all("pendidikan" in r["categories"] for r in only)
    assert client.get("/api/search", {"q": "ktp", "size": "x"}).status_code == 400
    assert client.get("/api/search", {"q": ""}).json()["results"] == []
    assert client.post("/api/search", {"q": "ktp"}).status_code == 405


def test_unreachable_elasticsearch_falls_back_and_static_index_builds(
    client, published, settings, tmp_path, capsys
):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    data = client.get("/api/search", {"q": "bikin ktp"}).json()
    assert data["backend"] == "python-fallback"
    assert data["results"][0]["id"] == "ktp-el-pemula"

    call_command("index_search", "--backend", "static", "--out", str(tmp_path))
    [folder] = list(tmp_path.iterdir())
    assert (folder / "meta.json").is_file()
    assert any((folder / "t").iterdir())
    assert "151 layanan" in capsys.readouterr().out


@pytest.mark.django_db
def test_index_search_elasticsearch_needs_a_reachable_server(settings):
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(CommandError, match="ELASTICSEARCH_URL"):
        call_command("index_search", "--backend", "elasticsearch")
    with pytest.raises(CommandError, match="tidak diubah"):
        call_command("index_search", "--backend", "elasticsearch", "--url", "http://127.0.0.1:9")
    with pytest.raises(CommandError, match="--out"):
        call_command("index_search", "--backend", "static")
