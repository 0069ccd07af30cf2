"""A small catalogue imported into the CMS, a throw-away PORTAL_DIR and a queue without delay."""

import pytest

from cms.links.tests.servers import app_server  # noqa: F401 - a fixture (local test server)

from .fixtures import small_catalogue


@pytest.fixture
def portal_settings(settings, tmp_path):
    settings.PORTAL_DIR = tmp_path / "portal"
    settings.SITE_URL = "https://santer.example"
    settings.PUBLISH_DEBOUNCE_SECONDS = 0
    settings.PUBLISH_MAX_WAIT_SECONDS = 0
    return settings


@pytest.fixture
def imported(db, portal_settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from cms.publishing import runner
    from cms.publishing.models import UpdateRequest
    from cms.publishing.queue import PORTAL_QUEUE
    from cms.services.importing import import_catalogue

    runner._live.__init__()  # a fresh worker process: nothing remembered from other tests
    # `migrate` set up the catalogue root and so asked for an update of a portal that is not ours.
    DBTaskResult.objects.filter(queue_name=PORTAL_QUEUE).delete()
    UpdateRequest.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        import_catalogue(small_catalogue())
    return portal_settings
