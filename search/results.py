"""One search result, the same from every backend (Elasticsearch, the Python twin of the static
search): what /api/search answers for each service found."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class SearchResult:
    id: str
    title: str
    summary: str
    opd: str
    categories: list[str]
    score: float
    title_html: str | None = None  # the title with the matched words in <mark> (HTML-escaped)
    snippet_html: str | None = None  # the summary, likewise
    opd_name: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
