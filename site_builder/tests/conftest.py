"""A portal built once from the shared catalogue, for the page checks."""

import pytest

from catalogue import load_catalogue
from site_builder import build_portal

SITE_URL = "https://santer.samarindakota.go.id"


@pytest.fixture(scope="session")
def catalogue(shared_catalogue_dir):
    return load_catalogue(shared_catalogue_dir)


@pytest.fixture(scope="session")
def built(catalogue, tmp_path_factory):
    out = tmp_path_factory.mktemp("portal") / "portal"
    build_portal(catalogue, out, SITE_URL, search=False)
    return out
