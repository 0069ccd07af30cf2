"""Editors preview a service page in Wagtail exactly as the portal will render it."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cms.publishing.queue import PORTAL_QUEUE
from cms.publishing.tests.test_pipeline import page_html
from cms.publishing.worker import run_ready
from cms.services.models import OpdPage, ServicePage
from cms.services.setup import ensure_editor_group
from cms.services.tests.test_admin_permissions import service_form


@pytest.fixture
def editor_client(imported, client):
    run_ready(PORTAL_QUEUE)  # the live portal exists: the preview uses its stylesheet
    editor = get_user_model().objects.create_user("editor-capil", password="x")
    editor.groups.add(ensure_editor_group(OpdPage.objects.get(slug="disdukcapil")))
    client.force_login(editor)
    return client


def preview(client, page, **changes) -> str:
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.id])
    answer = client.post(url, service_form(page, **changes))
    assert json.loads(answer.content)["is_valid"], answer.content
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_preview_is_the_portal_page_with_the_draft_in_it(
    editor_client, imported, django_capture_on_commit_callbacks
):
    page = ServicePage.objects.get(slug="ktp-el-pemula")
    live_before = page_html(imported, "ktp-el-pemula")
    html = preview(editor_client, page, title="KTP-el Pemula (draf)", cost="Tanpa biaya")

    assert "<h1>KTP-el Pemula (draf)</h1>" in html and "Tanpa biaya" in html
    assert 'data-deep-link href="https://dafduk.samarindakota.go.id/layanan/ktp-el-pemula"' in html
    json_ld = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(json_ld)
    assert data["@type"] == "GovernmentService" and data["name"] == "KTP-el Pemula (draf)"
    assert data["availableChannel"][0]["serviceUrl"].endswith("/layanan/ktp-el-pemula")
    # Same stylesheet as the live portal, and the draft is not on the portal.
    css = live_before.split('rel="stylesheet" href="')[1].split('"')[0]
    assert f'href="{css}"' in html
    assert page_html(imported, "ktp-el-pemula") == live_before

    # Once published, the portal serves exactly the page the editor previewed.
    with django_capture_on_commit_callbacks(execute=True):
        page.title, page.cost = "KTP-el Pemula (draf)", "Tanpa biaya"
        page.save_revision().publish()
    run_ready(PORTAL_QUEUE)
    assert page_html(imported, "ktp-el-pemula") == html
