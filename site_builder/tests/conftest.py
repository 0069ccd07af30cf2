"""A portal built once from the shared catalogue, for the page checks."""

import pytest

SITE_URL = "https://santer.samarindakota.go.id"


@pytest.fixture(scope="session")
def catalogue(shared_catalogue):
    return shared_catalogue


@pytest.fixture(scope="session")
def built(build_shared_portal):
    return build_shared_portal(SITE_URL, search=False)
