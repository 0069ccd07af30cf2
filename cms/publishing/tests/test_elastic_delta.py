"""The Elasticsearch delta: which documents a change touches; the live part needs a server."""

import dataclasses
import os

import pytest

from cms.publishing.elastic_delta import changed_services
from cms.publishing.tests.fixtures import small_catalogue


def test_only_changed_services_and_those_showing_a_changed_record_are_reindexed():
    before = small_catalogue()
    after = dataclasses.replace(
        before,
        services=dict(before.services),
        apps=dict(before.apps),
    )
    after.services["nib"] = dataclasses.replace(before.services["nib"], title="NIB baru")
    del after.services["akta-kelahiran"]
    after.apps["dafduk-online"] = dataclasses.replace(before.apps["dafduk-online"], name="Dafduk 2")
    upsert, remove = changed_services(before, after)
    assert upsert == {"nib", "ktp-el-pemula", "kartu-keluarga"}  # the two services of the renamed app
    assert remove == {"akta-kelahiran"}
    assert changed_services(after, after) == (set(), set())


@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="no Elasticsearch server (ELASTICSEARCH_URL unset)"
)
def test_publish_updates_the_elasticsearch_document(imported, settings, django_capture_on_commit_callbacks):
    from cms.publishing.queue import PORTAL_QUEUE
    from cms.publishing.worker import run_ready
    from cms.services.models import ServicePage
    from search import elastic

    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.ELASTICSEARCH_INDEX = "santer-test-publishing"
    run_ready(PORTAL_QUEUE)  # first run: full load
    page = ServicePage.objects.get(slug="nib")
    with django_capture_on_commit_callbacks(execute=True):
        page.title = "Nomor Induk Berusaha (OSS)"
        page.save_revision().publish()
    run_ready(PORTAL_QUEUE)
    client = elastic.connect(settings.ELASTICSEARCH_URL)
    doc = client.get(index=settings.ELASTICSEARCH_INDEX, id="nib")
    assert doc["_source"]["title"] == "Nomor Induk Berusaha (OSS)"
