"""Elasticsearch: mapping, analyzers and query bodies as dictionaries; live tests need ELASTICSEARCH_URL.

No Elasticsearch server can be installed on the development machines, so the live tests
skip there (with that reason) and run wherever ELASTICSEARCH_URL points at a server.
"""

import json
import os

import pytest
from elasticsearch.dsl import Index

from search import elastic
from search.analysis import Dictionary
from search.static_index import FIELD_WEIGHTS

LIVE_URL = os.environ.get("ELASTICSEARCH_URL", "")
live = pytest.mark.skipif(not LIVE_URL, reason="ELASTICSEARCH_URL is not set: no Elasticsearch server here")


@pytest.fixture(scope="module")
def index_dict():
    index = Index("santer-services-test")
    index.document(elastic.ServiceDocument)
    index.settings(**elastic.ServiceDocument._index._settings)
    return index.to_dict()


def test_indonesian_analyzers_index_and_search_side(index_dict):
    analysis = index_dict["settings"]["analysis"]
    index_chain = analysis["analyzer"]["santer_indonesian"]
    search_chain = analysis["analyzer"]["santer_indonesian_search"]
    assert index_chain["tokenizer"] == search_chain["tokenizer"] == "standard"
    assert index_chain["filter"] == [
        "lowercase",
        "asciifolding",
        "santer_stop_lucene",
        "santer_stop",
        "santer_protected",
        "santer_stemmer",
    ]
    # synonyms only at search time, after folding and before stop words and stemming
    assert search_chain["filter"][:3] == ["lowercase", "asciifolding", "santer_synonyms"]
    filters = analysis["filter"]
    assert filters["santer_stemmer"] == {"type": "stemmer", "language": "indonesian"}
    assert filters["santer_stop_lucene"] == {"type": "stop", "stopwords": "_indonesian_"}
    assert "yang" in filters["santer_stop"]["stopwords"] and "the" in filters["santer_stop"]["stopwords"]
    assert "meninggal" in filters["santer_protected"]["keywords"]
    assert filters["santer_synonyms"]["type"] == "synonym_graph"


def test_synonyms_come_from_a_reloadable_synonyms_set(index_dict, shared_catalogue):
    synonyms = index_dict["settings"]["analysis"]["filter"]["santer_synonyms"]
    assert synonyms == {
        "type": "synonym_graph",
        "synonyms_set": elastic.SYNONYM_SET,
        "updateable": True,
        "lenient": True,
    }
    rules = [r["synonyms"] for r in elastic.synonym_set(elastic.catalogue_dictionary(shared_catalogue))]
    assert rules == elastic.synonym_rules(
        Dictionary.load().with_vocabulary(shared_catalogue.search_terms.values())
    )
    assert any(r.startswith("nib, nomor induk berusaha, siup, tdp") for r in rules)
    # a one-way rule keeps the word typed: "imb"-style old names still match literally
    assert "birth certificate => birth certificate, akta kelahiran" in rules
    assert "ngurus => urus" in rules
    # the city's layer (content/search/, edited in the CMS) is in the same set
    assert "askeskin => askeskin, pbi, penerima bantuan iuran, uhc" in rules


class RecordingTransport:
    """Answers like Elasticsearch and keeps every request: the request bodies, checked offline."""

    requests: list = []

    def __init__(self, *args, **kwargs):
        pass

    def perform_request(self, method, target, *, body=None, headers=None, **kwargs):
        from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig

        RecordingTransport.requests.append(
            (method, target, json.loads(body) if isinstance(body, str | bytes) else body)
        )
        meta = ApiResponseMeta(
            status=200,
            http_version="1.1",
            headers=HttpHeaders({"x-elastic-product": "Elasticsearch", "content-type": "application/json"}),
            duration=0.0,
            node=NodeConfig("http", "localhost", 9200),
        )
        answer = {"hits": {"hits": []}} if target.endswith("_search") else {"acknowledged": True}
        from elastic_transport import TransportApiResponse

        return TransportApiResponse(meta, answer)

    def close(self):
        pass


def test_vocabulary_change_replaces_the_synonyms_set_and_best_bets_pin(shared_catalogue):
    from elasticsearch import Elasticsearch

    client = Elasticsearch("http://localhost:9200", transport_class=RecordingTransport)
    RecordingTransport.requests = []
    elastic.put_synonyms(client, elastic.catalogue_dictionary(shared_catalogue))
    method, target, body = RecordingTransport.requests[-1]
    assert (method, target) == ("PUT", "/_synonyms/santer-synonyms")
    assert {"id": "r00001", "synonyms": body["synonyms_set"][0]["synonyms"]} == body["synonyms_set"][0]
    assert any("ipeda" in rule["synonyms"] for rule in body["synonyms_set"])

    elastic.search(client, "Surat  Lahir", catalogue=shared_catalogue, today="2026-01-01")
    method, target, body = RecordingTransport.requests[-1]
    assert target == "/santer-services/_search"
    assert body["query"]["pinned"]["ids"] == ["akta-kelahiran"]
    assert body["query"]["pinned"]["organic"]["bool"]["minimum_should_match"] == 1
    # a best bet past its last day pins nothing
    assert elastic.pinned_ids(shared_catalogue, "pemutihan pajak", today="2027-07-01") == []
    assert elastic.pinned_ids(shared_catalogue, "pemutihan pajak", today="2027-06-30") == [
        "pendaftaran-npwpd",
        "bphtb",
    ]


def test_mapping_text_fields_and_filters(index_dict):
    props = index_dict["mappings"]["properties"]
    for name in FIELD_WEIGHTS:
        assert props[name]["type"] == "text"
        assert props[name]["analyzer"] == "santer_indonesian"
        assert props[name]["search_analyzer"] == "santer_indonesian_search"
    assert props["title"]["fields"]["raw"]["type"] == "keyword"
    assert props["opd_slug"]["type"] == props["category_slugs"]["type"] == "keyword"


def test_query_body_weights_fuzziness_and_low_meaning_words():
    body = elastic.query_body("gimana cara bikin ktp", opd="disdukcapil", category="kependudukan", size=5)
    strong, weak = body["query"]["bool"]["should"]
    assert strong["multi_match"]["query"] == "ktp"
    assert strong["multi_match"]["fuzziness"] == "AUTO:4,8"
    assert strong["multi_match"]["fields"][:3] == ["title^10", "keywords^7", "summary^4"]
    assert weak["multi_match"]["query"] == "gimana cara bikin"
    assert weak["multi_match"]["boost"] == pytest.approx(0.2)
    assert "fuzziness" not in weak["multi_match"]
    assert body["query"]["bool"]["filter"] == [
        {"term": {"opd_slug": "disdukcapil"}},
        {"term": {"category_slugs": "kependudukan"}},
    ]
    assert body["size"] == 5
    json.dumps(body)  # a plain JSON body


def test_query_of_stop_words_only_matches_nothing():
    assert elastic.query_body("yang dan di")["query"]["bool"]["should"] == [{"match_none": {}}]


def test_alias_swap_is_one_atomic_request():
    actions = elastic.swap_alias_actions("santer", "santer-2", ["santer-1", "santer-0"])
    assert actions == [
        {"remove": {"index": "santer-1", "alias": "santer"}},
        {"remove": {"index": "santer-0", "alias": "santer"}},
        {"add": {"index": "santer-2", "alias": "santer"}},
    ]
    assert elastic.new_index_name("santer").startswith("santer-2")


def test_service_document_carries_every_weighted_field(shared_catalogue):
    doc = elastic.ServiceDocument.from_service(shared_catalogue.services["akta-kelahiran"], shared_catalogue)
    data = doc.to_dict()
    assert data["service_id"] == "akta-kelahiran"
    assert data["opd_slug"] == "disdukcapil"
    assert set(FIELD_WEIGHTS) <= set(data)
    assert doc.meta.id == "akta-kelahiran"


def test_unreachable_server_fails_clearly_and_leaves_nothing(shared_catalogue):
    from elasticsearch import ConnectionError as EsConnectionError

    client = elastic.connect("http://127.0.0.1:9", timeout=1.0)
    with pytest.raises(EsConnectionError):
        elastic.reindex(client, shared_catalogue, alias="santer-test")


# ----------------------------------------------------------------------------- live
@pytest.fixture
def live_client():
    client = elastic.connect(LIVE_URL, timeout=30.0)
    alias = "santer-test-live"
    yield client, alias
    # deleted by name: wildcard deletes are refused by default (action.destructive_requires_name)
    for name in client.indices.get(index=f"{alias}-*", expand_wildcards="open,closed"):
        client.indices.delete(index=name)


@live
def test_live_reindex_swaps_alias_and_deletes_old(live_client, shared_catalogue):
    client, alias = live_client
    first = elastic.reindex(client, shared_catalogue, alias)
    second = elastic.reindex(client, shared_catalogue, alias)
    assert elastic.alias_targets(client, alias) == [second]
    assert not client.indices.exists(index=first)
    assert client.count(index=alias)["count"] == len(shared_catalogue.services)


@live
def test_live_upsert_and_remove_one_service(live_client, shared_catalogue):
    client, alias = live_client
    elastic.reindex(client, shared_catalogue, alias)
    assert elastic.remove_service(client, "bphtb", alias)
    assert "bphtb" not in [r["id"] for r in elastic.search(client, "bphtb", alias=alias)]
    elastic.upsert_service(client, shared_catalogue.services["bphtb"], shared_catalogue, alias)
    assert elastic.search(client, "bphtb", alias=alias)[0]["id"] == "bphtb"


@live
def test_live_dev_queries_recall(live_client, shared_catalogue, shared_catalogue_dir):
    client, alias = live_client
    elastic.reindex(client, shared_catalogue, alias)
    queries = json.loads((shared_catalogue_dir / "queries-dev.json").read_text(encoding="utf-8"))
    hits = [
        any(r["id"] in q["relevant"] for r in elastic.search(client, q["q"], alias=alias)[:3])
        for q in queries
    ]
    assert sum(hits) / len(hits) >= 0.9
