"""Files of a build: writing a page with its .br/.gz copies, and hard-linking unchanged ones.

A build shares its unchanged files with the live build (hard links), so a file is always
linked or unlinked together with its precompressed copies; a file that must change in a
folder whose files are shared is unlinked first, never written in place.
"""

from __future__ import annotations

import os
from pathlib import Path

from catalogue.linking import link_with_copies, unlink_with_copies

from .compress import PortalCompressor


def same_bytes(a: str, b: str) -> bool:
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except FileNotFoundError:
        return False


def write_page(compressor: PortalCompressor, path: str, data: bytes, replace: bool = False) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if replace:
        # In a recycled build a file left here would be a hard link into the live build: writing
        # through it would change the live site. (Stale pages are unlinked already; this makes sure.)
        unlink_with_copies(path)
    with open(path, "wb") as fh:
        fh.write(data)
    compressor.compress_data(path, data)  # brotli and zlib release the GIL while compressing


def link_page(previous: Path, build_dir: Path, relative: str, made_dirs: set[Path]) -> bool:
    """Hard-link a page and its .br/.gz from the previous build; False when it cannot."""
    target = build_dir / relative
    if target.parent not in made_dirs:
        target.parent.mkdir(parents=True, exist_ok=True)
        made_dirs.add(target.parent)
    return link_with_copies(previous / relative, target)  # False: render it instead


def link_pages(previous: str, build_dir: str, paths: list[str]) -> list[str]:
    """The pages it could link (the others are rendered); may run in a forked process."""
    made: set[Path] = set()
    return [relative for relative in paths if link_page(Path(previous), Path(build_dir), relative, made)]


def refresh_pages(
    previous: str,
    build_dir: str,
    stale: list[str],
    gone: list[str],
    link: list[str],
    keep_folders: set[str] = frozenset(),
) -> list[str]:
    """Unlink the `stale` pages (with .br/.gz) of a recycled build, drop the folders of those `gone`
    from the site (but `keep_folders`, where pages are being written meanwhile), then link `link`
    from the live build; returns the pages linked."""
    for relative in stale:
        unlink_with_copies(os.path.join(build_dir, relative))
    root = Path(build_dir)
    for relative in gone:
        folder = (root / relative).parent
        while folder != root and folder.relative_to(root).as_posix() not in keep_folders:
            try:
                folder.rmdir()
            except OSError:  # not empty: other pages live there
                break
            folder = folder.parent
    return link_pages(previous, build_dir, link) if link else []
