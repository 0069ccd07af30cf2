"""Who published what and when, per OPD, from Wagtail's own page log."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.actions.delete_page import DeletePageAction

from cms.services.models import OpdPage, ServicePage
from cms.services.setup import REVIEWERS_GROUP, ensure_editor_group

AUDIT = "/admin/reports/penerbitan/"


@pytest.fixture
def history(imported):
    users = get_user_model().objects
    # Reviewers publish (editors submit to the workflow).
    siti = users.create_user("siti", password="x", first_name="Siti", last_name="Aminah")
    budi = users.create_user("budi", password="x", first_name="Budi", last_name="Santoso")
    for user in (siti, budi):
        user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    for slug, user, title in (
        ("ktp-el-pemula", siti, "KTP-el untuk warga baru"),
        ("pbg", budi, "PBG terbaru"),
    ):
        page = ServicePage.objects.get(slug=slug)
        page.title = title
        page.save_revision(user=user).publish(user=user)
    ServicePage.objects.get(slug="nib").unpublish(user=budi)
    # Deleted through Wagtail's own action (what the admin's "Hapus" does), one per OPD.
    for slug, user in (("kartu-keluarga", siti), ("nib", budi)):
        DeletePageAction(ServicePage.objects.get(slug=slug), user=user).execute(skip_permission_checks=True)
    return imported


def test_superuser_sees_every_publication_with_who_and_which_opd(history, client, admin_user):
    client.force_login(admin_user)
    html = client.get(AUDIT).content.decode()
    assert "Riwayat penerbitan" in html
    assert "KTP-el untuk warga baru" in html and "Siti Aminah" in html
    assert "PBG terbaru" in html and "Budi Santoso" in html
    assert "Ditarik dari portal" in html
    assert "Dinas Penanaman Modal dan PTSP" in html  # the OPD column

    only_dpmptsp = client.get(AUDIT, {"opd": "dpmptsp"}).content.decode()
    assert "PBG terbaru" in only_dpmptsp and "KTP-el untuk warga baru" not in only_dpmptsp


def test_deletions_keep_their_opd(history, client, admin_user):
    client.force_login(admin_user)
    deletions = client.get(AUDIT, {"action": "wagtail.delete"}).content.decode()
    assert "Penerbitan Kartu Keluarga" in deletions and "Dinas Kependudukan" in deletions
    only_capil = client.get(AUDIT, {"action": "wagtail.delete", "opd": "disdukcapil"}).content.decode()
    assert "Penerbitan Kartu Keluarga" in only_capil and "Nomor Induk Berusaha" not in only_capil


def test_an_opd_editor_sees_only_their_opds_entries(history, client):
    editor = get_user_model().objects.create_user("editor-capil", password="x")
    editor.groups.add(ensure_editor_group(OpdPage.objects.get(slug="disdukcapil")))
    client.force_login(editor)
    response = client.get(AUDIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "KTP-el untuk warga baru" in html and "Siti Aminah" in html
    assert "Penerbitan Kartu Keluarga" in html  # their OPD's deleted page, which Wagtail alone hides
    assert "PBG terbaru" not in html and "Budi Santoso" not in html
    assert "Nomor Induk Berusaha" not in html  # another OPD's deleted page
    # Asking for another OPD shows nothing of it.
    assert "PBG terbaru" not in client.get(AUDIT, {"opd": "dpmptsp"}).content.decode()
