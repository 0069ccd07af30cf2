"""Journeys and store links through the CMS: content/ in, the same files out; unpublished steps drop out."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cms.services.exporting import published_catalogue
from cms.services.models import LifeEvent, ServicePage

CONTENT = Path(__file__).resolve().parents[3] / "content"


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.json"))}


@pytest.mark.django_db
def test_demo_content_round_trips_byte_identical_with_its_journeys(tmp_path):
    call_command("import_catalogue", str(CONTENT), verbosity=0)
    event = LifeEvent.objects.get(slug="kelahiran-anak")
    assert [block.value["services"][0].slug for block in event.steps][:2] == [
        "akta-kelahiran",
        "kartu-keluarga",
    ]
    call_command("export_content", "--out", str(tmp_path / "out"), verbosity=0)
    exported = files(tmp_path / "out")
    assert exported == files(CONTENT)
    before = list(LifeEvent.objects.get(slug="kelahiran-anak").steps.raw_data)
    call_command("import_catalogue", str(tmp_path / "out"), verbosity=0)  # nothing to change
    assert list(LifeEvent.objects.get(slug="kelahiran-anak").steps.raw_data) == before
    call_command("export_content", "--out", str(tmp_path / "again"), verbosity=0)
    assert files(tmp_path / "again") == exported


@pytest.mark.django_db
def test_an_unpublished_service_leaves_the_live_journey():
    call_command("import_catalogue", str(CONTENT), verbosity=0)
    ServicePage.objects.get(slug="kartu-keluarga").unpublish()
    steps = published_catalogue().life_events["kelahiran-anak"].steps
    assert [s.services for s in steps] == [
        ("akta-kelahiran",),
        ("kartu-identitas-anak",),
        ("imunisasi-rutin-anak",),
    ]


@pytest.mark.django_db
def test_a_step_naming_a_missing_service_aborts_the_import_naming_file_event_and_step(tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(CONTENT, folder)
    path = folder / "life-events" / "menikah.json"
    path.write_text(path.read_text().replace('"akta-perkawinan"', '"akta-perkawinan-lama"', 1))
    with pytest.raises(CommandError) as caught:
        call_command("import_catalogue", str(folder), verbosity=0)
    message = str(caught.value)
    assert "life-events/menikah.json" in message and "'menikah'" in message and "steps[2]" in message
    assert not LifeEvent.objects.exists()  # nothing half-written


@pytest.mark.django_db
def test_editors_curate_the_journey_and_store_links_in_the_admin(client):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from cms.services.models import App
    from cms.services.setup import REVIEWERS_GROUP

    call_command("import_catalogue", str(CONTENT), verbosity=0)
    reviewer = get_user_model().objects.create_user("reviewer-journeys", password="pw-reviewer-journeys")
    reviewer.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    client.force_login(reviewer)
    event = LifeEvent.objects.get(slug="kelahiran-anak")
    edit = client.get(reverse("wagtailsnippets_services_lifeevent:edit", args=[event.pk]))
    assert edit.status_code == 200
    html = edit.content.decode()
    assert "Langkah perjalanan" in html and "Mengapa langkah ini" in html

    app = App.objects.get(slug="adminduk-online")
    url = reverse("wagtailsnippets_services_app:edit", args=[app.pk])
    form = {
        "name": app.name,
        "slug": app.slug,
        "opd": app.opd_id,
        "base_url": app.base_url,
        "platforms": ["web", "android"],
        "play_store_url": "https://evil.example.com/store/apps/details?id=x",
        "app_store_url": "",
        "description": app.description,
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "Tautan toko aplikasi harus berada di play.google.com" in (
        refused.content.decode()
    )
    form["play_store_url"] = "https://play.google.com/store/apps/details?id=id.go.samarindakota.dafduk"
    assert client.post(url, form).status_code == 302
    app.refresh_from_db()
    assert app.play_store_url.endswith("id.go.samarindakota.dafduk")
