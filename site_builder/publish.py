"""Atomic publishing: builds live in a folder beside the target, the target is a symlink to one.

    data/portal                -> .portal.builds/20261129T131500-ab12cd   (what is served)
    data/.portal.builds/20261129T131500-ab12cd/        the live build
    data/.portal.builds/20261129T131500-ab12cd.json    its manifest (page fingerprints)
    data/.portal.builds/20261129T120000-ef34gh/        the previous build, kept for rollback
    data/.portal.builds/20261129T110000-…/             older builds, spares to recycle

A build is written into `<id>.partial`, renamed when complete, and the symlink is replaced
with rename(2) — a reader of `data/portal` sees the old complete site or the new complete
site. A build is never modified under its own name, which is what lets the server cache a
build's file list and lets later builds hard-link unchanged files.

Recycling: a new build would hard-link ~10k unchanged page folders into a fresh folder,
which costs most of a one-page update on a slow disk. Instead the oldest spare — neither
live nor the rollback target, retired long enough ago (reuse_after) that no server still
answers from it — is renamed to a new `<id>.partial` and only the pages that differ are
replaced (build.py). The rename makes its old paths vanish at once: a server that still
held them gets "not found" and switches to the live build, never a half-updated file; and
files are replaced (unlink, then a new file or link), never written in place, because they
are hard links shared with the live and rollback builds. Without such a spare, a fresh
folder is made as before. So that the first updates after a full build or a restart find one,
an idle worker calls prepare_spares: the live build's files hard-linked into a spare that was
never served (and so may be recycled at once).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from catalogue.linking import COPIES, unlink_with_copies

from .files import link_page

PARTIAL = ".partial"
TRASH = ".trash-"  # retired builds waiting to be deleted
PREVIOUS = ".previous"  # a symlink to the build served before the live one
# A spare made by prepare_spares: named to sort before every served build, and never a rollback
# target (it was never served; recycling renames it to a new build id).
SPARE = "00000000T000000.000000-spare-"
KEEP_BUILDS = 2  # the live one and the previous one (rollback)
# Retired builds kept to be recycled: enough that, with updates back to back, the oldest was
# retired long enough ago (a spare costs its folders, ~45 MB at 10k services).
SPARE_BUILDS = 3
STOP_CHECK_FILES = 200  # a spare being copied asks whether work arrived after each this many files
# A server scans a new build while it answers from the one before (cms/portal/serving.py):
# ~0.1 s at 1,000 services, up to 2 s at 10,000 on a busy machine. A build is recycled only
# once it has been retired for 1.5 times that, and at least REUSE_AFTER_SECONDS.
REUSE_AFTER_SECONDS = 1.0
REUSE_AFTER_SECONDS_PER_PAGE = 0.0003


def reuse_after(pages: int) -> float:
    """Seconds a build of `pages` pages must have been retired before it is recycled."""
    return max(REUSE_AFTER_SECONDS, pages * REUSE_AFTER_SECONDS_PER_PAGE)


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


def _new_partial(out_dir: Path) -> Path:
    # Names sort by time (to the microsecond): "newest" and "previous" are name order.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
    return builds_dir(out_dir) / f"{stamp}-{secrets.token_hex(3)}{PARTIAL}"


def start_build(out_dir: Path) -> Path:
    path = _new_partial(out_dir)
    path.mkdir(parents=True)
    return path


def retired_at(build: Path) -> float | None:
    """When `build` stopped being served (switch() touches its manifest); None without a manifest."""
    try:
        return manifest_path(build).stat().st_mtime
    except FileNotFoundError:
        return None


def rollback_target(out_dir: Path) -> Path | None:
    """The build rollback() would serve: the newest one older than the live one."""
    live = current_build(out_dir)
    older = [
        b
        for b in completed_builds(out_dir)
        if (live is None or b.name < live.name) and not b.name.startswith(SPARE)
    ]
    return older[-1] if older else None


def recyclable_build(out_dir: Path, pages: int) -> Path | None:
    """The oldest build that may be recycled into the next one of `pages` pages, or None.

    Never the live build or the rollback target; only one with a manifest (what it holds)
    and retired at least reuse_after(pages) seconds ago.
    """
    min_age = reuse_after(pages)
    live = current_build(out_dir)
    if live is None:
        return None
    keep = {live.name}
    target = rollback_target(out_dir)
    if target is not None:
        keep.add(target.name)
    deadline = time.time() - min_age
    for build in completed_builds(out_dir):
        retired = retired_at(build)
        if build.name not in keep and retired is not None and retired <= deadline:
            return build
    return None


def spares(out_dir: Path) -> list[Path]:
    """Builds that are neither live nor the rollback target: what updates may recycle, now or soon."""
    live = current_build(out_dir)
    keep = {b.name for b in (live, rollback_target(out_dir)) if b is not None}
    return [b for b in completed_builds(out_dir) if b.name not in keep and retired_at(b) is not None]


def prepare_spares(out_dir: str | os.PathLike, wanted: int = 2, stop=lambda: False) -> int:
    """Bring the spares there are up to the live build (_top_up), then make spares until `wanted`
    exist, each a hard-linked copy of the live build; returns how many were made. For an idle
    moment: it holds the build lock for each copy (about as long as an update that finds no spare
    to recycle) and makes no further one once `stop()` is true (work arrived). Two, because the
    first update recycles one and makes the full build the rollback target, and the second finds
    the other."""
    out_dir = Path(out_dir).absolute()
    made = 0
    with build_lock(out_dir):
        live = current_build(out_dir)
        manifest = read_manifest(live)
        if live is None or live.parent != builds_dir(out_dir) or not manifest:
            return 0  # not one of our builds (a plain folder from an older set-up), or unknown content
        # Only those no server can still be answering from (see recyclable_build).
        deadline = time.time() - reuse_after(len(manifest.get("pages", ())))
        for spare in spares(out_dir):
            if stop():
                return made
            retired = retired_at(spare)
            if retired is not None and retired <= deadline:
                _top_up(spare, live, manifest, stop)
        while len(spares(out_dir)) < wanted and not stop():
            partial = builds_dir(out_dir) / f"{SPARE}{secrets.token_hex(3)}{PARTIAL}"
            link = _linker(stop, STOP_CHECK_FILES)
            try:
                shutil.copytree(live, partial, symlinks=True, copy_function=link)
            except _Stopped:
                # The update waits for this lock. What was copied is a spare too, a smaller one: at
                # 50,000 services a copy takes 7 s, and publishes a few seconds apart would otherwise
                # leave no spare at all (each update then links every file into a fresh folder).
                if _keep_partial_spare(partial, manifest, link.copied):
                    made += 1
                break
            except (OSError, shutil.Error):
                shutil.rmtree(partial, ignore_errors=True)  # e.g. the disk's inodes ran out: none then
                break
            final = finish_build(partial, manifest)
            os.utime(manifest_path(final), (0, 0))  # never served: no server can still answer from it
            made += 1
    return made


class _Stopped(Exception):
    """Work arrived while a spare was being copied."""


def _linker(stop, every: int):
    """os.link that asks `stop()` every `every` files: a copy takes 1.5 s at 10,000 services, and a
    publish arriving meanwhile should not wait for it. `link.copied` holds the files linked."""
    count = 0
    copied: set[str] = set()

    def link(source, target):
        nonlocal count
        count += 1
        if count % every == 0 and stop():
            raise _Stopped
        os.link(source, target)
        copied.add(target)

    link.copied = copied
    return link


def _top_up(spare: Path, live: Path, manifest: dict, stop) -> None:
    """Bring `spare` towards the live build while idle: link the live pages it lacks (a copy
    stopped part way, pages added since it was retired) and replace those that differ, so the
    update that recycles it has little left to do. Its manifest follows what it holds; its time
    (since when it is retired) is kept. Stops, keeping what it did, once `stop()` is true."""
    held = read_manifest(spare)
    pages = held.get("pages")
    if pages is None:
        return
    live_pages = manifest.get("pages", {})
    differing = [page for page, fingerprint in live_pages.items() if pages.get(page) != fingerprint]
    if not differing:
        return
    pages = dict(pages)
    made_dirs: set[Path] = set()
    for number, page in enumerate(differing):
        if number and number % STOP_CHECK_FILES == 0 and stop():
            break
        if pages.pop(page, None) is not None:
            unlink_with_copies(spare / page)  # its old version, or the part of it a stopped copy made
        if link_page(live, spare, page, made_dirs):
            pages[page] = live_pages[page]
    retired = manifest_path(spare).stat()
    write_manifest(spare, {**held, "pages": pages}, (retired.st_atime_ns, retired.st_mtime_ns))


def _keep_partial_spare(partial: Path, manifest: dict, copied: set[str]) -> bool:
    """Make a spare of a copy stopped part way; False (thrown away) when it holds no page.

    Its manifest lists every page it holds a file of, so that recycling takes out what it must:
    a page copied whole keeps its fingerprint; one copied in part (its .br or .gz missing) gets
    none that can match, so the update unlinks it and links or renders it anew. The pages not
    copied are linked from the live build like those of a fresh folder."""
    root = f"{os.fspath(partial)}/"
    have = {path[len(root) :] for path in copied}
    pages = {}
    for page, fingerprint in manifest.get("pages", {}).items():
        parts = [name in have for name in (page, *(f"{page}{suffix}" for suffix in COPIES))]
        if any(parts):
            pages[page] = fingerprint if all(parts) else ""
    if not pages:
        os.rename(partial, partial.with_name(f"{TRASH}{partial.name.removesuffix(PARTIAL)}"))
        return False
    final = finish_build(partial, {**manifest, "pages": pages})
    os.utime(manifest_path(final), (0, 0))  # never served: no server can still answer from it
    return True


def recycle_build(out_dir: Path, build: Path) -> tuple[Path, dict]:
    """Rename `build` to a new partial build; returns it and the manifest of what it holds.

    After the rename nothing can be served from it any more (its old paths are gone), and
    without its manifest it is no longer a build: if this build fails, it is thrown away.
    """
    manifest = read_manifest(build)
    partial = _new_partial(out_dir)
    os.rename(build, partial)
    manifest_path(build).unlink(missing_ok=True)
    return partial, manifest


def manifest_path(build: Path) -> Path:
    return build.parent / f"{build.name}.json"


def read_manifest(build: Path | None) -> dict:
    if build is None:
        return {}
    try:
        return json.loads(manifest_path(build).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(build: Path, manifest: dict, times_ns: tuple[int, int] | None = None) -> None:
    """Write `build`'s manifest in one rename; `times_ns` keeps the (atime, mtime) a spare's
    manifest had: its mtime is when the spare was retired."""
    path = manifest_path(build)
    temporary = path.with_name(f".link-{secrets.token_hex(4)}.json")
    temporary.write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
    if times_ns is not None:
        os.utime(temporary, ns=times_ns)
    os.replace(temporary, path)


def finish_build(partial: Path, manifest: dict) -> Path:
    final = partial.with_name(partial.name.removesuffix(PARTIAL))
    write_manifest(final, manifest)
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
    retiring = current_build(out_dir) if out_dir.is_symlink() else None
    if retiring is not None and retiring.name != build.name:
        # builds/.previous names the build served until now, before the switch: a static server
        # (deploy/nginx/santer.conf) answers from it the hashed files a page it just served needs.
        previous = builds_dir(out_dir) / f".link-{secrets.token_hex(4)}"
        os.symlink(retiring.name, previous)
        os.replace(previous, builds_dir(out_dir) / PREVIOUS)
    os.replace(link, out_dir)
    _fsync_dir(out_dir.parent)
    if retiring is not None and retiring.name != build.name:
        # Its manifest's time says since when no server should answer from it (recyclable_build).
        with contextlib.suppress(FileNotFoundError):
            os.utime(manifest_path(retiring))


def completed_builds(out_dir: Path) -> list[Path]:
    folder = builds_dir(out_dir)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir()
        and not p.is_symlink()  # builds/.previous
        and not p.name.endswith(PARTIAL)
        and not p.name.startswith((TRASH, ".link-"))
    )


def prune(out_dir: Path, keep: int = KEEP_BUILDS + SPARE_BUILDS) -> threading.Thread | None:
    """Retire builds older than the `keep` newest, and leftovers of crashed builds (we hold the lock).

    Retiring is a rename (instant); deleting 10k folders is slow on this kind of disk, so it
    happens in a background thread after the new build is live. The thread is not a daemon:
    a command waits for it before exiting; anything left over is removed by the next prune.
    """
    folder = builds_dir(out_dir)
    live = current_build(out_dir)
    for old in completed_builds(out_dir)[:-keep]:
        if live is None or old.name != live.name:
            manifest_path(old).unlink(missing_ok=True)
            os.rename(old, folder / f"{TRASH}{old.name}")
    for leftover in folder.glob(f"*{PARTIAL}"):
        os.rename(leftover, folder / f"{TRASH}{leftover.name}")
    for manifest in folder.glob("*.json"):  # of a build recycled by a run that then crashed
        if not manifest.with_suffix("").is_dir():
            manifest.unlink(missing_ok=True)
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
        target = rollback_target(out_dir)
        if target is None:
            raise FileNotFoundError(f"no previous build of {out_dir} to roll back to")
        switch(out_dir, target)
        if live is not None and live.parent == builds_dir(out_dir):
            # The rolled-back build must not come back as "newest" on the next rollback.
            shutil.rmtree(live, ignore_errors=True)
            manifest_path(live).unlink(missing_ok=True)
        return target


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
