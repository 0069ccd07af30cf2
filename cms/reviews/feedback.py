"""Where the report reads citizens' "Tidak" answers ("Apakah informasi ini membantu?").

The page feedback lives in cms.feedback; until it records answers per service, this returns no
counts and the report's "Jawaban Tidak" column shows "–" for every service.
"""

from __future__ import annotations

from datetime import date


def not_helpful_counts(service_ids: list[str], since: date) -> dict[str, int]:
    """How many "Tidak" answers each service (by catalogue id) received since `since`."""
    return {}
