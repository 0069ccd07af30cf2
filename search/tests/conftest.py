"""Fixtures for the search tests: one analyzer and one index of the shared catalogue per session."""

from pathlib import Path

import pytest

from search.analysis import Analyzer, Dictionary
from search.query import StaticSearcher
from search.static_index import build_index

TESTS_DIR = Path(__file__).resolve().parent
EXTRA_QUERIES = TESTS_DIR / "queries-extra.json"


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="session")
def city_analyzer(shared_catalogue) -> Analyzer:
    """The base dictionary with the city's vocabulary (content/search/) on top."""
    return Analyzer(Dictionary.load().with_vocabulary(shared_catalogue.search_terms.values()))


@pytest.fixture(scope="session")
def shared_index(shared_catalogue, city_analyzer):
    return build_index(shared_catalogue, city_analyzer)


@pytest.fixture(scope="session")
def searcher(shared_index) -> StaticSearcher:
    return StaticSearcher(shared_index.files)
