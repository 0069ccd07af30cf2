"""`manage.py publish_worker --no-links`, stopping itself (SIGSTOP) at one point of a portal update.

    python cms/publishing/tests/paused_worker.py POINT

The test then kills it with SIGKILL: a real worker process, cut at a known point. Points:
claimed (the task is claimed, nothing done), building (the new build half-written), built
(complete but not live), switching (the new link made, not yet renamed over the live one),
switched (live, not yet recorded), recorded (the update recorded, the task not yet finished).
"""

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")


def pause() -> None:
    os.kill(os.getpid(), signal.SIGSTOP)  # the test SIGKILLs the stopped process


def before(module, name: str, when=lambda *args, **kwargs: True) -> None:
    original = getattr(module, name)

    def paused(*args, **kwargs):
        if when(*args, **kwargs):
            pause()
        return original(*args, **kwargs)

    setattr(module, name, paused)


def after(module, name: str) -> None:
    original = getattr(module, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        pause()
        return result

    setattr(module, name, paused)


def main(point: str) -> None:
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from cms.publishing import queue
    from site_builder import build, publish

    portal = Path(os.environ["PORTAL_DIR"]).absolute()
    if point == "claimed":
        before(queue, "fold_pending")
    elif point == "building":
        before(build, "run_pelican")
    elif point == "built":
        before(publish, "switch")
    elif point == "switching":
        before(os, "replace", when=lambda src, dst, *a, **k: Path(dst).absolute() == portal)
    elif point == "switched":
        after(publish, "_fsync_dir")
    elif point == "recorded":
        before(DBTaskResult, "set_successful", when=lambda task, *a, **k: task.queue_name == "portal")
    else:
        raise SystemExit(f"unknown point {point!r}")

    from django.core.management import call_command

    call_command("publish_worker", "--no-links")


if __name__ == "__main__":
    main(sys.argv[1])
