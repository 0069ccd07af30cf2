"""The Santer theme: Jinja options, filters, hashed assets and rendering of one page.

Pelican builds its Jinja environment from JINJA_ENVIRONMENT; a standalone environment made
here (preview, single-page rebuilds) uses the very same options and filters, so both render
the same bytes.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from catalogue import urls
from catalogue.hashing import hashed_name

from .site import Page, host, initial_label, tanggal

THEME_DIR = Path(__file__).resolve().parent.parent / "themes" / "santer"

# auto_reload off: templates compile once and are never stat-ed again during a build.
JINJA_OPTIONS = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "auto_reload": False,
    "undefined": StrictUndefined,
    "extensions": [],
}


@dataclass(frozen=True)
class Assets:
    """URLs of the static files pages refer to."""

    css: str
    search_scripts: tuple[str, ...] = ()  # deferred scripts of the search page
    page_scripts: tuple[str, ...] = ()  # deferred scripts on every page (the search box)
    extra: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return {
            "css": self.css,
            "search_scripts": list(self.search_scripts),
            "page_scripts": list(self.page_scripts),
        }


def tel(number: str) -> str:
    """'0857-5168-7090' → '085751687090' for a tel: link."""
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def configure(env: Environment) -> Environment:
    env.filters.update(tanggal=tanggal, host=host, tel=tel, initial_label=initial_label)
    env.globals["urls"] = urls  # the one URL scheme: {{ urls.service(s.id) }}, {{ urls.SEARCH }}
    return env


def standalone_environment(theme_dir: Path = THEME_DIR) -> Environment:
    return configure(
        Environment(loader=FileSystemLoader(str(Path(theme_dir) / "templates")), **JINJA_OPTIONS)
    )


def render(env: Environment, page: Page, assets: Assets) -> bytes:
    context = page.context()
    context["assets"] = assets
    scripts = assets.search_scripts if page.template == "search.html" else ()
    context["page_scripts"] = [*assets.page_scripts, *(s for s in scripts if s not in assets.page_scripts)]
    return env.get_template(page.template).render(context).encode("utf-8")


def theme_assets(theme_dir: Path = THEME_DIR) -> dict[str, tuple[str, bytes]]:
    """Static files of the theme: {original name: (hashed output path, bytes)}; pure, writes nothing."""
    static = Path(theme_dir) / "static"
    result = {}
    for path in sorted(static.rglob("*")):
        if path.is_file():
            relative = path.relative_to(static).as_posix()
            data = path.read_bytes()
            result[relative] = ("assets/" + hashed_name(relative, data), data)
    return result


def theme_fingerprint(theme_dir: Path = THEME_DIR) -> str:
    """Changes whenever a template or static file changes: pages built with another theme are stale."""
    digest = hashlib.sha256()
    root = Path(theme_dir)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def write_theme_assets(theme_dir: Path, site_dir: Path) -> dict[str, str]:
    """Copy the theme's static files under hashed names; returns {original name: URL}."""
    urls = {}
    for name, (output, data) in theme_assets(theme_dir).items():
        target = Path(site_dir) / output
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        urls[name] = "/" + output
    return urls


def iter_files(root: Path):
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            yield Path(dirpath) / name
