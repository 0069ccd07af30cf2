"""The one definition of a catalogue record.

The CMS exporter and importer, the portal builder and the search indexers all
use these classes; none of them defines its own idea of a "service". Nothing
here imports Django, so the builder and the indexers stay headless.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OPD_KINDS = ("dinas", "badan", "kecamatan", "rsud", "satuan", "bagian")
PLATFORMS = ("web", "android", "ios")
CHANNEL_KINDS = ("online", "walk_in")
# Store links on an app record must point at the store itself.
STORE_HOSTS = {"play_store_url": "play.google.com", "app_store_url": "apps.apple.com"}
STEP_MODES = ("all", "any")  # a journey step's services: all of them ("dan") or one of them ("atau")
# Tags an editor's rich text may keep; everything else is stripped (see catalogue.html).
RICH_TEXT_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a", "h2", "h3", "h4"}


class RecordError(ValueError):
    """A bad record: names the file, the record id and the field, in Bahasa Indonesia."""

    def __init__(self, file: str, record_id: str, field_name: str, message: str):
        self.file = file
        self.record_id = record_id
        self.field = field_name
        self.message = message
        super().__init__(f"{file}: record '{record_id}', field '{field_name}': {message}")


def https_url_error(url: str) -> str | None:
    """Why `url` is not a safe absolute https URL, or None when it is."""
    if not isinstance(url, str) or not url.strip():
        return "URL wajib diisi."
    if url != url.strip() or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "URL tidak boleh memuat spasi atau karakter kontrol."
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        return f"URL harus diawali https:// (bukan '{parts.scheme or url[:20]}')."
    if not parts.hostname or parts.username or parts.password:
        return "URL harus memuat nama host dan tidak boleh memuat nama pengguna/kata sandi."
    return None


# A pure function of two strings, asked again for every service on every publish (check_references).
@functools.lru_cache(maxsize=1 << 15)
def iso_date_error(text: str) -> str | None:
    """Why `text` is not a calendar date written YYYY-MM-DD, or None."""
    if not DATE_RE.match(text):
        return f"'{text}' bukan tanggal: tulis sebagai YYYY-MM-DD (contoh: 2026-03-12)."
    try:
        date.fromisoformat(text)
    except ValueError:
        return f"'{text}' bukan tanggal yang ada di kalender."
    return None


# Pure too, and asked for every service on every publish (check_references): ~0.1 s at 10,000.
@functools.lru_cache(maxsize=1 << 18)
def deep_link_error(deep_link: str, app_base_url: str) -> str | None:
    """Why `deep_link` may not be used as the button into the app, or None when it may.

    A deep link must be https (never javascript: or data:) and stay on the app's
    own host, inside the app's base path.
    """
    problem = https_url_error(deep_link)
    if problem:
        return f"Tautan langsung tidak aman: {problem}"
    link, base = urlsplit(deep_link), urlsplit(app_base_url)
    if link.hostname != base.hostname or (link.port or 443) != (base.port or 443):
        return f"Tautan langsung harus berada di host aplikasinya ({base.hostname}), bukan {link.hostname}."
    base_path = base.path.rstrip("/")
    if base_path and not (link.path == base_path or link.path.startswith(base_path + "/")):
        return f"Tautan langsung harus berada di dalam alamat dasar aplikasi ({app_base_url})."
    return None


@dataclass(frozen=True)
class Record:
    """Shared behaviour: a stable dict for files, and construction with type checks."""

    KEY = "slug"  # the field that identifies the record

    @property
    def key(self) -> str:
        return getattr(self, self.KEY)

    def to_dict(self) -> dict[str, Any]:
        # Field order is the dataclass order: stable files, readable diffs.
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if not f.metadata.get("live_state")
        }

    @classmethod
    def from_dict(cls, data: Any, file: str = "?") -> Record:
        record_id = str(data.get(cls.KEY, "?")) if isinstance(data, dict) else "?"
        if not isinstance(data, dict):
            raise RecordError(file, record_id, "-", "rekaman harus berupa objek JSON.")
        known = {f.name: f for f in dataclasses.fields(cls)}
        for name in data:
            if name not in known:
                raise RecordError(file, record_id, name, "kolom tidak dikenal.")
        values = {}
        for name, f in known.items():
            if name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise RecordError(file, record_id, name, "kolom wajib tidak ada.")
                continue
            values[name] = _coerce(cls, f, data[name], file, record_id)
        record = cls(**values)
        record.check(file)
        return record

    def check(self, file: str) -> None:
        """Field rules beyond types; raises RecordError."""
        if not SLUG_RE.match(self.key):
            raise RecordError(file, self.key, self.KEY, "harus berupa slug (huruf kecil, angka, tanda -).")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("required") and not value:
                raise RecordError(file, self.key, f.name, "wajib diisi.")


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Record | Channel | JourneyStep):
        return value.to_dict()
    return value


def required() -> Any:
    """A text field that must not be empty (checked in Record.check, so the error names it)."""
    return field(default="", metadata={"required": True})


INTERN_MAX_CHARS = 300  # longer texts (descriptions) are rarely repeated word for word


def _shared(text: str) -> str:
    """A national catalogue repeats the same short texts (an OPD's slug, "Gratis", a requirement, a
    legal basis) across thousands of services: keep one copy of each (the build benchmark's
    catalogue at 10,000 services takes ≈ 40 % less memory)."""
    return sys.intern(text) if len(text) <= INTERN_MAX_CHARS else text


def _coerce(cls, f: dataclasses.Field, value: Any, file: str, record_id: str) -> Any:
    kind = f.metadata.get("type", f.type)
    if kind in ("str", str):
        if not isinstance(value, str):
            raise RecordError(file, record_id, f.name, "harus berupa teks.")
        return _shared(value.strip())
    if kind in ("str | None", "optional_str"):
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise RecordError(file, record_id, f.name, "harus berupa teks atau null.")
        return value.strip()
    if kind in ("bool", bool):
        if not isinstance(value, bool):
            raise RecordError(file, record_id, f.name, "harus true atau false.")
        return value
    if kind == "tuple[str, ...]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RecordError(file, record_id, f.name, "harus berupa daftar teks.")
        items = tuple(_shared(v.strip()) for v in value)
        if any(not v for v in items):
            raise RecordError(file, record_id, f.name, "daftar tidak boleh memuat butir kosong.")
        return items
    if kind == "tuple[Channel, ...]":
        if not isinstance(value, list):
            raise RecordError(file, record_id, f.name, "harus berupa daftar kanal layanan.")
        return tuple(Channel.from_value(v, file, record_id) for v in value)
    if kind == "tuple[JourneyStep, ...]":
        if not isinstance(value, list):
            raise RecordError(file, record_id, f.name, "harus berupa daftar langkah.")
        return tuple(JourneyStep.from_value(v, file, record_id, i) for i, v in enumerate(value, start=1))
    raise TypeError(f"no coercion for {f.name}: {kind}")  # a programming error, not bad input


@dataclass(frozen=True)
class Opd(Record):
    """An agency (Organisasi Perangkat Daerah): the permission boundary in the CMS."""

    slug: str
    name: str = required()
    short_name: str = required()
    kind: str = required()
    address: str = ""
    phone: str = ""
    website: str = ""
    description: str = ""

    def check(self, file: str) -> None:
        super().check(file)
        if self.kind not in OPD_KINDS:
            raise RecordError(file, self.slug, "kind", f"harus salah satu dari {', '.join(OPD_KINDS)}.")
        if self.website and (problem := https_url_error(self.website)):
            raise RecordError(file, self.slug, "website", problem)


@dataclass(frozen=True)
class App(Record):
    """An OPD's application that services deep-link into."""

    slug: str
    name: str = required()
    opd: str = required()
    base_url: str = required()
    description: str = ""
    platforms: tuple[str, ...] = ()
    play_store_url: str = ""  # https://play.google.com/… (Android)
    app_store_url: str = ""  # https://apps.apple.com/… (iOS)
    # Live state, not content: False while link health reports the app down (cms.links), so
    # its service pages show a banner. Never written to files (see Record.to_dict).
    available: bool = field(default=True, metadata={"live_state": True})

    def check(self, file: str) -> None:
        super().check(file)
        if problem := https_url_error(self.base_url):
            raise RecordError(file, self.slug, "base_url", problem)
        for platform in self.platforms:
            if platform not in PLATFORMS:
                raise RecordError(file, self.slug, "platforms", f"'{platform}' bukan web, android atau ios.")
        for name, store_host in STORE_HOSTS.items():
            url = getattr(self, name)
            if url and (problem := store_url_error(url, store_host)):
                raise RecordError(file, self.slug, name, problem)


def store_url_error(url: str, store_host: str) -> str | None:
    """Why `url` is not a link to the app's page in its store (`store_host`), or None."""
    if problem := https_url_error(url):
        return problem
    if urlsplit(url).hostname != store_host:
        return f"Tautan toko aplikasi harus berada di {store_host}."
    return None


@dataclass(frozen=True)
class AppHealth:
    """What the link checks last measured for an app (live state, never in files).

    state: "up" (normal or slow), "down", or "unknown" (not checked yet); times are ISO 8601
    with their offset, as the checks recorded them.
    """

    slug: str
    state: str = "unknown"
    checked_at: str | None = None
    down_since: str | None = None


@dataclass(frozen=True)
class Category(Record):
    slug: str
    name: str = required()
    description: str = ""


@dataclass(frozen=True)
class JourneyStep:
    """One step of a life event's journey: a service, or a group of services (all or any of them)."""

    services: tuple[str, ...]
    why: str = ""  # one line: why this step
    produces: str = ""  # what this step gives that the next one needs
    mode: str = "all"  # STEP_MODES

    def to_dict(self) -> dict:
        return {
            "services": list(self.services),
            "why": self.why,
            "produces": self.produces,
            "mode": self.mode,
        }

    @classmethod
    def from_value(cls, value: Any, file: str, record_id: str, number: int) -> JourneyStep:
        where = f"steps[{number}]"
        if not isinstance(value, dict) or set(value) - {"services", "why", "produces", "mode"}:
            raise RecordError(
                file, record_id, where, "langkah harus berupa objek services/why/produces/mode."
            )
        services = value.get("services")
        if (
            not isinstance(services, list)
            or not services
            or not all(isinstance(s, str) and s.strip() for s in services)
        ):
            raise RecordError(file, record_id, where, "langkah harus merujuk sedikitnya satu layanan (id).")
        texts = {k: value.get(k, "") for k in ("why", "produces")}
        if not all(isinstance(v, str) for v in texts.values()):
            raise RecordError(file, record_id, where, "why dan produces harus berupa teks.")
        mode = value.get("mode", "all")
        if mode not in STEP_MODES:
            raise RecordError(file, record_id, where, "mode harus 'all' (dan) atau 'any' (atau).")
        return cls(tuple(s.strip() for s in services), texts["why"].strip(), texts["produces"].strip(), mode)


@dataclass(frozen=True)
class LifeEvent(Record):
    slug: str
    name: str = required()
    description: str = ""
    # The journey: ordered steps across OPDs (empty: the event just lists its services).
    steps: tuple[JourneyStep, ...] = ()


@dataclass(frozen=True)
class Channel:
    """One way to get a service: online in the app, or walk-in at a place (with hours)."""

    kind: str
    name: str
    address: str = ""
    hours: str = ""

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_value(cls, value: Any, file: str, record_id: str) -> Channel:
        # The shared catalogue writes channels as plain strings: "online" or a place name.
        if isinstance(value, str):
            text = value.strip()
            if text.lower() == "online":
                return cls(kind="online", name="Daring (online)")
            return cls(kind="walk_in", name=text)
        if not isinstance(value, dict) or set(value) - {"kind", "name", "address", "hours"}:
            raise RecordError(
                file, record_id, "channels", "kanal harus berupa teks atau objek kind/name/address/hours."
            )
        kind, name = value.get("kind"), value.get("name")
        if kind not in CHANNEL_KINDS:
            raise RecordError(file, record_id, "channels", "jenis kanal harus 'online' atau 'walk_in'.")
        if not isinstance(name, str) or not name.strip():
            raise RecordError(file, record_id, "channels", "nama kanal wajib diisi.")
        extra = {k: value.get(k, "") for k in ("address", "hours")}
        if not all(isinstance(v, str) for v in extra.values()):
            raise RecordError(file, record_id, "channels", "alamat dan jam layanan harus berupa teks.")
        return cls(kind=kind, name=name.strip(), **{k: v.strip() for k, v in extra.items()})


@dataclass(frozen=True)
class Service(Record):
    """One public service with every component of its Standar Pelayanan (PermenPAN-RB 15/2014)."""

    KEY = "id"

    id: str
    title: str = required()
    summary: str = required()
    description: str = ""  # sanitised HTML (see catalogue.html)
    opd: str = required()
    app: str | None = None
    deep_link: str | None = None
    requirements: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    duration: str = ""
    cost: str = ""
    output: str = ""
    legal_basis: tuple[str, ...] = ()
    complaints: str = ""
    channels: tuple[Channel, ...] = ()
    categories: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # hidden search terms: old names, abbreviations
    featured: bool = False  # shown among "layanan paling dibutuhkan" on the home page
    updated: str | None = None  # ISO date of the last publication
    # ISO date an editor last confirmed the content (a publication counts): "Informasi diperiksa".
    reviewed: str | None = None

    def check(self, file: str) -> None:
        super().check(file)
        if self.deep_link and not self.app:
            raise RecordError(file, self.id, "deep_link", "tautan langsung memerlukan aplikasi (app).")
        if self.updated and not DATE_RE.match(self.updated):
            raise RecordError(file, self.id, "updated", "harus berupa tanggal YYYY-MM-DD.")
        if self.reviewed and (problem := iso_date_error(self.reviewed)):
            raise RecordError(file, self.id, "reviewed", problem)

    @property
    def online(self) -> bool:
        return bool(self.app and self.deep_link)

    @property
    def walk_in_channels(self) -> tuple[Channel, ...]:
        return tuple(c for c in self.channels if c.kind == "walk_in")


# Search vocabulary: the city's layer on top of the search package's base dictionary ------------

VOCABULARY_KINDS = ("sinonim", "nama-lama", "inggris", "percakapan")
MAX_TERM_LENGTH = 60
MAX_BEST_BET_SERVICES = 3


@dataclass(frozen=True)
class SearchTerm(Record):
    """One vocabulary entry the city's search editors keep in the CMS.

    sinonim: `terms` all mean the same; nama-lama (old → current name) and inggris (English →
    Indonesian): `terms` also find the services that say `means`; percakapan: each word of `terms`
    is rewritten to `means` in a citizen's query.
    """

    slug: str
    kind: str = required()
    terms: tuple[str, ...] = ()
    means: tuple[str, ...] = ()
    note: str = ""  # why the entry exists, for the next editor

    def check(self, file: str) -> None:
        super().check(file)
        if self.kind not in VOCABULARY_KINDS:
            raise RecordError(
                file, self.slug, "kind", f"harus salah satu dari {', '.join(VOCABULARY_KINDS)}."
            )
        if not self.terms:
            raise RecordError(
                file, self.slug, "terms", "daftar istilah kosong: isi paling sedikit satu istilah."
            )
        for name in ("terms", "means"):
            for term in getattr(self, name):
                if len(term) > MAX_TERM_LENGTH:
                    raise RecordError(
                        file,
                        self.slug,
                        name,
                        f"istilah '{term[:20]}…' lebih dari {MAX_TERM_LENGTH} karakter.",
                    )
        if self.kind == "sinonim":
            if len(self.terms) < 2:
                raise RecordError(
                    file, self.slug, "terms", "satu set sinonim memerlukan paling sedikit dua istilah."
                )
            if self.means:
                raise RecordError(file, self.slug, "means", "set sinonim tidak memakai kolom 'means'.")
        elif not self.means:
            raise RecordError(file, self.slug, "means", "isi istilah tujuan (yang dimaksud).")
        if self.kind == "percakapan" and any(len(WORD_SPLIT_RE.findall(t.lower())) != 1 for t in self.terms):
            raise RecordError(file, self.slug, "terms", "kata percakapan harus satu kata per istilah.")


WORD_SPLIT_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class BestBet(Record):
    """A query whose results start with up to three chosen services, until an optional date."""

    slug: str
    query: str = required()
    services: tuple[str, ...] = ()
    expires: str | None = None  # ISO date: the last day the bet applies
    note: str = ""

    def check(self, file: str) -> None:
        super().check(file)
        if len(self.query) > MAX_TERM_LENGTH:
            raise RecordError(file, self.slug, "query", f"kueri lebih dari {MAX_TERM_LENGTH} karakter.")
        if not self.services:
            raise RecordError(file, self.slug, "services", "pilih paling sedikit satu layanan.")
        if len(self.services) > MAX_BEST_BET_SERVICES:
            raise RecordError(
                file, self.slug, "services", f"paling banyak {MAX_BEST_BET_SERVICES} layanan per kueri."
            )
        if len(set(self.services)) != len(self.services):
            raise RecordError(file, self.slug, "services", "layanan yang sama disebut dua kali.")
        if self.expires and not DATE_RE.match(self.expires):
            raise RecordError(file, self.slug, "expires", "harus berupa tanggal YYYY-MM-DD.")
