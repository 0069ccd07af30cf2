"""The Indonesian analysis pipeline, defined once for every search backend.

Text is folded (lower case, accents removed), split into words, stop words are
dropped and the rest is stemmed with PySastrawi ("perizinan" -> "izin"). Two layers of
vocabulary add synonyms, abbreviations, old names, English terms and colloquial rewrites,
like an analyzer and its synonym set: the base dictionary in search/dictionary/ belongs to
the language (general Indonesian, Banjar, English → Indonesian, low-meaning and stop words);
the city's layer (local old names, agency nicknames, programme names) is catalogue content
that search editors keep in the CMS (catalogue.SearchTerm) and is applied on top
(`Dictionary.with_vocabulary`). The static index (search/static_index.py) and Elasticsearch
(search/elastic.py) both read them from here.
"""

from __future__ import annotations

import functools
import html
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from catalogue.records import SearchTerm

DICTIONARY_DIR = Path(__file__).resolve().parent / "dictionary"
WORD_RE = re.compile(r"[a-z0-9]+")
# "KTP-el", "AK/1", "PBB-P2": also indexed joined ("ktpel", "ak1", "pbbp2"), as citizens type them.
# Anchored at a word start and possessive: the same matches without retrying inside every word.
COMPOUND_RE = re.compile(r"(?<![a-z0-9])[a-z0-9]++(?:[-/][a-z0-9]++)+")
DEFAULT_LOW_WEIGHT = 0.2
MIN_STEM_LENGTH = 4  # shorter words are mostly abbreviations: never stem them
# Sastrawi leaves a word alone unless it has one of these affixes (or an infix after its first
# letter); checking first skips its slow search for words it cannot change (names, English).
AFFIX_RE = re.compile(
    r"^(?:di|ke|se|te|be|me|pe)|^[a-z](?:el|em|er|in)|(?:lah|kah|tah|pun|ku|mu|nya|i|kan|an)$"
)


def fold(text: str) -> str:
    """Lower-case and strip accents ("Café" -> "cafe"); the browser does the same (NFKD)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


# A word to highlight: letters and digits (the portal's script splits with [\p{L}\p{N}]+, the same).
HIGHLIGHT_WORD_RE = re.compile(r"([^\W_]+)")


def highlight_parts(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """The text in parts, each (part, hit): a word is a hit when it is, or contains, a query term
    (folded). The portal's script (highlightParts) does the same; a parity test checks it."""
    out = []
    for part in HIGHLIGHT_WORD_RE.split(text):
        if part:
            folded = fold(part)
            hit = part.isalnum() and any(folded == t or (len(t) >= 3 and t in folded) for t in terms)
            out.append((part, hit))
    return out


def highlight_html(text: str, terms: list[str]) -> str:
    """HTML-escaped text with the words that match a query term in <mark>, as the portal page shows it."""
    return "".join(
        f"<mark>{html.escape(p)}</mark>" if hit else html.escape(p) for p, hit in highlight_parts(text, terms)
    )


def words(text: str) -> list[str]:
    """The words of a text, folded; separators (- / . ,) split words."""
    return _tokens(fold(text))


# Bytes of WORD_RE's [a-z0-9] stay, every other byte separates words (the same split, in C).
_WORD_BYTES = bytes(b if WORD_RE.fullmatch(chr(b)) else 32 for b in range(256))


def _tokens(folded: str) -> list[str]:
    """WORD_RE.findall(folded); most text is ASCII, where a byte table and split are faster."""
    if folded.isascii():
        return folded.encode("ascii").translate(_WORD_BYTES).decode("ascii").split()
    return WORD_RE.findall(folded)


def compounds(text: str) -> list[str]:
    """Hyphen/slash compounds written joined: "KTP-el" -> "ktpel"."""
    return [re.sub(r"[-/]", "", m) for m in COMPOUND_RE.findall(fold(text))]


@functools.lru_cache(maxsize=1)
def _sastrawi():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@dataclass(frozen=True)
class Rule:
    """One synonym line: when a text contains any `targets` phrase, it also means the `aliases`."""

    aliases: tuple[str, ...]
    targets: tuple[str, ...]
    equivalent: bool


@dataclass
class Dictionary:
    """The editors' search dictionary (search/dictionary/*.txt), parsed."""

    rules: list[Rule] = field(default_factory=list)
    colloquial: dict[str, list[str]] = field(default_factory=dict)
    low_weight: dict[str, float] = field(default_factory=dict)
    stop_words: frozenset[str] = frozenset()
    no_stem: frozenset[str] = frozenset()

    @classmethod
    def load(cls, folder: Path = DICTIONARY_DIR) -> Dictionary:
        rules = []
        for name in ("sinonim.txt", "inggris.txt"):
            for number, line in _lines(folder / name):
                rules.append(_parse_rule(line, folder / name, number))
        colloquial = {}
        for number, line in _lines(folder / "percakapan.txt"):
            left, sep, right = line.partition("=>")
            if not sep or len(words(left)) != 1 or not words(right):
                raise ValueError(f"{folder / 'percakapan.txt'}:{number}: expected 'word => word(s)'")
            colloquial[words(left)[0]] = words(right)
        low = {}
        for number, line in _lines(folder / "kata-lemah.txt"):
            parts = line.split()
            try:
                low[fold(parts[0])] = float(parts[1]) if len(parts) > 1 else DEFAULT_LOW_WEIGHT
            except ValueError:
                raise ValueError(f"{folder / 'kata-lemah.txt'}:{number}: weight must be a number") from None
        stop = frozenset(fold(line) for _, line in _lines(folder / "kata-henti.txt"))
        no_stem = frozenset(fold(line) for _, line in _lines(folder / "tanpa-stem.txt"))
        return cls(rules, colloquial, low, stop, no_stem)

    def with_vocabulary(self, entries: Iterable[SearchTerm]) -> Dictionary:
        """This dictionary with the city's entries on top.

        An entry extends the base; it overrides the base rule whose first term it shares
        (its left-hand side) and the base colloquial rewrite of the same word.
        """
        entries = list(entries)
        if not entries:
            return self
        city = [vocabulary_rule(entry) for entry in entries if entry.kind != "percakapan"]
        replaced = {words_key(rule.aliases[0]) for rule in city}
        rules = [rule for rule in self.rules if words_key(rule.aliases[0]) not in replaced] + city
        colloquial = dict(self.colloquial)
        for entry in entries:
            if entry.kind == "percakapan":
                standard = [w for phrase in entry.means for w in words(phrase)]
                for term in entry.terms:
                    colloquial[words(term)[0]] = standard
        return replace(self, rules=rules, colloquial=colloquial)


def words_key(phrase: str) -> str:
    """A phrase as the analysis compares it: folded words, one space between them."""
    return " ".join(words(phrase))


def vocabulary_rule(entry: SearchTerm) -> Rule:
    """A city vocabulary entry (not a colloquial rewrite) as a synonym rule."""
    if entry.kind == "sinonim":
        return Rule(entry.terms, entry.terms, equivalent=True)
    return Rule(entry.terms, entry.means, equivalent=False)


def vocabulary_key(entries: Iterable[SearchTerm]) -> tuple:
    """A hashable fingerprint of the city's vocabulary (which analyzer a catalogue needs)."""
    return tuple(sorted((e.slug, e.kind, e.terms, e.means) for e in entries))


def _lines(path: Path):
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield number, line


def _parse_rule(line: str, path: Path, number: int) -> Rule:
    left, sep, right = line.partition("=>")
    aliases = tuple(p.strip() for p in left.split(",") if p.strip())
    targets = tuple(p.strip() for p in right.split(",") if p.strip()) if sep else aliases
    if not aliases or not targets:
        raise ValueError(f"{path}:{number}: empty synonym list")
    return Rule(aliases, targets, equivalent=not sep)


def dictionary_version(folder: Path = DICTIONARY_DIR) -> tuple:
    """Changes whenever an editor changes a dictionary file."""
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.txt")))


@functools.lru_cache(maxsize=1)
def base_dictionary(version: tuple | None = None) -> Dictionary:
    """The base dictionary files, parsed once per version (see dictionary_version)."""
    return Dictionary.load()


@functools.lru_cache(maxsize=2)
def _shared_analyzer(version: tuple, vocabulary: tuple) -> Analyzer:
    entries = [SearchTerm(slug, kind, terms, means) for slug, kind, terms, means in vocabulary]
    return Analyzer(base_dictionary(version).with_vocabulary(entries), stems=_stem_cache(version))


@functools.lru_cache(maxsize=1)
def _stem_cache(version: tuple) -> dict[str, str]:
    """Stems depend on the base dictionary only (its no-stem list): shared by its analyzers."""
    return {}


def default_analyzer(vocabulary: Iterable[SearchTerm] = ()) -> Analyzer:
    """One analyzer per process, dictionary version and city vocabulary: its caches make rebuilds fast."""
    return _shared_analyzer(dictionary_version(), vocabulary_key(vocabulary))


class Analyzer:
    """Turns text into index terms; used at index time and by the Python search."""

    def __init__(self, dictionary: Dictionary | None = None, stems: dict[str, str] | None = None):
        self.dictionary = dictionary or Dictionary.load()
        # The no-stem list is part of the base dictionary, so analyzers of one base may share stems.
        self._stems: dict[str, str] = {} if stems is None else stems
        self._index_terms: dict[str, str] = {}  # word -> stem, "" for a stop word (see field)

    def stem(self, word: str) -> str:
        cached = self._stems.get(word)
        if cached is None:
            d = self.dictionary
            short = len(word) < MIN_STEM_LENGTH
            if short or word in d.no_stem or not word.isalpha() or not AFFIX_RE.search(word):
                cached = word
            else:
                cached = sys.intern(_sastrawi().stem(word) or word)  # one object per stem
            self._stems[word] = cached
        return cached

    def terms(self, text: str) -> list[str]:
        """Stems of a text in order, stop words removed (used for phrases and fields)."""
        stop = self.dictionary.stop_words
        return [self.stem(w) for w in words(text) if w not in stop]

    def field(self, text: str) -> tuple[list[str], dict[str, str]]:
        """A field's stems in order (stop words removed) and its distinct {surface form: stem}.

        The same result as `forms`, shaped for indexing thousands of services quickly: the
        per-word work (stop word, stem) is done once per distinct word, then looked up in C.
        """
        folded = fold(text)
        tokens = _tokens(folded)
        index = self._index_terms
        distinct = set(tokens)
        missing = distinct.difference(index)
        if missing:
            stop = self.dictionary.stop_words
            for w in missing:
                index[w] = "" if w in stop else self.stem(w)
        sequence = list(filter(None, map(index.__getitem__, tokens)))  # "" is a stop word
        distinct.difference_update(self.dictionary.stop_words)
        forms = dict(zip(distinct, map(index.__getitem__, distinct), strict=True))
        if "-" in folded or "/" in folded:
            for joined in (sys.intern(re.sub(r"[-/]", "", m)) for m in COMPOUND_RE.findall(folded)):
                sequence.append(joined)
                forms[joined] = joined
        return sequence, forms

    def forms(self, text: str) -> list[tuple[str, str]]:
        """(surface word, stem) pairs of a text, stop words removed, plus joined compounds."""
        stop = self.dictionary.stop_words
        folded = fold(text)
        pairs = [(w, self.stem(w)) for w in WORD_RE.findall(folded) if w not in stop]
        if "-" in folded or "/" in folded:
            pairs += [(c, c) for c in (re.sub(r"[-/]", "", m) for m in COMPOUND_RE.findall(folded))]
        return pairs
