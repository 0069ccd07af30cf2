"""The compact, sharded static search index the portal downloads, kept up to date incrementally.

Layout (under one content-hashed folder; the data files are gzip-compressed JSON, which the
page inflates itself, so every host sends them compressed and a build writes no .gz/.br copies):
  meta.json       service count, shard and card-file counts, agencies, categories, query-side
                  dictionary, featured services (plain JSON: the entry point, small)
  t/<k>.json.gz   the words whose FNV-1a hash modulo the shard count is k, and their stems'
                  postings: {"f": {form: stem or ""}, "p": {stem or "a_b" phrase: postings}}
  v/<c>.json.gz   every known word starting with letter c, most frequent first (typo correction)
  d/<n>.json.gz   result cards {doc key: [id, title, opd index, [category indices], summary]}

A query downloads meta.json, one shard per query word (and per pair of neighbouring
words), a vocabulary file only for an unknown word, and the cards of the results it shows.

Why an edit rewrites few files: nothing stored depends on the rest of the catalogue.
- A service's document key is a hash of its id (in a key space about 4 times the catalogue's
  size; a collision takes the next free key, in id order), not its rank: adding or removing a
  service renumbers no other.
- A posting stores the service's field-weighted, saturated term frequency (length-normalised
  against fixed typical field lengths, not the catalogue's averages) for the describing fields
  and for the body, on a fixed scale; each posting list carries its two document frequencies,
  and the page applies idf with the service count from meta.json. So an edit changes only the
  posting lists of the terms it adds or removes (and meta.json), not every score.
- The shard and card-file counts are powers of two that follow the vocabulary's and the
  catalogue's size: they change, and every file with them, only when either doubles or halves.
The publish worker keeps the index state in memory (_IndexState) and applies only the services
that changed; a fresh build starts from an empty state, so both write the same bytes.

Dictionary expansions (synonyms, abbreviations, old names, English) are applied at index
time: a service that says "Persetujuan Bangunan Gedung" also carries the terms "pbg", "imb",
"building", "permit"... in the same field, so the browser only rewrites colloquial words,
weighs words and fixes typos.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import multiprocessing
import operator
import os
import re
import sys
import threading
import weakref
import zlib
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from catalogue.files import Catalogue
from catalogue.hashing import content_hash
from catalogue.memory import cyclic_gc_paused
from catalogue.records import Service

from .analysis import Analyzer, default_analyzer, words_key

FORMAT_VERSION = 3
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
# Length normalisation against a typical service standard's field lengths (words; the Samarinda
# catalogue's averages), fixed so that one service's edit does not change every other's score.
TYPICAL_LENGTH = {
    "title": 7.0,
    "keywords": 2.0,
    "summary": 17.0,
    "life_events": 9.0,
    "output": 5.0,
    "categories": 5.0,
    "opd": 9.0,
    BODY: 120.0,
}
BIGRAM_FIELDS = ("title", "keywords", "life_events")  # short, naming fields: phrases that matter
BIGRAM_JOIN = "_"  # never inside a word, so "hilang_kerja" cannot collide with one
MAX_POSTINGS = 300  # per term, best-scoring first: keeps shards small at 10k services
SCORE_SCALE = 20  # stored term scores are integers: score x 20 (at least 1), about as fine as before
KEY_SPARE_BITS = 2  # document keys: 4 times as many as services (a collision takes the next free one)
# What a query downloads is one shard per word and one card file per result shown, so both stay
# a few kilobytes however large the catalogue: one shard per POSTINGS_PER_SHARD stored postings
# (about 2 KB compressed; a capped list is 300), at least MIN_SHARDS and at most MAX_SHARDS; one
# card file per SERVICES_PER_CARD_FILE services, at least MIN_CARD_FILES and at most
# MAX_CARD_FILES; all rounded up to powers of two. The shard count follows what the shards hold
# (the vocabulary and its capped lists grow more slowly than the catalogue), not the services.
MIN_SHARDS = 256
POSTINGS_PER_SHARD = 400
MAX_SHARDS = 8192
MIN_CARD_FILES = 16
SERVICES_PER_CARD_FILE = 10
MAX_CARD_FILES = 16384
DATA_SUFFIX = ".json.gz"  # t/, v/ and d/ files: gzip-compressed JSON
# From this many shards to write (a fresh build, or the shard count changed), half of them are
# encoded in a forked process meanwhile: at national scale encoding is a quarter of a fresh build.
PARALLEL_MIN_SHARDS = 1024
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


# Where the body is cut into segments: after a sentence's end, where no word or compound goes on.
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def document_fields(service: Service, catalogue: Catalogue) -> tuple:
    """index_fields as the index state analyses them: ((name, text), ..., (BODY, segments)), the
    body as its segments (each requirement, each step, each sentence of the description). The
    segments' analyses add up to the joined body's (the same words, counts and length), and a
    segment many services share (a standard requirement, a regency's copy of a service) is
    analysed and kept once."""
    fields = service_fields(service, catalogue)
    description = fields.pop("description")
    for name in BODY_FIELDS:
        fields.pop(name, None)
    segments = (*service.requirements, *service.steps, *SENTENCE_END.split(description))
    return (*fields.items(), (BODY, tuple(text for text in segments if text and not text.isspace())))


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
    """The index files, keyed by path relative to the index folder, and a content hash.

    `changed`: the files whose bytes differ from the previous build of the same state (all
    files for a fresh state); the others are the same bytes. `previous_digest`: that previous
    build's digest (None for a fresh state): an index folder of that name holds exactly its bytes.
    """

    files: dict[str, bytes]
    digest: str
    meta: dict
    changed: frozenset[str] = field(default_factory=frozenset)
    previous_digest: str | None = None


def _dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _gzip(data: bytes) -> bytes:
    """Gzip, byte-stable (no file name or time in the header).

    Level 6: half the time of level 9 for 1 % more bytes (measured at 10k services).
    """
    return zlib.compress(data, 6, wbits=31)


def _pack(data) -> bytes:
    """Gzip-compressed JSON."""
    return _gzip(_dump(data))


def _power_of_two(value: float) -> int:
    """The smallest power of two ≥ value (≥ 1)."""
    return 1 << max(0, math.ceil(value) - 1).bit_length()


def layout(n: int) -> tuple[int, int]:
    """(card files, key bits) for n services: powers of two, so they change only as n doubles
    (and then every card file changes)."""
    cards = min(MAX_CARD_FILES, _power_of_two(max(MIN_CARD_FILES, n / SERVICES_PER_CARD_FILE)))
    key_bits = max(_power_of_two(n).bit_length() - 1 + KEY_SPARE_BITS, cards.bit_length() - 1)
    return cards, key_bits


def shard_count(postings: int) -> int:
    """The number of shards for `postings` stored postings: a power of two, so it changes only as
    the index doubles or halves (and then every shard changes)."""
    return min(MAX_SHARDS, _power_of_two(max(MIN_SHARDS, postings / POSTINGS_PER_SHARD)))


def shard_of(key: str, count: int) -> int:
    """FNV-1a (32 bit) of a word, modulo the shard count; the browser computes the same."""
    return _fnv(key) % count


def _fnv(key: str) -> int:
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def document_keys(ids, bits: int) -> dict[str, int]:
    """Each service id's document key: its CRC-32's top `bits` bits; on a collision, the next free
    key, taken in id order. A pure function of the set of ids, which changes no other service's
    key when one is added or removed (but for the rare ones that collided with it)."""
    keys: dict[str, int] = {}
    taken: set[int] = set()
    shift, mask = 32 - bits, (1 << bits) - 1
    for service_id in sorted(ids):
        key = zlib.crc32(service_id.encode()) >> shift
        while key in taken:
            key = (key + 1) & mask
        taken.add(key)
        keys[service_id] = key
    return keys


def idf(df: int, n: int) -> float:
    """BM25's idf, rounded to 6 decimals so the page (Math.log) and Python agree exactly."""
    return math.floor(math.log(1 + (n - df + 0.5) / (df + 0.5)) * 1e6 + 0.5) / 1e6


def decode_postings(flat: list[int], n: int) -> dict[int, float]:
    """{doc key: score} of a stored posting list [df describing, df all, (key delta, d, b)...]:
    d x idf of the describing fields + b x idf of the whole service. The page does the same."""
    if not flat:
        return {}
    idf_describing, idf_all = idf(flat[0], n), idf(flat[1], n)
    out, doc = {}, 0
    for i in range(2, len(flat), 3):
        doc += flat[i]
        out[doc] = flat[i + 1] * idf_describing + flat[i + 2] * idf_all
    return out


class _FieldTerms:
    """A field's analysis, independent of the rest of the catalogue: what an update can reuse.

    Kept compact (tuples of shared strings): the state holds one per distinct field text, and
    once its services are in, not the stems of its surface forms (the state's form_stem has them).
    """

    __slots__ = ("key", "length", "stems", "counts", "form_keys", "form_stems", "sequence", "users")
    __slots__ += ("_scores", "counted")

    def __init__(self, key: tuple[str, str], length: int, counts: dict[str, float], forms: dict[str, str]):
        self.key = key  # (field name, text): the services that share the text share this one
        self.sequence: tuple = ()  # a body segment's terms in order (its services count them together)
        self.length = length  # analysed terms, for this field's length normalisation
        self.stems = tuple(counts)  # distinct terms (bigrams and aliases included), first seen first
        self.counts = tuple(counts.values())  # their term frequencies
        self.form_keys = tuple(map(sys.intern, forms))  # {surface form: stem}, aliases too, as two tuples
        self.form_stems: tuple | None = tuple(forms.values())  # None once its forms are in the state
        self.users = 0  # services whose field has this text (an agency's name: many)
        self.counted = False  # its words are counted in the state's form_users
        self._scores: dict[str, float] | None = None  # kept while several services share it

    def slim(self) -> None:
        """Forget the terms while one service has them (most titles, summaries, sentences: one each,
        and a catalogue has hundreds of thousands); analysed again when another service shares the
        text or this one changes. Only the key, the length and the users are kept."""
        self.stems = self.counts = self.sequence = self.form_keys = self.form_stems = None
        self._scores = None

    def scored(self, name: str) -> dict[str, float]:
        """{stem: field-weighted, saturated term frequency}; the same in every build."""
        if self._scores is not None:
            return self._scores
        scores = _saturated(name, self.length, zip(self.stems, self.counts, strict=True))
        if self.users > 1:  # kept for the other services (kept for all, it would double the memory)
            self._scores = scores
        return scores


def _saturated(name: str, length: int, counts) -> dict[str, float]:
    """{stem: field-weighted, saturated term frequency} of a field's (stem, count) pairs."""
    k1 = FIELD_K1.get(name, DEFAULT_K1) * (0.7 + 0.3 * length / TYPICAL_LENGTH[name])
    weight = 1.0 if name == BODY else FIELD_WEIGHTS[name]
    return {stem: weight * tf / (tf + k1) for stem, tf in counts}


@dataclass(slots=True)
class _Document:
    """A service in the index. Its fields, stems and surface forms are its terms' (not kept twice)."""

    key: int
    deps: tuple  # the records its text comes from (compared by identity: the worker keeps them)
    terms: tuple  # the describing fields' _FieldTerms, in document_fields' order
    body: tuple  # the body segments' _FieldTerms
    card: list

    @property
    def fields(self) -> tuple:
        """What document_fields gave."""
        return (*(terms.key for terms in self.terms), (BODY, tuple(terms.key[1] for terms in self.body)))

    def all_terms(self) -> tuple:
        return self.terms + self.body

    def stems(self) -> set[str]:
        """The distinct stems (and phrases) of its postings."""
        return set().union(*(terms.stems for terms in self.all_terms()))


class _Postings:
    """A term's postings: document keys and their packed scores (d << 16 | b) as two arrays in key
    order, 8 bytes a posting (a dict of ints took about 100). A fresh build appends them in any
    order and they are sorted once, when first read."""

    __slots__ = ("keys", "values", "unsorted")

    def __init__(self) -> None:
        self.keys = array("I")
        self.values = array("I")
        self.unsorted = False

    def __len__(self) -> int:
        return len(self.keys)

    def _sort(self) -> None:
        # a document has one posting per term, so the keys are distinct: sorting them as plain
        # ints is about a third faster than sorting positions by key
        packed = dict(zip(self.keys, self.values, strict=True))
        keys = sorted(packed)
        self.keys = array("I", keys)
        self.values = array("I", map(packed.__getitem__, keys))
        self.unsorted = False

    def _find(self, key: int) -> tuple[int, bool]:
        if self.unsorted:
            self._sort()
        i = bisect_left(self.keys, key)
        return i, i < len(self.keys) and self.keys[i] == key

    def get(self, key: int) -> int | None:
        i, found = self._find(key)
        return self.values[i] if found else None

    def set(self, key: int, packed: int) -> None:
        i, found = self._find(key)
        if found:
            self.values[i] = packed
        else:
            self.keys.insert(i, key)
            self.values.insert(i, packed)

    def remove(self, key: int) -> None:
        i, found = self._find(key)
        if found:
            del self.keys[i]
            del self.values[i]

    def sorted_arrays(self) -> tuple[array, array]:
        """(keys, packed scores) in key order."""
        if self.unsorted:
            self._sort()
        return self.keys, self.values


_FLOATS: dict[float, float] = {}


def _has(keys: array, key: int) -> bool:
    """Whether `key` is in `keys` (in order)."""
    i = bisect_left(keys, key)
    return i < len(keys) and keys[i] == key


def _rank(key: int, packed: int) -> tuple[int, int]:
    """Order of a posting in its list when the list is capped: best score first, then lower key."""
    return (-((packed >> 16) + (packed & 0xFFFF)), key)


def _card(service: Service, opd_index: dict[str, int], category_index: dict[str, int]) -> list:
    return [
        service.id,
        service.title,
        opd_index.get(service.opd, -1),
        [category_index[c] for c in service.categories if c in category_index],
        service.summary,
    ]


class _IndexState:
    """The whole index as it stands after the last build, per analyzer (so per dictionary version),
    and the encoded files. `update` applies a catalogue: only the services whose records
    changed are analysed again and only the files they touch are encoded again.
    """

    def __init__(self, analyzer: Analyzer):
        self.analyzer = analyzer
        self.expander = SynonymExpander(analyzer)
        self.lock = threading.Lock()
        self.analysed: dict[tuple[str, str], _FieldTerms] = {}
        self.documents: dict[str, _Document] = {}
        self.keys: dict[str, int] = {}
        self.postings: dict[str, _Postings] = {}  # stem -> its postings
        self.form_users: Counter[str] = Counter()  # surface form -> distinct texts in use that have it
        self.form_stem: dict[str, str] = {}
        self.stem_forms: dict[str, set[str]] = defaultdict(set)
        self.hashes: dict[str, int] = {}  # FNV-1a of every word and stem seen (the Python loop is slow)
        self.layout = (0, 0, 0)
        self.shard_words: dict[int, set[str]] = defaultdict(set)  # words listed in each shard
        self.letter_words: dict[str, set[str]] = defaultdict(set)  # words for typo correction
        self.card_keys: dict[int, set[int]] = defaultdict(set)  # card file -> document keys
        self.by_key: dict[int, str] = {}  # document key -> service id
        # stem -> its shard entry's parts (see _encode), until its postings change
        self.encoded: dict[str, tuple] = {}
        self.files: dict[str, bytes] = {}
        self.indices: tuple = ((), ())  # the OPD and category slugs that card indices refer to
        self.digest: str | None = None  # of the files as the last build left them
        # the OPDs, categories and life events the last update's documents were made with
        self.context: tuple[dict, ...] = ({}, {}, {})

    # ------------------------------------------------------------ analysis
    def analyse(self, name: str, text: str) -> _FieldTerms:
        sequence, forms = self.analyzer.field(text)
        # Stems and aliases are the analyzer's and the expander's shared strings; the surface
        # forms and phrases are new for every field, so they are interned (the state keeps them).
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
                    # one float object per value, not one per field (a catalogue has millions)
                    tf = counts.get(stem, 0) + ALIAS_FACTOR
                    counts[stem] = _FLOATS.setdefault(tf, tf)
        terms = _FieldTerms((name, text), len(sequence), counts, forms)
        if name == BODY:
            terms.sequence = tuple(sequence)
        return terms

    def _take_terms(self, key: tuple[str, str]) -> _FieldTerms:
        terms = self.analysed.get(key)
        if terms is None:
            terms = self.analysed[key] = self.analyse(*key)
        else:
            self._full(terms)
        terms.users += 1
        return terms

    def _drop_terms(self, terms: _FieldTerms) -> bool:
        """One service fewer has this text; True when none has it any more."""
        terms.users -= 1
        if terms.users <= 0:
            del self.analysed[terms.key]
            return True
        if terms.users == 1:
            terms.slim()
        return False

    def _full(self, terms: _FieldTerms) -> None:
        """A slimmed analysis analysed again (the same terms: analysis depends on the text alone)."""
        if terms.stems is None:
            again = self.analyse(*terms.key)
            terms.stems, terms.counts, terms.sequence = again.stems, again.counts, again.sequence
            terms.form_keys, terms.form_stems = again.form_keys, again.form_stems

    # ------------------------------------------------------------ one service in or out
    def _document(self, key: int, deps: tuple, fields: tuple, card: list) -> tuple[_Document, dict[str, int]]:
        """A service's analysed document and its postings {stem: d << 16 | b} (scaled scores)."""
        *named, (_, segments) = fields
        terms = tuple(self._take_terms(item) for item in named)
        body_terms = tuple(self._take_terms((BODY, text)) for text in segments)
        describing: dict[str, float] | None = None
        # the body: its segments' terms counted together
        counts = Counter(itertools.chain.from_iterable(segment.sequence for segment in body_terms))
        body = _saturated(BODY, sum(segment.length for segment in body_terms), counts.items())
        for (name, _text), field_terms in zip(named, terms, strict=True):
            scores = field_terms.scored(name)
            if describing is None:
                describing = dict(scores)
            else:
                # a stem in several fields: its scores add up in field order
                both = {stem: describing[stem] + scores[stem] for stem in describing.keys() & scores.keys()}
                describing.update(scores)
                describing.update(both)
        entries = {stem: (round(d * SCORE_SCALE) or 1) << 16 for stem, d in (describing or {}).items()}
        get = entries.get
        for stem, b in body.items():
            entries[stem] = get(stem, 0) | (round(b * SCORE_SCALE) or 1)
        return _Document(key, deps, terms, body_terms, card), entries

    def _forms_of(self, fields) -> dict[str, str]:
        """{surface form: stem} of `fields`, a later field's stem winning."""
        forms: dict[str, str] = {}
        stem_of = self.form_stem.__getitem__
        for field_terms in fields:
            # a text already in the index: its forms' stems are the state's
            form_stems = field_terms.form_stems or map(stem_of, field_terms.form_keys)
            forms.update(zip(field_terms.form_keys, form_stems, strict=True))
        return forms

    @staticmethod
    def _settle(fields) -> None:
        """After their service's forms are counted in: their forms' stems are in form_stem now,
        and a text only one service has is slimmed."""
        for field_terms in fields:
            field_terms.form_stems = None
            if field_terms.users == 1:
                field_terms.slim()

    def _set(self, stem: str, key: int, packed: int | None, touched: set) -> None:
        """One posting in, changed or out; `touched` learns the stem when its stored list changes."""
        entries = self.postings.get(stem)
        old = entries.get(key) if entries is not None else None
        if old == packed:
            return
        if packed is None:
            entries.remove(key)
            if not entries:
                del self.postings[stem]
        else:
            if entries is None:
                entries = self.postings[stem] = _Postings()
            entries.set(key, packed)
        cached = self.encoded.get(stem)
        if cached is not None and cached[1] is not None and not _has(cached[1], key):
            # A list capped to its best postings keeps them while this posting is not among them
            # before or after: only its document frequencies may change.
            df_describing, df_all = cached[3], cached[4]
            if old is not None:
                df_all -= 1
                df_describing -= old >> 16 > 0
            if packed is not None:
                df_all += 1
                df_describing += packed >> 16 > 0
            if df_all > MAX_POSTINGS and (packed is None or _rank(key, packed) > cached[2]):
                if (df_describing, df_all) != (cached[3], cached[4]):
                    cached[0], cached[3], cached[4] = None, df_describing, df_all
                    touched.add(stem)
                return
        self.encoded.pop(stem, None)
        touched.add(stem)

    def _add_forms(self, fields, touched: set) -> None:
        """Count the words of the texts in `fields` that no service had yet (a later field's stem
        of a word winning); `touched` learns the words new to the index. A word is counted once
        per distinct text that has it, so a text shared by thousands of services (a requirement,
        an agency's name) is counted once, and only being counted matters."""
        texts = []
        for terms in fields:
            if not terms.counted:
                terms.counted = True
                texts.append(terms)
        if not texts:
            return
        users = self.form_users
        forms = self._forms_of(texts)  # only these can bring words new to the index
        new = [form for form in forms if form not in users]
        users.update(itertools.chain.from_iterable(terms.form_keys for terms in texts))  # in C
        for form in new:
            stem = forms[form]
            self.form_stem[form] = stem
            self.stem_forms[stem].add(form)
        touched.update(new)

    def _remove_forms(self, texts, touched: set) -> None:
        """Count the words of `texts` (no service has them any more, analysed in full) out;
        `touched` learns those gone from the index."""
        for form in itertools.chain.from_iterable(terms.form_keys for terms in texts):
            users = self.form_users[form] - 1
            if users:
                self.form_users[form] = users
                continue
            del self.form_users[form]
            stem = self.form_stem.pop(form)
            words = self.stem_forms[stem]
            words.discard(form)
            if not words:
                del self.stem_forms[stem]
            touched.add(form)

    def _put(self, service_id: str, new: tuple[_Document, dict[str, int]] | None, touched: set) -> None:
        """Replace a service's document (None: remove it), changing only the postings that differ."""
        old = self.documents.get(service_id)
        entries: dict[str, int] = {}
        if new is not None:
            doc, entries = new
            if old is None and not self.encoded:  # a fresh build: every list changes
                postings, key = self.postings, doc.key
                for stem, packed in entries.items():
                    listed = postings.get(stem)
                    if listed is None:
                        listed = postings[stem] = _Postings()
                        listed.unsorted = True  # keys come in catalogue order, not key order
                    listed.keys.append(key)
                    listed.values.append(packed)
                touched.update(entries)
            else:
                for stem, packed in entries.items():
                    self._set(stem, doc.key, packed, touched)
            self._add_forms(doc.body + doc.terms, touched)  # the describing fields' stems win
            self._settle(doc.all_terms())
            self.documents[service_id] = doc
            self.by_key[doc.key] = service_id
        elif old is not None:
            del self.documents[service_id]
            del self.by_key[old.key]
        if old is not None:
            same_key = new is not None and new[0].key == old.key
            for terms in old.all_terms():
                self._full(terms)
            for stem in old.stems():
                if not (same_key and stem in entries):
                    self._set(stem, old.key, None, touched)
            self._remove_forms([terms for terms in old.all_terms() if self._drop_terms(terms)], touched)

    def _revise(self, doc: _Document, fields: tuple, touched: set) -> bool:
        """Bring a service whose body is unchanged up to its new describing `fields` (False: not
        that case). A stem's posting is d << 16 | b, d the sum of the describing fields' scores and
        b the body's, each field's score its own (see _saturated): so only the stems of the fields
        that changed are set again, each keeping its b. An agency's new name touches a few stems
        of each of its services, not the hundred of each one's body."""
        *named, body = fields
        if body != doc.fields[-1] or [n for n, _ in named] != [terms.key[0] for terms in doc.terms]:
            return False
        changed = [
            i for i, (item, terms) in enumerate(zip(named, doc.terms, strict=True)) if item != terms.key
        ]
        before = [doc.terms[i] for i in changed]
        terms = list(doc.terms)
        for i in changed:
            terms[i] = self._take_terms(named[i])
        after = [terms[i] for i in changed]
        for field_terms in [*before, *terms]:  # a slimmed one: analysed again (a short text)
            self._full(field_terms)
        scores = [field_terms.scored(name) for (name, _text), field_terms in zip(named, terms, strict=True)]
        key = doc.key
        for stem in set().union(*(field_terms.stems for field_terms in [*before, *after])):
            d = None
            for field_scores in scores:  # added up in field order, as _document does
                score = field_scores.get(stem)
                if score is not None:
                    d = score if d is None else d + score
            listed = self.postings.get(stem)
            packed = (listed.get(key) or 0) & 0xFFFF if listed is not None else 0
            if d is not None:
                packed |= (round(d * SCORE_SCALE) or 1) << 16
            self._set(stem, key, packed or None, touched)
        self._add_forms(after, touched)
        self._remove_forms([field_terms for field_terms in before if self._drop_terms(field_terms)], touched)
        doc.terms = tuple(terms)
        self._settle(doc.terms)
        return True

    # ------------------------------------------------------------ a whole catalogue
    def update(self, catalogue: Catalogue, api_url: str | None) -> BuiltIndex:
        services = catalogue.services
        n = len(services)
        card_files, key_bits = layout(n)
        recarded_all = (card_files, key_bits) != self.layout[1:]
        if recarded_all or self.keys.keys() != services.keys():
            self.keys = document_keys(services, key_bits)
        keys = self.keys
        opd_slugs, category_slugs = tuple(catalogue.opds), tuple(catalogue.categories)
        cards_reindexed = (opd_slugs, category_slugs) != self.indices
        self.indices = (opd_slugs, category_slugs)
        opd_index = {slug: i for i, slug in enumerate(opd_slugs)}
        category_index = {slug: i for i, slug in enumerate(category_slugs)}
        card_shift = key_bits - (card_files.bit_length() - 1)

        touched: set[str] = set()  # stems and words whose postings or presence changed
        # When they are the very same records as last time, a service that is the same object as
        # last time has the same document: one check, not a tuple of its records per service
        # (at 50,000 services ~0.1 s of every update).
        context = (catalogue.opds, catalogue.categories, catalogue.life_events)
        same_context = not cards_reindexed and all(
            len(before) == len(now) and all(before.get(key) is record for key, record in now.items())
            for before, now in zip(self.context, context, strict=True)
        )
        gone = [s for s in self.documents if s not in services]
        again: list[tuple | None] = []  # services to analyse anew: (id, deps, fields or None, card)
        recarded: list[str] = []
        documents = self.documents
        for service_id, service in services.items():
            if same_context:
                doc = documents.get(service_id)
                if doc is not None and doc.deps[0] is service and doc.key == keys[service_id]:
                    continue
            deps = (
                service,
                catalogue.opds.get(service.opd),
                *(catalogue.categories.get(c) for c in service.categories),
                *(catalogue.life_events.get(e) for e in service.life_events),
            )
            doc = self.documents.get(service_id)
            same_key = doc is not None and doc.key == keys[service_id]
            if (
                same_key
                and not cards_reindexed
                and len(doc.deps) == len(deps)
                and all(map(operator.is_, doc.deps, deps))
            ):
                continue  # the very same records as last time
            card = _card(service, opd_index, category_index)
            if doc is None:  # its fields when it is analysed (all of a catalogue's at once: too many)
                again.append((service_id, deps, None, card))
                continue
            fields = document_fields(service, catalogue)
            if same_key and (doc.fields == fields or self._revise(doc, fields, touched)):
                doc.deps = deps
                if doc.card != card:
                    doc.card = card
                    recarded.append(service_id)
                continue
            if doc is not None and not same_key:
                gone.append(service_id)
            again.append((service_id, deps, fields, card))
        # all out first, then all in: a service may take the key another one leaves
        dirty_cards: set[int] = set()
        card_keys = self.card_keys
        for service_id in gone:
            key = self.documents[service_id].key
            self._put(service_id, None, touched)
            card_keys[key >> card_shift].discard(key)
            dirty_cards.add(key >> card_shift)
        for i, (service_id, deps, fields, card) in enumerate(again):
            again[i] = None  # its field texts go with it once analysed (only shared ones are kept)
            if fields is None:
                fields = document_fields(services[service_id], catalogue)
            key = keys[service_id]
            self._put(service_id, self._document(key, deps, fields, card), touched)
            card_keys[key >> card_shift].add(key)
            dirty_cards.add(key >> card_shift)
        for service_id in recarded:
            dirty_cards.add(self.documents[service_id].key >> card_shift)
        self.context = tuple(dict(table) for table in context)  # once every document is up to date

        before = dict(self.files)
        hashes = self.hashes
        for word in touched:
            if word not in hashes:
                hashes[word] = _fnv(word)
        cap = MAX_POSTINGS
        stored = sum(len(entries) if len(entries) < cap else cap for entries in self.postings.values())
        shards = shard_count(stored)
        if (shards, card_files, key_bits) != self.layout:
            self.layout = (shards, card_files, key_bits)
            self.shard_words = defaultdict(set)
            self.letter_words = defaultdict(set)
            self.card_keys = defaultdict(set)
            for word in itertools.chain(self.form_users, self.postings):
                if word not in hashes:
                    hashes[word] = _fnv(word)
                self._place(word, shards)
            for key in self.by_key:
                self.card_keys[key >> card_shift].add(key)
            dirty_shards = set(range(shards))
            dirty_letters = set(self.letter_words)
            dirty_cards = set(self.card_keys)
            self.files = {}
        else:
            dirty_shards, dirty_letters = set(), set()
            for word in touched:
                self._place(word, shards)
                dirty_shards.add(hashes[word] % shards)
                if BIGRAM_JOIN not in word:
                    dirty_letters.add(word[0])
                # a stem's postings are listed in the shard of every word that has that stem
                for form in self.stem_forms.get(word, ()):
                    dirty_shards.add(hashes[form] % shards)
                    dirty_letters.add(form[0])

        written = self._write_files(dirty_shards, dirty_letters, dirty_cards)
        meta = self._meta(catalogue, n, shards, card_shift, api_url)
        self.files["meta.json"] = _dump(meta)
        files = self.files
        # a file encoded again may come out the same (a word's rank among its letter's is kept)
        changed = frozenset(p for p in [*written, "meta.json"] if p in files and files[p] != before.get(p))
        digest = content_hash(b"".join(k.encode() + v for k, v in sorted(files.items())))
        previous_digest, self.digest = self.digest, digest
        return BuiltIndex(
            files=dict(files), digest=digest, meta=meta, changed=changed, previous_digest=previous_digest
        )

    def _stem_of(self, word: str) -> str | None:
        """The stem a listed word stands for: its own, or itself when it is a stem (or phrase) only."""
        stem = self.form_stem.get(word)
        if stem is None and word in self.postings:
            return word
        return stem

    def _place(self, word: str, shards: int) -> None:
        """Put a word in (or take it out of) its shard and letter, as it is listed now or not."""
        listed = word in self.form_users or word in self.postings
        shard = self.shard_words[self.hashes[word] % shards]
        letter = None if BIGRAM_JOIN in word else self.letter_words[word[0]]
        if listed:
            shard.add(word)
            if letter is not None:
                letter.add(word)
        else:
            shard.discard(word)
            if letter is not None:
                letter.discard(word)

    def _encoded(self, stem: str) -> str:
        """A stem's stored posting list, as the JSON text of its shard entry ("stem":[...])."""
        cached = self.encoded.get(stem)
        if cached is None:
            cached = self.encoded[stem] = self._encode(stem)
        if cached[0] is None:  # the document frequencies changed, the postings did not
            tail = f",{cached[5]}" if cached[5] else ""
            cached[0] = f"{cached[6]}:[{cached[3]},{cached[4]}{tail}]"
        return cached[0]

    def _encode(self, stem: str) -> list:
        """[None (the JSON, made by _encoded), keys kept when capped, rank of the worst kept,
        df describing, df all, the postings' JSON, the stem's JSON]."""
        keys, values = self.postings[stem].sorted_arrays()
        df_all = len(keys)
        df_describing = sum(map(0xFFFF.__lt__, values))  # d > 0
        kept, worst = None, None
        items = zip(keys, values, strict=True)
        if df_all > MAX_POSTINGS:
            # the best (d + b); the lower key first among equals (the keys are in order)
            scores = [(packed >> 16) + (packed & 0xFFFF) for packed in values]
            threshold = sorted(scores, reverse=True)[MAX_POSTINGS - 1]
            ties = MAX_POSTINGS - sum(map(threshold.__lt__, scores))
            items = []
            for key, packed, score in zip(keys, values, scores, strict=True):
                if score > threshold:
                    items.append((key, packed))
                elif score == threshold and ties:
                    items.append((key, packed))
                    ties -= 1
                    worst = (-score, key)
            kept = array("I", [key for key, _ in items])  # in key order
        flat = []
        previous = 0
        for key, packed in items:
            flat += (key - previous, packed >> 16, packed & 0xFFFF)
            previous = key
        return [None, kept, worst, df_describing, df_all, _dump(flat).decode()[1:-1], _dump(stem).decode()]

    def _write_files(self, shards: set[int], letters: set[str], cards: set[int]) -> list[str]:
        """Encode the shards, vocabulary and card files that changed. With many shards, a forked
        process (it has the whole state) encodes half of them meanwhile; its files and encoded
        posting lists are then taken in."""
        if len(shards) < PARALLEL_MIN_SHARDS or (os.cpu_count() or 1) < 2:
            return self._write_here(shards, letters, cards)
        ordered = sorted(shards)
        global _FORKED_STATE
        _FORKED_STATE = self
        try:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
                theirs = pool.submit(_encode_forked, ordered[1::2])  # forked now: the state as it is
                written = self._write_here(ordered[::2], letters, cards)
                files, encoded = theirs.result()
        finally:
            _FORKED_STATE = None
        self.files.update(files)
        self.encoded.update(encoded)
        return written + list(files)

    def _write_here(self, shards, letters, cards) -> list[str]:
        written = [self._write_shard(k) for k in shards]
        written += [self._write_vocabulary(letter) for letter in letters]
        return written + [self._write_cards(c) for c in cards]

    def _shard_stems(self, words) -> list[str]:
        """The stems (and phrases) whose posting lists a shard of `words` carries, in order."""
        return sorted({self._stem_of(w) for w in words} & self.postings.keys())

    def _write_shard(self, k: int) -> str:
        words = sorted(self.shard_words.get(k, ()))
        stem_of = self._stem_of
        forms = {w: ("" if stem_of(w) == w else stem_of(w)) for w in words if BIGRAM_JOIN not in w}
        stems = self._shard_stems(words)
        path = f"t/{k}{DATA_SUFFIX}"
        # the JSON of {"f": forms, "p": {stem: postings}}, from each stem's cached entry
        text = '{"f":' + _dump(forms).decode() + ',"p":{' + ",".join(map(self._encoded, stems)) + "}}"
        self.files[path] = _gzip(text.encode())
        return path

    def _write_vocabulary(self, letter: str) -> str:
        path = f"v/{letter}{DATA_SUFFIX}"
        words = self.letter_words.get(letter)
        if not words:
            self.letter_words.pop(letter, None)
            self.files.pop(path, None)
            return path
        postings, stem_of = self.postings, self._stem_of
        ranked = sorted((-len(postings.get(stem_of(w), ())), w) for w in words)
        self.files[path] = _pack([w for _, w in ranked])
        return path

    def _write_cards(self, c: int) -> str:
        path = f"d/{c}{DATA_SUFFIX}"
        keys = self.card_keys.get(c)
        if not keys:
            self.card_keys.pop(c, None)
            self.files.pop(path, None)
            return path
        documents, by_key = self.documents, self.by_key
        self.files[path] = _pack({str(key): documents[by_key[key]].card for key in sorted(keys)})
        return path

    def _meta(self, catalogue: Catalogue, n: int, shards: int, card_shift: int, api_url: str | None) -> dict:
        d = self.analyzer.dictionary
        meta = {
            "v": FORMAT_VERSION,
            "n": n,
            "shards": shards,
            "cshift": card_shift,
            "vocab": sorted(letter for letter, words in self.letter_words.items() if words),
            "opds": [[slug, o.short_name or o.name] for slug, o in catalogue.opds.items()],
            "cats": [[slug, c.name] for slug, c in catalogue.categories.items()],
            "featured": [[s.id, s.title] for s in catalogue.most_needed(FEATURED_COUNT)],
            "stop": sorted(d.stop_words),
            "low": dict(sorted(d.low_weight.items())),
            "coll": dict(sorted(d.colloquial.items())),
        }
        if bets := best_bets(catalogue, self.keys):
            meta["bets"] = bets
        if api_url:
            meta["api"] = api_url
        return meta


_FORKED_STATE: _IndexState | None = None  # the state a forked encoding process inherits


def _encode_forked(shards: list[int]) -> tuple[dict[str, bytes], dict[str, list]]:
    """In the forked process: the shards' files and their stems' encoded entries (see _encode)."""
    state = _FORKED_STATE
    paths = [state._write_shard(k) for k in shards]
    stems = state._shard_stems(itertools.chain.from_iterable(state.shard_words.get(k, ()) for k in shards))
    # without each entry's joined JSON (made again on demand, see _encoded): half the bytes to send
    encoded = {stem: [None, *state.encoded[stem][1:]] for stem in stems}
    return {path: state.files[path] for path in paths}, encoded


_STATES: weakref.WeakKeyDictionary[Analyzer, _IndexState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def _state_for(analyzer: Analyzer) -> _IndexState:
    with _STATES_LOCK:
        state = _STATES.get(analyzer)
        if state is None:
            state = _STATES[analyzer] = _IndexState(analyzer)
        return state


def build_index(
    catalogue: Catalogue,
    analyzer: Analyzer | None = None,
    api_url: str | None = None,
    *,
    fresh: bool = False,
) -> BuiltIndex:
    """The index files for `catalogue`; `api_url` tells the page to try that search API first.

    The state of the analyzer's last build in this process is updated with what changed;
    fresh=True starts from nothing (the same bytes, only slower).
    """
    analyzer = analyzer or default_analyzer(catalogue.search_terms.values())
    state = _IndexState(analyzer) if fresh else _state_for(analyzer)
    # Millions of small containers, no reference cycles: the cyclic collector would only
    # traverse them again and again (a third of the build's time at 10k services).
    with cyclic_gc_paused(), state.lock:  # one build at a time uses (and changes) the state
        return state.update(catalogue, api_url)


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
