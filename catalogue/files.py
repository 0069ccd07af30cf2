"""Reading and writing catalogue folders.

Two formats are read:
- the project's own content/ format: one JSON file per record, in the folders
  opds/, apps/, categories/, life-events/ and services/ (written by `write_content`);
- the shared interchange format: opds.json, apps.json, categories.json,
  life_events.json and services.json, each a JSON list (../shared/catalogue/samarinda).

Whatever the format, `load_catalogue` returns a checked `Catalogue` or raises a
RecordError naming file, record and field.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nh3

from .records import (
    RICH_TEXT_TAGS,
    App,
    AppHealth,
    BestBet,
    Category,
    LifeEvent,
    Opd,
    Record,
    RecordError,
    SearchTerm,
    Service,
    deep_link_error,
)

# (record class, content/ folder, shared-format file), in dependency order.
KINDS: tuple[tuple[type[Record], str, str], ...] = (
    (Opd, "opds", "opds.json"),
    (App, "apps", "apps.json"),
    (Category, "categories", "categories.json"),
    (LifeEvent, "life-events", "life_events.json"),
    (Service, "services", "services.json"),
    # The city's search vocabulary (see catalogue/records.py and search/README.md).
    (SearchTerm, "search/terms", "search_terms.json"),
    (BestBet, "search/best-bets", "best_bets.json"),
)
VOCABULARY = (SearchTerm, BestBet)


# Each kind of record's table in a Catalogue (a national catalogue adds 150,000 services).
_TABLES = {
    Opd: "opds",
    App: "apps",
    Category: "categories",
    LifeEvent: "life_events",
    Service: "services",
    SearchTerm: "search_terms",
    BestBet: "best_bets",
}


@dataclass
class Catalogue:
    """All records of a catalogue, keyed by slug/id, each with the file it came from."""

    opds: dict[str, Opd] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    life_events: dict[str, LifeEvent] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    # Live state from the link checks, by app slug (never in files; see records.AppHealth).
    app_health: dict[str, AppHealth] = field(default_factory=dict, repr=False)
    search_terms: dict[str, SearchTerm] = field(default_factory=dict)
    best_bets: dict[str, BestBet] = field(default_factory=dict)
    sources: dict[tuple[type, str], str] = field(default_factory=dict, repr=False)

    def table(self, cls: type[Record]) -> dict[str, Record]:
        return getattr(self, _TABLES[cls])

    def add(self, record: Record, file: str) -> None:
        table = self.table(type(record))
        key = record.key
        if key in table:
            raise RecordError(file, key, record.KEY, "id ganda: sudah dipakai rekaman lain.")
        table[key] = record
        self.sources[(type(record), key)] = file

    def source(self, record: Record) -> str:
        return self.sources.get((type(record), record.key), "?")

    def most_needed(self, limit: int) -> list[Service]:
        """ "Layanan paling dibutuhkan": editors' featured services; else the first service of each
        category, in catalogue order. A shorter limit gives a prefix of a longer one."""
        services = list(self.services.values())
        featured = [s for s in services if s.featured]
        if featured:
            return featured[:limit]
        chosen: list[Service] = []
        for category in self.categories:
            first = next((s for s in services if category in s.categories and s not in chosen), None)
            if first:
                chosen.append(first)
            if len(chosen) == limit:
                break
        return chosen or services[:limit]

    def check_references(self) -> None:
        """Every reference resolves and every deep link is safe; raises the first RecordError."""
        for app in self.apps.values():
            if app.opd not in self.opds:
                raise RecordError(self.source(app), app.slug, "opd", f"OPD '{app.opd}' tidak dikenal.")
        for service in self.services.values():
            file = self.source(service)
            if service.opd not in self.opds:
                raise RecordError(file, service.id, "opd", f"OPD '{service.opd}' tidak dikenal.")
            if service.app:
                app = self.apps.get(service.app)
                if app is None:
                    raise RecordError(file, service.id, "app", f"aplikasi '{service.app}' tidak dikenal.")
                if service.deep_link and (problem := deep_link_error(service.deep_link, app.base_url)):
                    raise RecordError(file, service.id, "deep_link", problem)
            for name, table, label in (
                ("categories", self.categories, "kategori"),
                ("life_events", self.life_events, "peristiwa hidup"),
            ):
                for slug in getattr(service, name):
                    if slug not in table:
                        raise RecordError(file, service.id, name, f"{label} '{slug}' tidak dikenal.")
        for event in self.life_events.values():
            for number, step in enumerate(event.steps, start=1):
                for service_id in step.services:
                    if service_id not in self.services:
                        raise RecordError(
                            self.source(event),
                            event.slug,
                            f"steps[{number}]",
                            f"layanan '{service_id}' tidak dikenal atau tidak terbit.",
                        )
        for bet in self.best_bets.values():
            for service_id in bet.services:
                if service_id not in self.services:
                    raise RecordError(
                        self.source(bet),
                        bet.slug,
                        "services",
                        f"layanan '{service_id}' tidak dikenal atau tidak terbit.",
                    )

    def without_unpublished_steps(self) -> Catalogue:
        """The catalogue with journey steps cut down to the services it holds (a step whose
        services are all gone is dropped): what is live when a step's service is unpublished."""
        events = {}
        for slug, event in self.life_events.items():
            steps = []
            for step in event.steps:
                kept = tuple(s for s in step.services if s in self.services)
                if kept:
                    steps.append(step if kept == step.services else dataclasses.replace(step, services=kept))
            events[slug] = (
                event
                if len(steps) == len(event.steps)
                and all(a is b for a, b in zip(steps, event.steps, strict=True))
                else dataclasses.replace(event, steps=tuple(steps))
            )
        if all(events[slug] is self.life_events[slug] for slug in events):
            return self
        return dataclasses.replace(self, life_events=events)


def sanitize_rich_text(markup: str) -> str:
    """Keep only the tags an editor may use; links keep href (http/https/mailto/tel)."""
    return nh3.clean(
        markup,
        tags=RICH_TEXT_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener",
    ).strip()


def plain_text_to_html(text: str) -> str:
    """The shared format's plain description becomes paragraphs."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def _read_json(path: Path, label: str):
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise RecordError(label, "?", "-", f"JSON tidak valid (baris {exc.lineno}): {exc.msg}") from exc
    except UnicodeDecodeError as exc:
        raise RecordError(label, "?", "-", "berkas bukan UTF-8.") from exc


def is_shared_format(folder: Path) -> bool:
    return (folder / "services.json").is_file()


def load_catalogue(folder: str | os.PathLike) -> Catalogue:
    """Read either format from `folder`, check types and references."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RecordError(str(folder), "-", "-", "folder katalog tidak ditemukan.")
    catalogue = Catalogue()
    shared = is_shared_format(folder)
    for cls, subfolder, filename in KINDS:
        for label, data in (
            _shared_records(folder, filename) if shared else _content_records(folder, subfolder)
        ):
            if cls is Service and isinstance(data, dict):
                data = dict(data)
                text = data.get("description", "")
                if isinstance(text, str):
                    data["description"] = plain_text_to_html(text) if shared else sanitize_rich_text(text)
            catalogue.add(cls.from_dict(data, label), label)
    catalogue.check_references()
    return catalogue


def _shared_records(folder: Path, filename: str) -> Iterable[tuple[str, dict]]:
    path = folder / filename
    if not path.exists():
        return
    items = _read_json(path, filename)
    if not isinstance(items, list):
        raise RecordError(filename, "-", "-", "berkas harus berupa daftar JSON.")
    for index, item in enumerate(items):
        yield f"{filename}[{index}]", item


def _content_records(folder: Path, subfolder: str) -> Iterable[tuple[str, dict]]:
    directory = folder / subfolder
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        label = f"{subfolder}/{path.name}"
        data = _read_json(path, label)
        key = data.get("id", data.get("slug")) if isinstance(data, dict) else None
        if key is not None and f"{key}.json" != path.name:
            raise RecordError(
                label, str(key), "id" if "id" in data else "slug", "harus sama dengan nama berkas."
            )
        yield label, data


def load_vocabulary(folder: str | os.PathLike, catalogue: Catalogue) -> Catalogue:
    """`catalogue` with the search vocabulary of a content/ folder (its search/ subfolder) added.

    For a catalogue loaded from elsewhere (the shared format) that the city's vocabulary applies to;
    best bets whose services the catalogue lacks are left out.
    """
    folder = Path(folder)
    for cls, subfolder, _ in KINDS:
        if cls not in VOCABULARY:
            continue
        for label, data in _content_records(folder, subfolder):
            record = cls.from_dict(data, label)
            if isinstance(record, BestBet) and not set(record.services) <= catalogue.services.keys():
                continue
            catalogue.add(record, label)
    catalogue.check_references()
    return catalogue


def dump_record(record: Record) -> str:
    """The exact text of a record's file: stable key order and formatting."""
    return json.dumps(record.to_dict(), ensure_ascii=False, indent=2) + "\n"


def write_content(catalogue: Catalogue, out: str | os.PathLike) -> int:
    """Write `catalogue` as a content/ folder; files of records that are gone are removed.

    Unchanged files are not rewritten, so timestamps and git stay quiet. Returns
    the number of files written or removed.
    """
    out = Path(out)
    changed = 0
    for cls, subfolder, _ in KINDS:
        directory = out / subfolder
        directory.mkdir(parents=True, exist_ok=True)
        wanted = {}
        for record in catalogue.table(cls).values():
            wanted[f"{record.key}.json"] = dump_record(record)
        for path in directory.glob("*.json"):
            if path.name not in wanted:
                path.unlink()
                changed += 1
        for name, text in sorted(wanted.items()):
            path = directory / name
            if path.exists() and path.read_text(encoding="utf-8") == text:
                continue
            _write_atomically(path, text)
            changed += 1
    return changed


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
