"""Query analysis and ranking over the static index: the Python twin of assets/santer-search.js.

Both implementations follow the same steps on the same index files, so a query
gives the same terms and the same ranking in the browser and in Python (the
parity test runs the JavaScript in node and compares):

1. fold and split the query; drop stop words; rewrite colloquial words
   ("ngurus" -> "urus", "gimana" -> "bagaimana");
2. weigh low-meaning words down ("cara", "bikin", "mau": kept, weight 0.2);
3. find each word in the index (its hashed shard): a known word gives its stem;
   an unknown one gives the first affix-stripping guess that exists ("nyari" ->
   "cari") and the nearest known words with the same first letter, by edit
   distance with swaps (1 for 4+ letters, 2 for 8+);
4. score: sum over words of weight x best matching term's field-weighted score,
   plus a bonus where neighbouring query words are neighbours in a title,
   keywords or life event, times the square of the share of the query matched
   (words counted by squared weight, so low-meaning words hardly decide it).
"""

from __future__ import annotations

import datetime
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import words
from .static_index import DATA_SUFFIX, decode_postings, shard_of

SUFFIXES = ("nya", "lah", "kah", "kan", "an", "i", "in", "s")
PARTICLES = ("nya", "lah", "kah", "pun")
# (prefix, replacement): nasal prefixes put back the first letter they swallowed.
PREFIXES = (
    ("di", ""),
    ("ke", ""),
    ("se", ""),
    ("ter", ""),
    ("ber", ""),
    ("be", ""),
    ("meng", "k"),
    ("meny", "s"),
    ("mem", "p"),
    ("men", "t"),
    ("me", ""),
    ("peng", "k"),
    ("peny", "s"),
    ("pem", "p"),
    ("pen", "t"),
    ("per", ""),
    ("pe", ""),
    ("nge", ""),
    ("ng", ""),
    ("ny", "c"),
    ("ny", "s"),
    ("n", "t"),
)
MIN_VARIANT = 3
VARIANT_FACTOR = 0.9
TYPO_FACTORS = {1: 0.8, 2: 0.6}
MAX_TYPO_CANDIDATES = 2
BIGRAM_JOIN = "_"
BIGRAM_WEIGHT = 2.0


def variants(word: str) -> list[str]:
    """Guesses at the base of a word the index does not know, most likely first."""
    if len(word) < 4 or not word.isalpha():
        return []
    out: list[str] = []
    stripped = [word[: -len(s)] for s in SUFFIXES if word.endswith(s) and len(word) - len(s) >= MIN_VARIANT]
    out += stripped
    for base in [word, *stripped]:
        for prefix, put_back in PREFIXES:
            if base.startswith(prefix) and len(base) - len(prefix) >= MIN_VARIANT - len(put_back):
                candidate = put_back + base[len(prefix) :]
                if len(candidate) >= MIN_VARIANT:
                    out.append(candidate)
    seen: list[str] = []
    for candidate in out:
        if candidate != word and candidate not in seen:
            seen.append(candidate)
    return seen


def max_typo_distance(word: str) -> int:
    if len(word) >= 8:
        return 2
    return 1 if len(word) >= 4 else 0


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance (a swap of neighbours costs 1), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


@dataclass
class Group:
    """One query word: its weight and the index terms (stem, factor) that stand for it."""

    word: str
    weight: float
    alts: list[tuple[str, str, float]] = field(default_factory=list)  # (form, stem, factor)

    def to_list(self) -> list:
        return [self.word, self.weight, [[stem, factor] for _, stem, factor in self.alts]]


class StaticSearcher:
    """Reads a built index (dict of relative path -> JSON bytes, or a folder) and answers queries."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.meta = self.load("meta.json")
        self.shard_count = self.meta["shards"]
        self.stop = set(self.meta["stop"])
        self._shards: dict[int, dict] = {}
        self._cards: dict[int, dict] = {}
        self._vocab: dict[str, list[str]] = {}

    @classmethod
    def from_folder(cls, folder: Path) -> StaticSearcher:
        files = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*.json*")}
        return cls(files)

    def load(self, name: str):
        """A file of the index as JSON (the data files are gzip-compressed, meta.json is not)."""
        data = self.files[name]
        if data[:2] == b"\x1f\x8b":
            data = zlib.decompress(data, wbits=31)
        return json.loads(data)

    def shard(self, word: str) -> dict:
        name = shard_of(word, self.shard_count)
        if name not in self._shards:
            self._shards[name] = self.load(f"t/{name}{DATA_SUFFIX}")
        return self._shards[name]

    def lookup(self, form: str) -> str | None:
        stem = self.shard(form)["f"].get(form)
        if stem is None:
            return None
        return stem or form

    def postings(self, form: str, stem: str) -> dict[int, float]:
        return decode_postings(self.shard(form)["p"].get(stem, []), self.meta["n"])

    def vocabulary(self, word: str) -> list[str]:
        """Known words with the same first letter, most frequent first (v/<letter> file)."""
        letter = word[:1]
        if letter not in self.meta["vocab"]:
            return []
        if letter not in self._vocab:
            self._vocab[letter] = self.load(f"v/{letter}{DATA_SUFFIX}")
        return self._vocab[letter]

    def typo_candidates(self, word: str, limit: int | None = None) -> list[tuple[str, int]]:
        """The nearest known words (same first letter), most frequent first among equals."""
        limit = max_typo_distance(word) if limit is None else limit
        if limit == 0:
            return []
        found = []
        for form in self.vocabulary(word):
            d = distance(word, form, limit)
            if d <= limit:
                found.append((d, form))
        if not found:
            return []
        best = min(d for d, _ in found)
        return [(form, d) for d, form in found if d == best][:MAX_TYPO_CANDIDATES]

    def resolve(self, word: str) -> list[tuple[str, str, float]]:
        """(form, stem, factor) index terms that stand for a query word."""
        stem = self.lookup(word)
        if stem is not None:
            return [(word, stem, 1.0)]
        # An unknown word may be a derived or colloquial form ("nyari") or a typo ("kematain"):
        # keep the first base guess that exists and the nearest words; the best one per service counts.
        found = []
        for variant in variants(word):
            stem = self.lookup(variant)
            if stem is not None:
                found.append((variant, stem, VARIANT_FACTOR))
                break
        return found + [(form, self.lookup(form), TYPO_FACTORS[d]) for form, d in self.typo_candidates(word)]

    def low_weight(self, word: str) -> float:
        """A word's weight: low for low-meaning words, also with a particle ("syaratnya")."""
        low = self.meta["low"]
        if word in low:
            return low[word]
        for particle in PARTICLES:
            if word.endswith(particle) and len(word) - len(particle) >= MIN_VARIANT:
                return low.get(word[: -len(particle)], 1.0)
        return 1.0

    def analyze(self, query: str) -> list[Group]:
        coll = self.meta["coll"]
        groups: list[Group] = []
        for word in words(query):
            if word in self.stop:
                continue
            weight = self.low_weight(word)
            for rewritten in coll.get(word, [word]):
                # "bikin" is rewritten to "buat": a word counts once however it was typed
                if rewritten in self.stop or any(g.word == rewritten for g in groups):
                    continue
                weight_here = min(weight, self.low_weight(rewritten))
                groups.append(Group(rewritten, weight_here, self.resolve(rewritten)))
        return groups

    @staticmethod
    def bigrams(groups: list[Group]) -> list[tuple[str, float]]:
        """(index key, weight) of each pair of neighbouring query words, by their best terms."""
        out = []
        for a, b in zip(groups, groups[1:], strict=False):
            if a.alts and b.alts:
                out.append((f"{a.alts[0][1]}{BIGRAM_JOIN}{b.alts[0][1]}", min(a.weight, b.weight)))
        return out

    def search(self, query: str, limit: int = 20, today: str | None = None) -> list[tuple[str, float]]:
        """Ranked (service id, score) pairs."""
        groups = self.analyze(query)
        scores: dict[int, float] = {}
        matched: dict[int, float] = {}
        total = 0.0
        for group in groups:
            if not group.alts:
                continue
            total += group.weight * group.weight
            best: dict[int, float] = {}
            for form, stem, factor in group.alts:
                for doc, score in self.postings(form, stem).items():
                    value = score * factor
                    if value > best.get(doc, 0.0):
                        best[doc] = value
            for doc, value in best.items():
                scores[doc] = scores.get(doc, 0.0) + group.weight * value
                matched[doc] = matched.get(doc, 0.0) + group.weight * group.weight
        # neighbouring query words that are neighbours in a service's describing field
        for key, weight in self.bigrams(groups):
            for doc, score in self.postings(key, key).items():
                if doc in scores:
                    scores[doc] = scores[doc] + BIGRAM_WEIGHT * weight * score
        ranked = sorted(
            ((scores[d] * ((matched[d] / total) * (matched[d] / total)), d) for d in scores),
            key=lambda item: (-item[0], item[1]),
        )
        ranked = self.pin(query, ranked, today)
        return [(self.card(doc)[0], score) for score, doc in ranked[:limit]]

    def pin(self, query: str, ranked: list[tuple[float, int]], today: str | None = None):
        """The editors' best bet for this query (if any, and not past its last day) on top."""
        bet = self.meta.get("bets", {}).get(" ".join(words(query)))
        today = today or datetime.date.today().isoformat()
        if not bet or (bet[1] and bet[1] < today):
            return ranked
        top = ranked[0][0] if ranked else 0.0
        pinned = [(top + len(bet[0]) - i, doc) for i, doc in enumerate(bet[0])]
        return pinned + [item for item in ranked if item[1] not in bet[0]]

    def card(self, doc: int) -> list:
        chunk = doc >> self.meta["cshift"]
        if chunk not in self._cards:
            self._cards[chunk] = self.load(f"d/{chunk}{DATA_SUFFIX}")
        return self._cards[chunk][str(doc)]

    def suggest(self, query: str) -> str | None:
        """'Apakah maksud Anda …': the query with unknown words replaced by the nearest known ones."""
        changed, out = False, []
        for word in words(query):
            if word in self.stop or self.lookup(word) is not None or len(word) < 4:
                out.append(word)
                continue
            candidates = self.typo_candidates(word, limit=2)
            if candidates:
                out.append(candidates[0][0])
                changed = True
            else:
                out.append(word)
        return " ".join(out) if changed else None
