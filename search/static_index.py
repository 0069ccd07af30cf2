"""The compact, sharded static search index the portal downloads.

Layout (under one content-hashed folder; the data files are gzip-compressed JSON, which the
page inflates itself, so every host sends them compressed and a build writes no .gz/.br copies):
  meta.json       shard count, cards per file, agencies, categories, query-side dictionary,
                  featured services (plain JSON: the entry point, small)
  t/<k>.json.gz   the words whose FNV-1a hash modulo the shard count is k, and their stems'
                  postings: {"f": {form: stem or ""}, "p": {stem or "a_b" phrase: postings}}
  v/<c>.json.gz   every known word starting with letter c, most frequent first (typo correction)
  d/<n>.json.gz   result cards: [id, title, opd index, [category indices], summary]

A query downloads meta.json, one shard per query word (and per pair of neighbouring
words), a vocabulary file only for an unknown word, and the cards of the results it shows.
Past a fixed number of files, shards and card files grow with the catalogue instead of
multiplying: creating a file costs more than its bytes, and compressed files download fast.
Dictionary expansions (synonyms, abbreviations, old names,
English) are applied at index time: a service that says "Persetujuan Bangunan
Gedung" also carries the terms "pbg", "imb", "building", "permit"... in the same
field, so the browser only rewrites colloquial words, weighs words and fixes typos.
"""

from __future__ import annotations

import gc
import html
import itertools
import json
import math
import operator
import re
import sys
import threading
import weakref
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from catalogue.files import Catalogue
from catalogue.hashing import content_hash
from catalogue.records import Service

from .analysis import Analyzer, default_analyzer, words_key

FORMAT_VERSION = 2
# Field weights: title > hidden search terms/keywords > summary > the rest. OPD and category are
# also filters in the page; their names weigh little so "disdukcapil" still finds its services.
FIELD_WEIGHTS = {
    "title": 10.0,
    "keywords": 7.0,
    "summary": 4.0,
    "life_events": 3.0,
    "output": 2.0,
    "categories": 1.5,
    "opd": 1.0,
    "requirements": 1.0,
    "steps": 1.0,
    "description": 1.0,
}
# Saturation per field: one hit in a short field already counts nearly fully.
FIELD_K1 = {"title": 0.5, "keywords": 0.5, "summary": 0.8, "life_events": 0.5, "output": 0.8}
DEFAULT_K1 = 1.2
ALIAS_FACTOR = 0.8  # a dictionary alias counts a little less than the word itself
# The static index scores the equally weighted long fields as one "body" (fewer, larger fields
# build faster). Dictionary aliases describe what a service is; the body mentions many other
# things ("fotokopi KTP" in requirements does not make a service about KTP), so it gets none.
BODY_FIELDS = ("requirements", "steps", "description")
BODY = "body"
BIGRAM_FIELDS = ("title", "keywords", "life_events")  # short, naming fields: phrases that matter
BIGRAM_JOIN = "_"  # never inside a word, so "hilang_kerja" cannot collide with one
MAX_POSTINGS = 300  # per term, best-scoring first: keeps shards small at 10k services
# Shards of about MAX_SHARD_BYTES of JSON, but at most MAX_SHARDS of them; as many result
# cards per file as it takes to stay within MAX_CARD_FILES, at least CARDS_PER_CHUNK.
MAX_SHARD_BYTES = 2000
MAX_SHARDS = 256
CARDS_PER_CHUNK = 8
MAX_CARD_FILES = 256
DATA_SUFFIX = ".json.gz"  # t/, v/ and d/ files: gzip-compressed JSON
SCORE_SCALE = 1000
FEATURED_COUNT = 6


def _plain(text: str) -> str:
    # A regex, not an HTML parser: descriptions are already sanitised by nh3 (catalogue.files:
    # known tags, quoted attributes, no comments or scripts), so every "<…>" is a tag, and on
    # the shared catalogue html.parser, nh3, lxml and selectolax gave the same words 5-10x slower.
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def service_fields(service: Service, catalogue: Catalogue) -> dict[str, str]:
    """The text of every searchable field of a service."""
    opd = catalogue.opds.get(service.opd)
    return {
        "title": service.title,
        "keywords": " . ".join(service.keywords),
        "summary": service.summary,
        "life_events": " . ".join(
            f"{catalogue.life_events[s].name} . {catalogue.life_events[s].description}"
            for s in service.life_events
            if s in catalogue.life_events
        ),
        "output": service.output,
        "categories": " . ".join(
            catalogue.categories[s].name for s in service.categories if s in catalogue.categories
        ),
        "opd": f"{opd.name} . {opd.short_name}" if opd else "",
        "requirements": " . ".join(service.requirements),
        "steps": " . ".join(service.steps),
        "description": _plain(service.description),
    }


def index_fields(service: Service, catalogue: Catalogue) -> dict[str, str]:
    """service_fields with the long, equally weighted fields joined into one body."""
    fields = service_fields(service, catalogue)
    fields[BODY] = " . ".join(fields.pop(name) for name in BODY_FIELDS)
    return fields


class SynonymExpander:
    """Finds dictionary phrases in a run of stems and returns the alias words they imply."""

    def __init__(self, analyzer: Analyzer):
        self.analyzer = analyzer
        self.max_len = 1
        # phrase (stems) -> alias {form: stem} implied by it
        self.implies: dict[tuple[str, ...], dict[str, str]] = defaultdict(dict)
        for rule in analyzer.dictionary.rules:
            for target in rule.targets:
                key = tuple(analyzer.terms(target))
                if not key:
                    continue
                self.max_len = max(self.max_len, len(key))
                for alias in rule.aliases if not rule.equivalent else rule.targets:
                    if alias != target:
                        self.implies[key].update(analyzer.forms(alias))
        self.implies = dict(self.implies)
        self.starts = {k[0] for k in self.implies}
        # the beginnings of longer phrases: a run that begins none of them ends the search
        self.beginnings = {k[:length] for k in self.implies for length in range(1, len(k))}

    def expand(self, stems: list[str]) -> dict[str, str]:
        """Distinct alias {form: stem} implied by the phrases in `stems` (presence, not counts)."""
        found: dict[str, str] = {}
        # only where a phrase can start (few places): selected in C
        for start in itertools.compress(range(len(stems)), map(self.starts.__contains__, stems)):
            for length in range(1, min(self.max_len, len(stems) - start) + 1):
                run = tuple(stems[start : start + length])
                aliases = self.implies.get(run)
                if aliases:
                    found.update(aliases)
                if run not in self.beginnings:
                    break
        return found


@dataclass
class BuiltIndex:
    """The index files, keyed by path relative to the index folder, and a content hash."""

    files: dict[str, bytes]
    digest: str
    meta: dict


def _dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _pack(data) -> bytes:
    """Gzip-compressed JSON, byte-stable (no file name or time in the header).

    Level 6: half the time of level 9 for 1 % more bytes (measured at 10k services).
    """
    return zlib.compress(_dump(data), 6, wbits=31)


class _FieldTerms:
    """A field's analysis, independent of the rest of the catalogue: what a rebuild can reuse.

    Kept compact (tuples of shared strings): the memo holds one per field of every service.
    """

    __slots__ = (
        "words",
        "length",
        "stems",
        "counts",
        "form_keys",
        "form_stems",
        "shared",
        "last_scores",
        "seen",
    )

    def __init__(self, words: int, length: int, counts: dict[str, float], forms: dict[str, str]):
        self.words = words  # rough word count, for the average field length
        self.length = length  # analysed terms, for this field's length normalisation
        self.stems = tuple(counts)  # distinct terms (bigrams and aliases included), first seen first
        self.counts = tuple(counts.values())  # their term frequencies
        self.form_keys = tuple(map(sys.intern, forms))  # {surface form: stem}, aliases too, as two tuples
        self.form_stems = tuple(forms.values())
        self.shared = False  # the same text in several services (an agency, a category)
        # (k1, {stem: score}) of a shared field: the same until its average length changes; one
        # attribute, so a concurrent build never pairs one k1 with another's scores
        self.last_scores: tuple[float | None, dict[str, float]] = (None, {})
        self.seen: object = None  # the build that last took this field's forms

    def scored(self, name: str, k1: float) -> dict[str, float]:
        last_k1, scores = self.last_scores
        if k1 != last_k1:
            if name == BODY:  # weight 1
                values = [tf / (tf + k1) for tf in self.counts]
            else:
                weight = FIELD_WEIGHTS[name]
                values = [weight * tf / (tf + k1) for tf in self.counts]
            scores = dict(zip(self.stems, values, strict=True))
            if self.shared:  # kept for the other services (kept for all, it would double the memory)
                self.last_scores = (k1, scores)
        return scores


class _AnalysisMemo:
    """Field analyses of the last build, kept per analyzer (so per dictionary version).

    Analysis (tokenising, stemming, phrase and synonym lookup) is most of an index build and
    depends only on a field's own text; the scores also depend on catalogue-wide averages and
    are recomputed. The long-running publish worker thus analyses only the edited services.
    Only the fields of the latest build are kept, so memory follows the catalogue's size.
    """

    def __init__(self, analyzer: Analyzer):
        self.analyzer = analyzer
        self.expander = SynonymExpander(analyzer)
        self.fields: dict[tuple[str, str], _FieldTerms] = {}

    def analyse(self, name: str, text: str) -> _FieldTerms:
        sequence, forms = self.analyzer.field(text)
        # Stems and aliases are the analyzer's and the expander's shared strings; the surface
        # forms and phrases are new for every field, so they are interned (the memo keeps them).
        counts: dict[str, float] = Counter(sequence)
        if name != BODY:
            if name in BIGRAM_FIELDS:
                # adjacent words ("kehilangan pekerjaan"): a phrase bonus
                pairs = zip(sequence, sequence[1:], strict=False)
                counts.update(map(sys.intern, map(BIGRAM_JOIN.join, pairs)))
            if not self.expander.starts.isdisjoint(sequence):
                aliases = self.expander.expand(sequence)
                forms = {**forms, **aliases}
                for stem in set(aliases.values()):
                    counts[stem] = counts.get(stem, 0) + ALIAS_FACTOR
        return _FieldTerms(text.count(" ") + 1, len(sequence), counts, forms)

    def documents(self, services: list[Service], catalogue: Catalogue) -> list[list[tuple[str, _FieldTerms]]]:
        """Every service's analysed fields, in index_fields order; keeps only these for next time."""
        known, used = self.fields, {}
        result = []
        for service in services:
            doc = []
            for key in index_fields(service, catalogue).items():
                terms = used.get(key)
                if terms is not None:
                    terms.shared = True
                else:
                    terms = known.get(key)
                    if terms is None:
                        terms = self.analyse(*key)
                    used[key] = terms
                doc.append((key[0], terms))
            result.append(doc)
        self.fields = used
        return result


_MEMOS: weakref.WeakKeyDictionary[Analyzer, _AnalysisMemo] = weakref.WeakKeyDictionary()
_MEMO_LOCK = threading.Lock()


def _memo_for(analyzer: Analyzer) -> _AnalysisMemo:
    with _MEMO_LOCK:
        memo = _MEMOS.get(analyzer)
        if memo is None:
            memo = _MEMOS[analyzer] = _AnalysisMemo(analyzer)
        return memo


def _score(documents: list[list[tuple[str, _FieldTerms]]], average: dict[str, float]):
    """{form: stem} and, per stem, (documents, scores) of the describing fields and of the body.

    Field-weighted, saturated term frequencies: one hit in a short field already counts nearly fully.
    """
    form_stem: dict[str, str] = {}
    # (Lists, not arrays: appending the shared doc number and score objects is cheaper.)
    raw_describing: dict[str, tuple[list[int], list[float]]] = {}
    raw_body: dict[str, tuple[list[int], list[float]]] = {}
    k1_base = {name: FIELD_K1.get(name, DEFAULT_K1) for name in average}
    build = object()
    for doc, fields in enumerate(documents):
        describing: dict[str, float] | None = None
        for name, terms in fields:
            if terms.seen is not build:  # agency and category texts are shared by many services
                # a word always has the same stem: overwriting is harmless
                form_stem.update(zip(terms.form_keys, terms.form_stems, strict=True))
                terms.seen = build
            scores = terms.scored(name, k1_base[name] * (0.7 + 0.3 * terms.length / average[name]))
            if name == BODY:
                for stem, score in scores.items():
                    entry = raw_body.get(stem)
                    if entry is None:
                        entry = raw_body[stem] = ([], [])
                    entry[0].append(doc)
                    entry[1].append(score)
            elif describing is None:
                describing = dict(scores) if terms.shared else scores
            else:
                # a stem in several fields: its scores add up in field order (same float sums)
                both = {stem: describing[stem] + scores[stem] for stem in describing.keys() & scores.keys()}
                describing.update(scores)
                describing.update(both)
        for stem, score in (describing or {}).items():
            entry = raw_describing.get(stem)
            if entry is None:
                entry = raw_describing[stem] = ([], [])
            entry[0].append(doc)
            entry[1].append(score)
    return form_stem, raw_describing, raw_body


def build_index(
    catalogue: Catalogue, analyzer: Analyzer | None = None, api_url: str | None = None
) -> BuiltIndex:
    """The index files for `catalogue`; `api_url` tells the page to try that search API first."""
    # Millions of small containers, no reference cycles: the cyclic collector would only
    # traverse them again and again (a third of the build's time at 10k services).
    enabled = gc.isenabled()
    gc.disable()
    try:
        analyzer = analyzer or default_analyzer(catalogue.search_terms.values())
        return _build_index(catalogue, analyzer, api_url)
    finally:
        if enabled:
            gc.enable()


def _build_index(catalogue: Catalogue, analyzer: Analyzer, api_url: str | None) -> BuiltIndex:
    memo = _memo_for(analyzer)
    # Related services side by side (same agency, similar titles): the top results of a query
    # then share result-card chunks, so fewer files are downloaded.
    services = sorted(catalogue.services.values(), key=lambda s: (s.opd, s.title.lower(), s.id))
    n = len(services)
    with _MEMO_LOCK:  # one build at a time uses (and replaces) the memo's fields
        documents = memo.documents(services, catalogue)
    # Average field lengths (a cheap word count) for length normalisation.
    totals: Counter = Counter()
    for fields in documents:
        for name, terms in fields:
            totals[name] += terms.words
    average = {name: (totals[name] / n if n else 1.0) or 1.0 for name in totals}

    # Per stem: documents, score in the describing fields, score in the body. Each part gets its
    # own idf: "ktp" is in most services' requirements, but few services are about KTP.
    form_stem, raw_describing, raw_body = _score(documents, average)
    del documents

    def idf(df: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    # Each stem's postings, best MAX_POSTINGS only; the raw lists are dropped as they are used
    # (at 10k services they hold over a million scores: keeping both would double the memory).
    capped: dict[str, tuple[list[int], list[float]]] = {}
    empty: tuple[list[int], list[float]] = ([], [])
    top = 0.0
    for stem in raw_describing.keys() | raw_body.keys():
        d_docs, d_values = raw_describing.pop(stem, empty)
        b_docs, b_values = raw_body.pop(stem, empty)
        idf_describing = idf(len(d_docs))
        if not b_docs:
            docs, values = d_docs, list(map(idf_describing.__mul__, d_values))
        else:
            idf_body = idf(len(set(b_docs).union(d_docs)))
            if not d_docs:
                docs, values = b_docs, list(map(idf_body.__mul__, b_values))
            else:
                merged = dict(zip(b_docs, map(idf_body.__mul__, b_values), strict=True))
                for doc, v in zip(d_docs, d_values, strict=True):
                    merged[doc] = merged.get(doc, 0.0) + v * idf_describing
                docs = sorted(merged)
                values = [merged[doc] for doc in docs]
        if len(docs) > MAX_POSTINGS:
            # best first; the stable sort keeps the lower document first among equals
            order = sorted(sorted(range(len(docs)), key=values.__getitem__, reverse=True)[:MAX_POSTINGS])
            docs, values = [docs[i] for i in order], [values[i] for i in order]
        top = max(top, max(values))
        capped[stem] = (docs, values)
    del raw_describing, raw_body
    postings: dict[str, list[int]] = {}
    scale = SCORE_SCALE / (top or 1.0)
    for stem in list(capped):
        docs, values = capped.pop(stem)
        # flat [doc delta, score, doc delta, score, ...]
        flat = [0] * (2 * len(docs))
        flat[::2] = map(operator.sub, docs, [0, *docs[:-1]])
        flat[1::2] = [round(v * scale) or 1 for v in values]  # at least 1: every posting counts
        postings[stem] = flat
    for stem in postings:
        form_stem.setdefault(stem, stem)  # bigrams too: they are placed like words, listed in "p" only

    shards = _shard(form_stem, postings)
    files: dict[str, bytes] = {}
    for prefix, forms in shards.items():
        stems = sorted({form_stem[f] for f in forms} & postings.keys())
        body = {
            "f": {
                f: ("" if form_stem[f] == f else form_stem[f]) for f in sorted(forms) if BIGRAM_JOIN not in f
            },
            "p": {s: postings[s] for s in stems},
        }
        files[f"t/{prefix}{DATA_SUFFIX}"] = _pack(body)

    # For typo correction across shards: every known word by first letter, most frequent first.
    vocab: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for form, stem in form_stem.items():
        if BIGRAM_JOIN not in form:
            vocab[form[0]].append((-(len(postings.get(stem, ())) // 2), form))
    for letter, entries in vocab.items():
        files[f"v/{letter}{DATA_SUFFIX}"] = _pack([form for _, form in sorted(entries)])

    opd_slugs = list(catalogue.opds)
    category_slugs = list(catalogue.categories)
    cards = [
        [
            s.id,
            s.title,
            opd_slugs.index(s.opd) if s.opd in catalogue.opds else -1,
            [category_slugs.index(c) for c in s.categories if c in catalogue.categories],
            s.summary,
        ]
        for s in services
    ]
    per_file = max(CARDS_PER_CHUNK, math.ceil(n / MAX_CARD_FILES))
    for chunk in range(0, len(cards), per_file):
        files[f"d/{chunk // per_file}{DATA_SUFFIX}"] = _pack(cards[chunk : chunk + per_file])

    d = analyzer.dictionary
    meta = {
        "v": FORMAT_VERSION,
        "n": n,
        "chunk": per_file,
        "shards": len(shards),
        "vocab": sorted(vocab),
        "opds": [[slug, o.short_name or o.name] for slug, o in catalogue.opds.items()],
        "cats": [[slug, c.name] for slug, c in catalogue.categories.items()],
        "featured": [[s.id, s.title] for s in catalogue.most_needed(FEATURED_COUNT)],
        "stop": sorted(d.stop_words),
        "low": dict(sorted(d.low_weight.items())),
        "coll": dict(sorted(d.colloquial.items())),
    }
    bets = best_bets(catalogue, {s.id: doc for doc, s in enumerate(services)})
    if bets:
        meta["bets"] = bets
    if api_url:
        meta["api"] = api_url
    files["meta.json"] = _dump(meta)
    digest = content_hash(b"".join(k.encode() + v for k, v in sorted(files.items())))
    return BuiltIndex(files=files, digest=digest, meta=meta)


def best_bets(catalogue: Catalogue, docs: dict[str, int]) -> dict[str, list]:
    """{query words: [[docs pinned on top, in order], last day or None]} of the editors' best bets.

    The page compares the last day with its own date, so a bet ends on time between publishes.
    """
    bets: dict[str, list] = {}
    for bet in sorted(catalogue.best_bets.values(), key=lambda b: b.slug):
        key = words_key(bet.query)
        pinned = [docs[s] for s in bet.services if s in docs]
        if key and pinned and key not in bets:
            bets[key] = [pinned, bet.expires]
    return dict(sorted(bets.items()))


def shard_of(key: str, count: int) -> int:
    """FNV-1a (32 bit) of a word, modulo the shard count; the browser computes the same."""
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % count


def _shard(form_stem: dict[str, str], postings: dict[str, list[int]]) -> dict[int, list[str]]:
    """Spread the words over hashed shards of about MAX_SHARD_BYTES (at most MAX_SHARDS).

    A word's shard is a pure function of the word, so the page needs only the shard count;
    typo correction uses the per-letter vocabulary files instead of neighbouring words.
    """
    # a posting takes at least 4 bytes ("1,1,"): a large catalogue needs no closer estimate
    if 4 * sum(map(len, postings.values())) // 2 >= MAX_SHARDS * MAX_SHARD_BYTES:
        count = MAX_SHARDS
    else:
        # the JSON "stem":[1,2,...], of a posting list (a list's repr has a space after each comma)
        posting_bytes = {s: 4 + len(s) + len(str(p)) - len(p) for s, p in postings.items()}
        total = sum(len(f) + len(stem) + 6 + posting_bytes.get(stem, 0) for f, stem in form_stem.items())
        count = min(MAX_SHARDS, max(1, math.ceil(total / MAX_SHARD_BYTES)))
    result: dict[int, list[str]] = {k: [] for k in range(count)}
    for form in form_stem:
        result[shard_of(form, count)].append(form)
    return result
