"""A built file and its precompressed .br/.gz copies are hard-linked and removed together.

The site builder shares unchanged pages with the live build this way, and the search package
its unchanged index files; kept below both users (site_builder imports search; both import
catalogue), like catalogue.hashing.
"""

from __future__ import annotations

import contextlib
import os

COPIES = (".br", ".gz")  # the precompressed copies the builder makes of a text file


def link_with_copies(source: str | os.PathLike, target: str | os.PathLike) -> bool:
    """Hard-link `source` to `target`, and its .br/.gz where they exist; False when the file
    itself cannot be linked (missing, another file system, no hard links). A file that is itself
    compressed (.br/.gz) has no copies: only it is linked (one system call, not three)."""
    try:
        os.link(source, target)
    except OSError:
        return False
    if not os.fspath(source).endswith(COPIES):
        link_copies(source, target)
    return True


def link_copies(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Hard-link the .br/.gz of `source` to those of `target`, those that exist and are not there."""
    for suffix in COPIES:
        with contextlib.suppress(FileNotFoundError, FileExistsError):
            os.link(f"{source}{suffix}", f"{target}{suffix}")


def unlink_with_copies(path: str | os.PathLike) -> None:
    """Remove a file and its .br/.gz, those that exist."""
    for suffix in ("", *COPIES):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
