"""Atomic publishing: builds live in a folder beside the target, the target is a symlink to one.

    data/portal                -> .portal.builds/20261129T131500-ab12cd   (what is served)
    data/.portal.builds/20261129T131500-ab12cd/        the live build
    data/.portal.builds/20261129T131500-ab12cd.json    its manifest (page fingerprints)
    data/.portal.builds/20261129T120000-ef34gh/        the previous build, kept for rollback

A build is written into `<id>.partial`, renamed when complete, and the symlink is replaced
with rename(2) — a reader of `data/portal` sees the old complete site or the new complete
site. Builds are never modified after they are complete, which is what lets the server
cache a build's file list and lets later builds hard-link unchanged files.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

PARTIAL = ".partial"
TRASH = ".trash-"  # retired builds waiting to be deleted
KEEP_BUILDS = 2  # the live one and the previous one (rollback)


def builds_dir(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.builds"


@contextlib.contextmanager
def build_lock(out_dir: Path):
    """One build at a time per target (the publish worker and a manual build may overlap)."""
    folder = builds_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def current_build(out_dir: Path) -> Path | None:
    """The folder currently served at `out_dir` (a real folder from before symlinks also counts)."""
    if out_dir.is_symlink():
        target = out_dir.resolve()
        return target if target.is_dir() else None
    return out_dir if out_dir.is_dir() else None


def start_build(out_dir: Path) -> Path:
    # Names sort by time (to the microsecond): "newest" and "previous" are name order.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
    path = builds_dir(out_dir) / f"{stamp}-{secrets.token_hex(3)}{PARTIAL}"
    path.mkdir(parents=True)
    return path


def manifest_path(build: Path) -> Path:
    return build.parent / f"{build.name}.json"


def read_manifest(build: Path | None) -> dict:
    if build is None:
        return {}
    try:
        return json.loads(manifest_path(build).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def finish_build(partial: Path, manifest: dict) -> Path:
    final = partial.with_name(partial.name.removesuffix(PARTIAL))
    manifest_path(final).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
    os.rename(partial, final)
    return final


def switch(out_dir: Path, build: Path) -> None:
    """Point `out_dir` at `build` in one rename(2)."""
    link = builds_dir(out_dir) / f".link-{secrets.token_hex(4)}"
    os.symlink(os.path.relpath(build, out_dir.parent), link)
    if out_dir.exists() and not out_dir.is_symlink():
        # A plain folder from an older set-up cannot be swapped atomically with a symlink;
        # move it aside once (it stays available as a build), then link.
        os.rename(out_dir, builds_dir(out_dir) / f"00000000T000000.000000-legacy-{secrets.token_hex(3)}")
    os.replace(link, out_dir)
    _fsync_dir(out_dir.parent)


def completed_builds(out_dir: Path) -> list[Path]:
    folder = builds_dir(out_dir)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.name.endswith(PARTIAL) and not p.name.startswith((TRASH, ".link-"))
    )


def prune(out_dir: Path, keep: int = KEEP_BUILDS) -> threading.Thread | None:
    """Retire builds older than the `keep` newest, and leftovers of crashed builds (we hold the lock).

    Retiring is a rename (instant); deleting 10k folders is slow on this kind of disk, so it
    happens in a background thread after the new build is live. The thread is not a daemon:
    a command waits for it before exiting; anything left over is removed by the next prune.
    """
    folder = builds_dir(out_dir)
    live = current_build(out_dir)
    for old in completed_builds(out_dir)[:-keep]:
        if old != live:
            manifest_path(old).unlink(missing_ok=True)
            os.rename(old, folder / f"{TRASH}{old.name}")
    for leftover in folder.glob(f"*{PARTIAL}"):
        os.rename(leftover, folder / f"{TRASH}{leftover.name}")
    trash = list(folder.glob(f"{TRASH}*"))
    if not trash:
        return None
    thread = threading.Thread(target=_remove, args=(trash,), name="santer-prune")
    thread.start()
    return thread


def _remove(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def rollback(out_dir: str | os.PathLike) -> Path:
    """Serve the build before the live one again; returns it. Raises when there is none."""
    out_dir = Path(out_dir).absolute()
    with build_lock(out_dir):
        live = current_build(out_dir)
        older = [b for b in completed_builds(out_dir) if live is None or b.name < live.name]
        if not older:
            raise FileNotFoundError(f"no previous build of {out_dir} to roll back to")
        switch(out_dir, older[-1])
        if live is not None and live.parent == builds_dir(out_dir):
            # The rolled-back build must not come back as "newest" on the next rollback.
            shutil.rmtree(live, ignore_errors=True)
            manifest_path(live).unlink(missing_ok=True)
        return older[-1]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
