"""What migrate and setup_demo leave behind: the tree, the groups, the workflow, the demo logins."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import GroupPagePermission, Site, Workflow

from cms.services.models import App, CatalogueIndexPage, OpdPage
from cms.services.setup import REVIEWERS_GROUP, WORKFLOW_NAME, catalogue_root, ensure_catalogue_setup

pytestmark = pytest.mark.django_db


def test_migrate_sets_up_root_site_reviewers_and_workflow():
    root = CatalogueIndexPage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == root.id
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    assert root.get_workflow() == workflow
    task = workflow.tasks.get().specific
    assert list(task.groups.all()) == [Group.objects.get(name=REVIEWERS_GROUP)]
    granted = {p.permission.codename for p in GroupPagePermission.objects.filter(group=task.groups.get())}
    assert "publish_page" in granted

    ensure_catalogue_setup()  # idempotent
    assert (
        CatalogueIndexPage.objects.count() == 1 and Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1
    )


def test_no_group_has_rights_over_the_whole_tree(django_user_model):
    # Wagtail's own "Editors"/"Moderators" groups (rights on the tree root) are gone after migrate,
    # so an OPD editor cannot be put, by mistake, in a group that edits every OPD's pages.
    assert not Group.objects.filter(name__in=["Editors", "Moderators"]).exists()
    tree_root = CatalogueIndexPage.objects.get().get_parent()
    assert not GroupPagePermission.objects.filter(page=tree_root).exists()
    # A default group someone is a member of was chosen by an admin: set-up leaves it.
    chosen = Group.objects.create(name="Editors")
    django_user_model.objects.create_user("kepala-dinas").groups.add(chosen)
    ensure_catalogue_setup()
    assert Group.objects.filter(name="Editors").exists()


def test_opd_created_in_admin_gets_an_editor_group(admin_client):
    url = reverse("wagtailadmin_pages:add", args=["services", "opdpage", catalogue_root().id])
    data = {
        "title": "Dinas Perhubungan Kota Samarinda",
        "slug": "dishub",
        "short_name": "Dishub",
        "kind": "dinas",
        "address": "",
        "phone": "",
        "website": "https://dishub.samarindakota.go.id",
        "description": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    opd = OpdPage.objects.get(slug="dishub")
    group = Group.objects.get(name="Editor Dishub")
    assert {p.permission.codename for p in GroupPagePermission.objects.filter(group=group, page=opd)} == {
        "add_page",
        "change_page",
    }
    assert not GroupPagePermission.objects.filter(group=group).exclude(page=opd).exists()


def test_opd_website_must_be_https(admin_client):
    url = reverse("wagtailadmin_pages:add", args=["services", "opdpage", catalogue_root().id])
    response = admin_client.post(
        url,
        {"title": "Dinas X", "slug": "dinas-x", "short_name": "X", "kind": "dinas", "website": "http://x.id"},
    )
    assert response.status_code == 200
    assert "URL harus diawali https://" in response.content.decode()
    assert not OpdPage.objects.filter(slug="dinas-x").exists()


def test_setup_demo_is_idempotent(imported, rf):
    call_command("setup_demo", verbosity=0)
    call_command("setup_demo", verbosity=0)
    login = rf.post("/admin/login/")  # the login throttle (django-axes) authenticates a request
    assert authenticate(login, username="admin", password="santer-demo").is_superuser
    reviewer = authenticate(login, username="reviewer", password="santer-demo")
    assert list(reviewer.groups.values_list("name", flat=True)) == [REVIEWERS_GROUP]
    editor = authenticate(login, username="editor-disdukcapil", password="santer-demo")
    assert list(editor.groups.values_list("name", flat=True)) == ["Editor Disdukcapil"]
    assert not editor.is_superuser and not editor.is_staff


@pytest.mark.django_db(transaction=True)
def test_set_up_again_after_a_flushed_database():
    """Transactional tests flush every table; post_migrate must rebuild the tree and the workflow."""
    call_command("flush", "--no-input", verbosity=0)
    root = CatalogueIndexPage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == root.id
    assert root.get_workflow().name == WORKFLOW_NAME


def test_reviewers_curate_apps_and_editors_cannot(client, imported, reviewer, editor):
    client.force_login(reviewer)
    response = client.get("/admin/snippets/services/app/?q=dafduk")
    assert response.status_code == 200
    assert "Dafduk Online" in response.content.decode() and "SIMBG" not in response.content.decode()
    assert client.get("/admin/snippets/services/category/").status_code == 200

    client.force_login(editor)
    response = client.get("/admin/snippets/services/app/")
    assert response.status_code in (302, 403) and "Dafduk Online" not in response.content.decode()


def test_deleting_an_opd_removes_its_editor_group(imported, editor):
    for page in imported["disdukcapil"].get_children():
        page.delete()
    App.objects.filter(opd__slug="disdukcapil").delete()
    OpdPage.objects.get(slug="disdukcapil").delete()
    assert not Group.objects.filter(name="Editor Disdukcapil").exists()
    assert not editor.groups.exists()
    assert Group.objects.filter(name="Editor DPMPTSP").exists()


def test_admin_refuses_deletions_that_would_break_references(admin_client, imported):
    opd = imported["dpmptsp"]
    response = admin_client.post(reverse("wagtailadmin_pages:delete", args=[opd.id]), follow=True)
    assert "masih tercatat milik OPD ini" in response.content.decode()
    assert OpdPage.objects.filter(pk=opd.pk).exists()

    simbg = App.objects.get(slug="simbg")
    response = admin_client.post(reverse("wagtailsnippets_services_app:delete", args=[simbg.pk]), follow=True)
    assert "masih dipakai layanan Persetujuan Bangunan Gedung (PBG)" in response.content.decode()
    assert App.objects.filter(pk=simbg.pk).exists()

    # Once nothing refers to them, both go.
    imported["pbg"].delete()
    response = admin_client.post(reverse("wagtailsnippets_services_app:delete", args=[simbg.pk]))
    assert response.status_code == 302 and not App.objects.filter(pk=simbg.pk).exists()
    response = admin_client.post(reverse("wagtailadmin_pages:delete", args=[opd.id]))
    assert response.status_code == 302 and not OpdPage.objects.filter(pk=opd.pk).exists()


def test_reviewer_adds_an_app_in_the_admin(client, imported, reviewer):
    client.force_login(reviewer)
    url = reverse("wagtailsnippets_services_app:add")
    data = {
        "name": "Dishub Online",
        "slug": "dishub-online",
        "opd": imported["dpmptsp"].pk,
        "base_url": "http://dishub.samarindakota.go.id",
        "platforms": ["web", "android"],
        "description": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "URL harus diawali https://" in response.content.decode()
    assert not App.objects.filter(slug="dishub-online").exists()

    response = client.post(url, {**data, "base_url": "https://dishub.samarindakota.go.id"})
    assert response.status_code == 302
    app = App.objects.get(slug="dishub-online")
    assert app.platforms == ["web", "android"] and app.opd.slug == "dpmptsp"
