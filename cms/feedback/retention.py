"""How long citizens' comments are kept: FEEDBACK_COMMENT_RETENTION_DAYS after the day they were written.

A comment is free text from a citizen; even scrubbed, keeping it for ever is more than its purpose
(an OPD reads it and acts) needs. The daily yes/no counts carry no text and are kept. Expired
comments are deleted by `manage.py purge_feedback` and, so that nobody has to schedule it, by the
first stored answer of each day in every server process.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError

from . import aggregate
from .models import PageComment

logger = logging.getLogger(__name__)
_last_purge: date | None = None
_lock = threading.Lock()


def cutoff(today: date) -> date | None:
    """Comments written before this day have expired; None: kept for ever (retention 0)."""
    days = settings.FEEDBACK_COMMENT_RETENTION_DAYS
    return today - timedelta(days=days) if days > 0 else None


def purge_expired_comments(today: date | None = None) -> int:
    """Delete the expired comments; returns how many."""
    before = cutoff(today or aggregate.today())
    if before is None:
        return 0
    deleted, _ = PageComment.objects.filter(day__lt=before).delete()
    return deleted


def purge_once_a_day() -> None:
    """purge_expired_comments, at most once per day in this process. The citizen's answer is
    stored already: a failed purge (a locked database) is logged and tried with the next answer."""
    global _last_purge
    today = aggregate.today()
    with _lock:
        if _last_purge == today:
            return
        _last_purge = today
    try:
        purge_expired_comments(today)
    except DatabaseError:
        logger.exception("page feedback: deleting expired comments failed")
        with _lock:
            _last_purge = None
