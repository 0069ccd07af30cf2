"""Fixtures shared by the whole suite."""

from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent
SHARED_CATALOGUE = PROJECT_DIR.parent / "shared" / "catalogue" / "samarinda"
CONTENT_DIR = PROJECT_DIR / "content"


@pytest.fixture(scope="session")
def shared_catalogue_dir() -> Path:
    """../shared/catalogue/samarinda: a user's clone has no ../shared, so tests skip then (CI has it)."""
    if not (SHARED_CATALOGUE / "services.json").is_file():
        pytest.skip(f"shared catalogue not found at {SHARED_CATALOGUE} (only in the team's checkout and CI)")
    return SHARED_CATALOGUE


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """The admin renders static URLs; the manifest storage needs collectstatic, which tests do not run."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
