"""Faults lose nothing: the real publish worker killed (SIGKILL) at each point of a real update.

A throw-away site (its own database — SQLite, or PostgreSQL when DATABASE_URL names one —
data folder and PORTAL_DIR) is set up with real `manage.py` commands; editors publish from a
process of their own; the worker is the real `manage.py publish_worker --no-links` (what
`make run` starts). After each kill the live folder must still be a complete build, and a
restarted worker must bring the published change to the portal by itself.
"""

import signal
import time

import pytest

from .processes import Site, wait_until_stopped

# Every point of an update at which a kill leaves something different behind.
KILL_POINTS = ["claimed", "building", "built", "switching", "switched", "recorded"]
# Generous: a restart includes Django's start (8 s and more on a shared machine under load); the
# recovery times themselves are printed (-s).
RECOVERY_SECONDS = 90


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("faults"), "faults")
    try:
        site.set_up()
        yield site
    finally:
        site.tear_down()


@pytest.fixture(autouse=True)
def no_worker_left(request):
    """A failed test must not leave its worker running (it would hold the database for the next)."""
    yield
    if "site" in request.fixturenames:
        request.getfixturevalue("site").stop_workers()


def test_a_worker_killed_at_any_point_of_an_update_recovers_by_itself(site):
    worker = site.start_worker()
    site.publish("nib", "NIB awal")
    site.wait_until_live("nib", "NIB awal")  # the worker is up and has caught up
    site.stop_workers()

    recovered = {}
    for point in KILL_POINTS:
        title = f"Nomor Induk Berusaha ({point})"
        worker = site.start_worker(pause_at=point)
        site.publish("nib", title)
        wait_until_stopped(worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait()

        assert site.incomplete_pages() == [], point  # whatever the moment, the live site is whole
        live_now = site.page("nib")
        if point in ("claimed", "building", "built", "switching"):
            assert title not in live_now, point  # the previous build is still the live one
        runs_before = len(site.runs())

        started = time.monotonic()
        site.start_worker()
        recovered[point] = site.wait_until_live("nib", title, timeout=RECOVERY_SECONDS)
        assert site.incomplete_pages() == [], point
        if point != "claimed" and point != "recorded":
            # The admin's "Pembaruan portal" panel lists the cut-short update and why.
            errors = [error for status, error in site.runs()[: len(site.runs()) - runs_before + 1]]
            assert any("berhenti di tengah pembaruan" in e for e in errors), (point, site.runs()[:3])
        site.stop_workers()
        print(
            f"{point}: live {recovered[point]:.2f} s after the restart ({time.monotonic() - started:.2f} s)"
        )
    assert set(recovered) == set(KILL_POINTS)


def test_a_publishing_process_killed_after_its_commit_loses_nothing(site):
    site.start_worker()
    # Killed right after the commit: it never queued the portal update (or woke the worker).
    site.publish("pbg", "PBG terbit lalu proses mati", killed_after_commit=True)
    assert site.sql("SELECT count(*) FROM publishing_updaterequest")[0][0] == 1
    site.wait_until_live("pbg", "PBG terbit lalu proses mati", timeout=RECOVERY_SECONDS)
    runs = site.sql("SELECT reasons FROM publishing_publishrun ORDER BY started_at DESC, id DESC")
    assert runs[0][0].startswith("pemulihan: terbit:")
    site.stop_workers()


def test_a_worker_killed_while_idle_and_restarted_picks_up_a_publish_made_meanwhile(site):
    worker = site.start_worker()
    time.sleep(1)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    site.publish("akta-kelahiran", "Akta Kelahiran (saat pekerja mati)")
    assert "Akta Kelahiran (saat pekerja mati)" not in site.page("akta-kelahiran")
    site.start_worker()
    site.wait_until_live("akta-kelahiran", "Akta Kelahiran (saat pekerja mati)", timeout=RECOVERY_SECONDS)
    site.stop_workers()


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of a few megabytes (we may mount: tests run as root in CI); skipped where refused."""
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder, leave: int):
    """A file taking all but `leave` bytes of the file system that holds `folder`."""
    import os

    filler = folder / "filler"
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    with open(filler, "wb") as fh:
        fh.truncate(0)
        os.posix_fallocate(fh.fileno(), 0, max(free - leave, 0))
    return filler


def test_disk_full_during_a_build_keeps_the_live_site_and_the_retry_succeeds(tmp_path, small_disk):
    (tmp_path / "site").mkdir()
    site = Site(tmp_path / "site", "diskfull", portal=small_disk / "portal")
    try:
        site.set_up()
        site.start_worker()
        site.publish("nib", "NIB sebelum disk penuh")
        site.wait_until_live("nib", "NIB sebelum disk penuh")

        filler = fill(small_disk, leave=64 * 1024)
        site.publish("nib", "NIB saat disk penuh")
        deadline = time.monotonic() + RECOVERY_SECONDS
        while not (site.runs() and site.runs()[0][0] == "failed"):
            assert time.monotonic() < deadline, site.runs()[:2]
            time.sleep(0.05)
        status, error = site.runs()[0]
        assert error.startswith("Disk penuh"), error  # what the admin's panel shows, in Indonesian
        assert site.incomplete_pages() == []
        assert "NIB sebelum disk penuh" in site.page("nib")  # the last good build is still live
        time.sleep(2)  # retries meanwhile (PUBLISH_RETRY_SECONDS=1) fail the same way, harmlessly
        assert site.incomplete_pages() == []

        filler.unlink()  # the cause is gone: the worker's retry brings the change, nobody publishes
        site.wait_until_live("nib", "NIB saat disk penuh", timeout=RECOVERY_SECONDS)
        assert site.incomplete_pages() == []
    finally:
        site.tear_down()


def test_a_worker_started_while_the_database_is_locked_waits_and_then_works(site):
    """A worker (re)started during a backup or a long import must not die at start-up."""
    if site.is_postgres:
        pytest.skip("PostgreSQL waits for locks without a timeout (no lock_timeout is set): SQLite only")
    import sqlite3

    site.env["DATABASE_LOCK_TIMEOUT_SECONDS"] = "1"
    try:
        lock = sqlite3.connect(site.folder / "db.sqlite3", isolation_level=None, timeout=30)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            worker = site.start_worker()
            deadline = time.monotonic() + 60
            while "database error, retrying" not in site.worker_log():
                assert worker.poll() is None, site.worker_log()
                assert time.monotonic() < deadline, site.worker_log()
                time.sleep(0.1)
            time.sleep(2)  # two more retries
            assert worker.poll() is None, site.worker_log()
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        title = "Kartu Keluarga setelah basis data terbuka"
        site.publish("kartu-keluarga", title)
        site.wait_until_live("kartu-keluarga", title, timeout=RECOVERY_SECONDS)
        assert worker.poll() is None
    finally:
        site.stop_workers()
        site.env["DATABASE_LOCK_TIMEOUT_SECONDS"] = "30"


def test_a_database_locked_longer_than_its_timeout_delays_the_update_and_says_so(site):
    if site.is_postgres:
        pytest.skip("PostgreSQL waits for locks without a timeout (no lock_timeout is set): SQLite only")
    import sqlite3

    site.env["DATABASE_LOCK_TIMEOUT_SECONDS"] = "1"
    site.env["PUBLISH_DEBOUNCE_SECONDS"] = "2"
    try:
        logged = len(site.worker_log(chars=10**9))
        site.start_worker()
        while "queues portal" not in site.worker_log(chars=10**9)[logged:]:  # started, not starting
            assert site.workers[-1].poll() is None, site.worker_log()
            time.sleep(0.05)
        site.wait_until_live("nib", "")  # idle and caught up
        publishing = site.publish("kartu-keluarga", "Kartu Keluarga saat basis data terkunci", wait=False)
        lock = sqlite3.connect(site.folder / "db.sqlite3", isolation_level=None, timeout=30)
        queued = (
            "SELECT count(*) FROM django_tasks_database_dbtaskresult"
            " WHERE queue_name = 'portal' AND status = 'READY'"
        )
        while not lock.execute(queued).fetchone()[0]:  # the update is queued, its quiet period not over
            assert publishing.poll() in (None, 0)
            time.sleep(0.01)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            time.sleep(4)  # four times the timeout
            assert site.incomplete_pages() == []
            assert "saat basis data terkunci" not in site.page("kartu-keluarga")
            # The worker waits it out, it does not die.
            assert site.workers[-1].poll() is None, site.worker_log()
        finally:
            lock.execute("ROLLBACK")
            lock.close()
            publishing.wait(60)
        site.wait_until_live(
            "kartu-keluarga", "Kartu Keluarga saat basis data terkunci", timeout=RECOVERY_SECONDS
        )
        status, error = site.runs()[0]
        assert status == "succeeded"
        assert "Basis data terkunci lebih lama dari batas waktu" in error and "Tertunda" in error, error
    finally:
        site.stop_workers()
        site.env["DATABASE_LOCK_TIMEOUT_SECONDS"] = "30"
        site.env["PUBLISH_DEBOUNCE_SECONDS"] = "0.2"
