"""The scale-out backend: the same catalogue and dictionary, searched by Elasticsearch.

Indexing is zero-downtime: every full load goes to a new versioned index
(`<alias>-<UTC timestamp>`), the alias moves to it in one atomic
`update_aliases` call, then older versions are deleted. One service can be
upserted or removed on its own between full loads.

The analysis mirrors the static search (search/analysis.py) in Elasticsearch's terms:
standard tokenizer, lowercase, asciifolding, Indonesian stop words (Lucene's list plus
ours), protected words (keyword_marker) and the Indonesian stemmer; at search time a
synonym_graph filter fed from the same dictionary files (abbreviations, old names,
English, colloquial words). The synonyms live in an Elasticsearch synonyms set
(`santer-synonyms`, the synonyms API) that the search analyzer reads as `updateable`: when the
city's vocabulary changes, `put_synonyms` replaces the set and Elasticsearch reloads the search
analyzers, with no reindex. Best bets are a `pinned` query around the ranked one. Field
weights and typo tolerance (AUTO:4,8 = one edit from 4 letters, two from 8) are those of the
static index; low-meaning words weigh 0.2.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from elasticsearch.dsl import Document, Keyword, Text, analyzer, token_filter

from catalogue.files import Catalogue
from catalogue.records import Service

from .analysis import Dictionary, fold, words
from .results import SearchResult
from .static_index import FIELD_WEIGHTS, service_fields

DEFAULT_ALIAS = "santer-services"
FUZZINESS = "AUTO:4,8"
LOW_WEIGHT_CUTOFF = 0.5  # query words weighing less go into a separate, down-weighted clause
BULK_CHUNK = 500

_DICTIONARY = Dictionary.load()
SYNONYM_SET = "santer-synonyms"


def synonym_rules(dictionary: Dictionary) -> list[str]:
    """Solr-format rules for synonym_graph. "a => b" keeps "a" too, as the static index does."""
    rules = []
    for rule in dictionary.rules:
        if rule.equivalent:
            rules.append(", ".join(fold(p) for p in rule.aliases))
        else:
            targets = ", ".join(fold(p) for p in rule.targets)
            rules += [f"{fold(alias)} => {fold(alias)}, {targets}" for alias in rule.aliases]
    # colloquial words carry no other meaning: replace them
    rules += [f"{word} => {' '.join(standard)}" for word, standard in sorted(dictionary.colloquial.items())]
    return rules


# Lucene's Indonesian list and ours, as two filters (a stop filter takes a language name or a list).
lucene_indonesian_stop = token_filter("santer_stop_lucene", "stop", stopwords="_indonesian_")
indonesian_stop = token_filter("santer_stop", "stop", stopwords=sorted(_DICTIONARY.stop_words))
protected_words = token_filter("santer_protected", "keyword_marker", keywords=sorted(_DICTIONARY.no_stem))
indonesian_stemmer = token_filter("santer_stemmer", "stemmer", language="indonesian")
# Search time only and updateable: the synonyms API reloads it when the set changes.
service_synonyms = token_filter(
    "santer_synonyms", "synonym_graph", synonyms_set=SYNONYM_SET, updateable=True, lenient=True
)


def synonym_set(dictionary: Dictionary) -> list[dict]:
    """The synonyms API's rules for `dictionary` (the base plus the city's vocabulary)."""
    return [{"id": f"r{n:05d}", "synonyms": rule} for n, rule in enumerate(synonym_rules(dictionary), 1)]


def put_synonyms(client, dictionary: Dictionary, set_id: str = SYNONYM_SET) -> None:
    """Create or replace the synonyms set; Elasticsearch reloads the search analyzers using it."""
    client.synonyms.put_synonym(id=set_id, synonyms_set=synonym_set(dictionary))


def catalogue_dictionary(catalogue: Catalogue) -> Dictionary:
    """The base dictionary with the catalogue's city vocabulary on top."""
    return _DICTIONARY.with_vocabulary(catalogue.search_terms.values())


def pinned_ids(catalogue: Catalogue, query: str, today: str | None = None) -> list[str]:
    """The services an editors' best bet pins on top for `query` (none past its last day)."""
    from .analysis import words_key

    today = today or datetime.now(UTC).date().isoformat()
    key = words_key(query)
    for bet in sorted(catalogue.best_bets.values(), key=lambda b: b.slug):
        if words_key(bet.query) == key and not (bet.expires and bet.expires < today):
            return [s for s in bet.services if s in catalogue.services]
    return []


# Index time: no synonyms (they are applied to the query, so a dictionary edit needs no reindex
# of meaning, only of analyzers' settings, which a new versioned index brings anyway).
santer_indonesian = analyzer(
    "santer_indonesian",
    tokenizer="standard",
    filter=[
        "lowercase",
        "asciifolding",
        lucene_indonesian_stop,
        indonesian_stop,
        protected_words,
        indonesian_stemmer,
    ],
)
santer_indonesian_search = analyzer(
    "santer_indonesian_search",
    tokenizer="standard",
    filter=[
        "lowercase",
        "asciifolding",
        service_synonyms,
        indonesian_stop,
        protected_words,
        indonesian_stemmer,
    ],
)


def _text(**kwargs) -> Text:
    return Text(analyzer=santer_indonesian, search_analyzer=santer_indonesian_search, **kwargs)


class ServiceDocument(Document):
    """One public service as Elasticsearch stores it."""

    service_id = Keyword()
    title = _text(fields={"raw": Keyword()})
    keywords = _text()
    summary = _text()
    life_events = _text()
    output = _text()
    categories = _text()
    opd = _text()
    requirements = _text()
    steps = _text()
    description = _text()
    # filters
    opd_slug = Keyword()
    category_slugs = Keyword(multi=True)
    life_event_slugs = Keyword(multi=True)
    opd_name = Keyword(index=False)

    class Index:
        name = DEFAULT_ALIAS
        settings = {"number_of_shards": 1, "number_of_replicas": 0}

    @classmethod
    def from_service(cls, service: Service, catalogue: Catalogue) -> ServiceDocument:
        opd = catalogue.opds.get(service.opd)
        doc = cls(
            meta={"id": service.id},
            service_id=service.id,
            opd_slug=service.opd,
            category_slugs=list(service.categories),
            life_event_slugs=list(service.life_events),
            opd_name=opd.short_name if opd else "",
            **service_fields(service, catalogue),
        )
        return doc


def search_fields() -> list[str]:
    return [f"{name}^{weight:g}" for name, weight in FIELD_WEIGHTS.items()]


def query_body(
    query: str,
    *,
    opd: str | None = None,
    category: str | None = None,
    size: int = 20,
    dictionary: Dictionary = _DICTIONARY,
    pinned: list[str] | None = None,
) -> dict:
    """The search request body: content words with synonyms and typos, low-meaning words weighed down."""
    strong, weak = [], []
    for word in words(query):
        if word in dictionary.stop_words:
            continue
        weight = dictionary.low_weight.get(word, 1.0)
        for rewritten in dictionary.colloquial.get(word, [word]):
            weight = min(weight, dictionary.low_weight.get(rewritten, 1.0))
        (weak if weight < LOW_WEIGHT_CUTOFF else strong).append(word)
    should = []
    if strong:
        should.append(
            {
                "multi_match": {
                    "query": " ".join(strong),
                    "type": "most_fields",
                    "fields": search_fields(),
                    "fuzziness": FUZZINESS,
                    "prefix_length": 1,
                }
            }
        )
    if weak:
        should.append(
            {
                "multi_match": {
                    "query": " ".join(weak),
                    "type": "most_fields",
                    "fields": search_fields(),
                    "boost": min(dictionary.low_weight.get(w, 1.0) for w in weak),
                }
            }
        )
    filters = []
    if opd:
        filters.append({"term": {"opd_slug": opd}})
    if category:
        filters.append({"term": {"category_slugs": category}})
    ranked = {
        "bool": {"should": should or [{"match_none": {}}], "minimum_should_match": 1, "filter": filters}
    }
    body: dict = {
        "query": {"pinned": {"ids": list(pinned), "organic": ranked}} if pinned else ranked,
        "size": size,
        "_source": ["service_id", "title", "summary", "opd_slug", "opd_name", "category_slugs"],
        "highlight": {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fields": {"title": {"number_of_fragments": 0}, "summary": {"number_of_fragments": 1}},
        },
    }
    return body


def search(
    client,
    query: str,
    *,
    alias: str = DEFAULT_ALIAS,
    catalogue: Catalogue | None = None,
    today: str | None = None,
    **filters,
) -> list[dict]:
    """Ranked results: id, title, summary (highlighted), OPD, categories, score.

    With the published `catalogue`, its city vocabulary rewrites colloquial words and its best
    bets pin services on top (the synonyms themselves are in the index's synonyms set).
    """
    if catalogue is not None:
        filters.setdefault("dictionary", catalogue_dictionary(catalogue))
        filters.setdefault("pinned", pinned_ids(catalogue, query, today))
    response = client.search(index=alias, body=query_body(query, **filters))
    results = []
    for hit in response["hits"]["hits"]:
        source, highlight = hit["_source"], hit.get("highlight", {})
        results.append(
            SearchResult(
                id=source["service_id"],
                title=source["title"],
                title_html=(highlight.get("title") or [None])[0],
                snippet_html=(highlight.get("summary") or [None])[0],
                summary=source["summary"],
                opd=source["opd_slug"],
                opd_name=source.get("opd_name", ""),
                categories=source.get("category_slugs", []),
                score=hit["_score"],
            ).to_dict()
        )
    return results


# ----------------------------------------------------------------------------- index lifecycle
def new_index_name(alias: str = DEFAULT_ALIAS, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")
    return f"{alias}-{stamp}"


def create_index(client, alias: str = DEFAULT_ALIAS) -> str:
    """A new, empty versioned index with the mapping and analyzers; returns its name."""
    name = new_index_name(alias)
    ServiceDocument.init(index=name, using=client)
    return name


def documents(catalogue: Catalogue, index: str) -> Iterator[dict]:
    for service in catalogue.services.values():
        doc = ServiceDocument.from_service(service, catalogue)
        yield {"_op_type": "index", "_index": index, "_id": service.id, "_source": doc.to_dict()}


def bulk_load(
    client,
    index: str,
    catalogue: Catalogue,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Load every service into `index`, reporting (done, total) after each chunk; returns the count."""
    from elasticsearch import helpers

    total, done = len(catalogue.services), 0
    for _ok, _item in helpers.streaming_bulk(
        client, documents(catalogue, index), chunk_size=BULK_CHUNK, raise_on_error=True
    ):
        done += 1
        if progress and (done % BULK_CHUNK == 0 or done == total):
            progress(done, total)
    client.indices.refresh(index=index)
    return done


def alias_targets(client, alias: str) -> list[str]:
    if not client.indices.exists_alias(name=alias):
        return []
    return sorted(client.indices.get_alias(name=alias).keys())


def swap_alias_actions(alias: str, new_index: str, old_indices: Iterable[str]) -> list[dict]:
    """One atomic update_aliases request: the alias leaves the old versions and points at the new one."""
    actions: list[dict] = [
        {"remove": {"index": old, "alias": alias}} for old in old_indices if old != new_index
    ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    return actions


def swap_alias(client, alias: str, new_index: str) -> list[str]:
    """Point `alias` at `new_index` atomically; returns the indices it pointed at before."""
    old = alias_targets(client, alias)
    client.indices.update_aliases(actions=swap_alias_actions(alias, new_index, old))
    return old


def delete_old_versions(client, alias: str, keep: str) -> list[str]:
    """Delete versioned indices of `alias` other than `keep` (and never one the alias points at)."""
    live = set(alias_targets(client, alias)) | {keep}
    names = client.indices.get(index=f"{alias}-*", expand_wildcards="open,closed").keys()
    doomed = sorted(n for n in names if n not in live)
    for name in doomed:
        client.indices.delete(index=name)
    return doomed


def reindex(
    client,
    catalogue: Catalogue,
    alias: str = DEFAULT_ALIAS,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Full load with zero downtime: new index, bulk load, atomic alias swap, delete old versions."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    put_synonyms(client, catalogue_dictionary(catalogue))  # the analyzers need the set to exist
    name = create_index(client, alias)
    say(f"Indeks baru {name} dibuat.")
    try:
        bulk_load(client, name, catalogue, lambda done, total: say(f"  {done}/{total} layanan dimuat"))
    except Exception:
        client.indices.delete(index=name, ignore_unavailable=True)  # never leave a half-loaded version
        raise
    old = swap_alias(client, alias, name)
    say(f"Alias {alias} → {name} (sebelumnya: {', '.join(old) or '-'}).")
    deleted = delete_old_versions(client, alias, keep=name)
    if deleted:
        say(f"Indeks lama dihapus: {', '.join(deleted)}.")
    say(f"Selesai dalam {time.perf_counter() - started:.1f} s.")
    return name


def upsert_service(client, service: Service, catalogue: Catalogue, alias: str = DEFAULT_ALIAS) -> None:
    """Index or replace one service in the live index (the alias resolves to one index)."""
    doc = ServiceDocument.from_service(service, catalogue)
    client.index(index=alias, id=service.id, document=doc.to_dict(), refresh="wait_for")


def remove_service(client, service_id: str, alias: str = DEFAULT_ALIAS) -> bool:
    """Remove one service from the live index; False when it was not there."""
    from elasticsearch import NotFoundError

    try:
        client.delete(index=alias, id=service_id, refresh="wait_for")
    except NotFoundError:
        return False
    return True


def connect(url: str, timeout: float = 5.0):
    from elasticsearch import Elasticsearch

    return Elasticsearch(url, request_timeout=timeout)


@functools.cache
def shared_client(url: str):
    """One client per process (and server): the search API and the worker's updates reuse its
    connection pool; `.options(request_timeout=…)` gives a caller its own timeout on the same pool."""
    return connect(url)
