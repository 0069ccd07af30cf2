"""Through the real admin, as an OPD editor: its own OPD is editable, every other OPD is refused.

Each refusal is checked twice: the HTTP response, and the database left as it was.
"""

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.services.models import ServicePage

from .conftest import snapshot

pytestmark = pytest.mark.django_db


def service_form(page: ServicePage, **changes) -> dict:
    """The edit form's POST data for `page`, as the admin's page editor sends it."""
    data = {
        "title": page.title,
        "slug": page.slug,
        "summary": page.summary,
        "description": rich_text(page.description),
        "requirements": streamfield([("item", b.value) for b in page.requirements]),
        "steps": streamfield([("item", b.value) for b in page.steps]),
        "duration": page.duration,
        "cost": page.cost,
        "output": page.output,
        "legal_basis": streamfield([("item", b.value) for b in page.legal_basis]),
        "complaints": page.complaints,
        "channels": streamfield([(b.block_type, dict(b.value)) for b in page.channels]),
        "app": page.app_id or "",
        "deep_link": page.deep_link,
        "keywords": streamfield([("item", b.value) for b in page.keywords]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
    }
    m2m = {
        "categories": [c.pk for c in page.categories.all()],
        "life_events": [e.pk for e in page.life_events.all()],
    }
    m2m.update({k: changes.pop(k) for k in list(changes) if k in m2m})
    data.update(changes)
    return {**nested_form_data(data), **m2m}


def refused(response) -> bool:
    """Wagtail answers a refused admin action with 403 or a redirect to the dashboard plus a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def test_editor_edits_and_submits_own_service_for_review(editor_client, imported, reviewer, client):
    kk = imported["kk"]
    url = reverse("wagtailadmin_pages:edit", args=[kk.id])
    assert editor_client.get(url).status_code == 200

    response = editor_client.post(
        url, service_form(kk, cost="Gratis (tanpa pungutan)", **{"action-submit": "1"})
    )
    assert response.status_code == 302 and not refused(response)

    kk.refresh_from_db()
    assert kk.cost == "Gratis"  # still the published text: the change waits for review
    assert kk.has_unpublished_changes
    assert kk.get_latest_revision_as_object().cost == "Gratis (tanpa pungutan)"
    state = WorkflowState.objects.get(object_id=str(kk.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    assert state.workflow.name == "Tinjauan layanan"

    # The reviewer approves: the change goes live.
    client.force_login(reviewer)
    task_state = state.current_task_state
    approve = reverse("wagtailadmin_pages:workflow_action", args=[kk.id, "approve", task_state.id])
    response = client.post(approve, {"comment": ""})
    assert response.status_code in (200, 302)
    kk.refresh_from_db()
    assert kk.cost == "Gratis (tanpa pungutan)" and not kk.has_unpublished_changes


def test_editor_cannot_publish_even_own_service(editor_client, imported):
    kk = imported["kk"]
    url = reverse("wagtailadmin_pages:edit", args=[kk.id])
    response = editor_client.post(url, service_form(kk, cost="Rp 1.000.000", **{"action-publish": "1"}))
    assert response.status_code == 302
    kk.refresh_from_db()
    assert kk.get_latest_revision_as_object().cost == "Rp 1.000.000"  # kept as a draft…
    assert kk.cost == "Gratis" and kk.has_unpublished_changes  # …never published


def test_editor_cannot_edit_other_opds_service(editor_client, imported):
    pbg = imported["pbg"]
    url = reverse("wagtailadmin_pages:edit", args=[pbg.id])
    assert refused(editor_client.get(url))
    before = snapshot()
    response = editor_client.post(url, service_form(pbg, title="Diretas", **{"action-submit": "1"}))
    assert refused(response)
    assert snapshot() == before
    assert ServicePage.objects.get(pk=pbg.pk).get_latest_revision_as_object().title.startswith("Persetujuan")


def test_editor_cannot_publish_or_unpublish_other_opds_service(editor_client, imported):
    pbg = imported["pbg"]
    before = snapshot()
    url = reverse("wagtailadmin_pages:edit", args=[pbg.id])
    assert refused(editor_client.post(url, service_form(pbg, cost="Rp 0", **{"action-publish": "1"})))
    assert refused(editor_client.post(reverse("wagtailadmin_pages:unpublish", args=[pbg.id])))
    assert snapshot() == before
    assert ServicePage.objects.get(pk=pbg.pk).live


def test_editor_cannot_create_under_other_opd(editor_client, imported):
    other = imported["dpmptsp"]
    url = reverse("wagtailadmin_pages:add", args=["services", "servicepage", other.id])
    assert refused(editor_client.get(url))
    before = snapshot()
    data = service_form(imported["pbg"], title="Layanan Palsu", slug="layanan-palsu")
    assert refused(editor_client.post(url, data))
    assert snapshot() == before
    assert not ServicePage.objects.filter(slug="layanan-palsu").exists()


def test_editor_creates_a_draft_under_own_opd(editor_client, imported):
    own = imported["disdukcapil"]
    url = reverse("wagtailadmin_pages:add", args=["services", "servicepage", own.id])
    assert editor_client.get(url).status_code == 200
    data = service_form(imported["kk"], title="Kartu Identitas Anak", slug="kia", app="", deep_link="")
    response = editor_client.post(url, data)
    assert response.status_code == 302 and not refused(response)
    kia = ServicePage.objects.get(slug="kia")
    assert kia.get_parent().id == own.id and not kia.live


def test_editor_cannot_move_services_between_opds(editor_client, imported):
    before = snapshot()
    for page, target in ((imported["pbg"], imported["disdukcapil"]), (imported["kk"], imported["dpmptsp"])):
        url = reverse("wagtailadmin_pages:move_confirm", args=[page.id, target.id])
        assert refused(editor_client.post(url))
    assert snapshot() == before
    assert ServicePage.objects.get(slug="pbg").get_parent().slug == "dpmptsp"


def test_editor_cannot_delete_other_opds_or_live_services(editor_client, imported):
    before = snapshot()
    for page in (imported["pbg"], imported["kk"], imported["dpmptsp"]):
        assert refused(editor_client.post(reverse("wagtailadmin_pages:delete", args=[page.id])))
    assert snapshot() == before


def test_deep_link_validation_speaks_indonesian(editor_client, imported):
    akta = imported["akta"]
    url = reverse("wagtailadmin_pages:edit", args=[akta.id])
    cases = {
        "javascript:alert(1)": "Tautan langsung tidak aman",
        "data:text/html;base64,PHNjcmlwdD4=": "Tautan langsung tidak aman",
        "https://evil.example.com/akta": "harus berada di host aplikasinya (dafduk.samarindakota.go.id)",
    }
    for link, message in cases.items():
        response = editor_client.post(url, service_form(akta, deep_link=link))
        assert response.status_code == 200, link  # the form again, with the error
        assert message in response.content.decode(), link
    response = editor_client.post(
        url, service_form(akta, app="", deep_link="https://x.samarindakota.go.id/a")
    )
    assert "Tautan langsung memerlukan aplikasi" in response.content.decode()
    response = editor_client.post(url, service_form(akta, slug="KTP_El"))
    assert "Harus berupa slug: huruf kecil" in response.content.decode()
    response = editor_client.post(url, service_form(akta, slug="pbg"))
    assert "ID layanan &#x27;pbg&#x27; sudah dipakai layanan lain." in response.content.decode()
    assert ServicePage.objects.get(pk=akta.pk).latest_revision_id == akta.latest_revision_id


def test_editor_sees_only_own_opd_in_the_explorer(editor_client, imported):
    response = editor_client.get(reverse("wagtailadmin_explore", args=[imported["disdukcapil"].id]))
    assert response.status_code == 200
    assert "Penerbitan Kartu Keluarga" in response.content.decode()
    # Another OPD's listing sends the editor back to the part of the tree it may explore.
    response = editor_client.get(reverse("wagtailadmin_explore", args=[imported["dpmptsp"].id]), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "wagtailadmin_explore", args=[imported["disdukcapil"].id]
    )
    assert "Persetujuan Bangunan Gedung" not in response.content.decode()
