# The small imported catalogue and its users (cms/services/tests/conftest.py).
from cms.services.tests.conftest import (  # noqa: F401
    editor,
    editor_client,
    imported,
    reviewer,
    small_catalogue_data,
    small_catalogue_dir,
)
