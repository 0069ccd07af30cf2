"""Last reviewed dates: set by publishing and by "Masih benar", kept by the importer, reported per OPD."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from wagtail.models import PageLogEntry, Revision

from catalogue import load_catalogue
from cms.feedback.models import PageFeedbackDay
from cms.links.models import LinkStatus
from cms.publishing.models import UpdateRequest
from cms.reviews.actions import ACTION
from cms.services.exporting import published_catalogue
from cms.services.models import ServicePage
from cms.services.reviews import today
from cms.services.setup import ensure_editor_group

LONG_AGO = date(2024, 1, 15)

pytestmark = pytest.mark.django_db


def make_overdue(page: ServicePage, day: date = LONG_AGO) -> None:
    ServicePage.objects.filter(pk=page.pk).update(last_reviewed=day)


def user_in(opd, name: str):
    user = get_user_model().objects.create_user(name, password=f"pw-{name}")
    user.groups.add(ensure_editor_group(opd))
    return user


def test_publishing_a_change_counts_as_a_review(imported):
    akta = imported["akta"]
    make_overdue(akta)
    page = ServicePage.objects.get(pk=akta.pk)
    page.summary = "Ringkasan baru."
    page.save_revision().publish()
    assert ServicePage.objects.get(pk=akta.pk).last_reviewed == today()
    assert published_catalogue().services["akta-kelahiran"].reviewed == today().isoformat()


def test_import_keeps_the_review_dates_of_the_files(imported, tmp_path):
    out = tmp_path / "content"
    call_command("export_content", "--out", str(out), verbosity=0)
    path = out / "services" / "pbg.json"
    record = json.loads(path.read_text())
    record["reviewed"] = "2025-02-03"
    record["summary"] = "Ringkasan yang diubah."  # published by the import: still the file's date
    path.write_text(json.dumps(record), encoding="utf-8")
    kk = out / "services" / "kartu-keluarga.json"
    record = json.loads(kk.read_text())
    record["reviewed"] = "2024-12-31"  # only the date changed
    kk.write_text(json.dumps(record), encoding="utf-8")

    call_command("import_catalogue", str(out), verbosity=0)
    services = published_catalogue().services
    assert services["pbg"].reviewed == "2025-02-03" and services["pbg"].summary == "Ringkasan yang diubah."
    assert services["kartu-keluarga"].reviewed == "2024-12-31"
    assert ServicePage.objects.get(slug="pbg").last_reviewed == date(2025, 2, 3)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("12-03-2026", "bukan tanggal: tulis sebagai YYYY-MM-DD"),
        ("2026-02-30", "bukan tanggal yang ada di kalender"),
    ],
)
def test_a_bad_review_date_fails_the_import_naming_file_record_and_field(imported, tmp_path, value, problem):
    out = tmp_path / "content"
    call_command("export_content", "--out", str(out), verbosity=0)
    path = out / "services" / "pbg.json"
    record = json.loads(path.read_text())
    record["reviewed"] = value
    record["summary"] = "Tidak boleh tersimpan."
    path.write_text(json.dumps(record), encoding="utf-8")
    before = ServicePage.objects.get(slug="pbg").last_reviewed

    with pytest.raises(CommandError) as failure:
        call_command("import_catalogue", str(out), verbosity=0)
    message = str(failure.value)
    assert "Impor dibatalkan, basis data tidak diubah" in message
    assert "services/pbg.json" in message and "'pbg'" in message and "'reviewed'" in message
    assert problem in message
    page = ServicePage.objects.get(slug="pbg")
    assert page.last_reviewed == before and page.summary != "Tidak boleh tersimpan."


def test_still_correct_records_the_review_audits_it_and_updates_the_portal(imported, editor_client, editor):
    akta = imported["akta"]
    make_overdue(akta)
    draft = ServicePage.objects.get(pk=akta.pk)
    draft.summary = "Draf yang belum terbit."
    draft.save_revision()  # a draft in progress must stay a draft
    revisions = Revision.objects.count()
    UpdateRequest.objects.all().delete()
    connection.run_on_commit = []  # as after the import's commit (a test never commits)

    question = editor_client.get(reverse("reviews_confirm", args=[akta.pk]))
    assert question.status_code == 200 and "Ya, masih benar" in question.content.decode()
    assert "draf yang belum terbit" in question.content.decode()
    answer = editor_client.post(reverse("reviews_confirm", args=[akta.pk]), {"next": "/admin/"})
    assert answer.status_code == 302 and answer["Location"] == "/admin/"

    page = ServicePage.objects.get(pk=akta.pk)
    assert page.last_reviewed == today()
    assert page.has_unpublished_changes and page.summary != "Draf yang belum terbit."
    assert Revision.objects.count() == revisions
    entry = PageLogEntry.objects.filter(page=akta, action=ACTION).get()
    assert entry.user == editor and entry.data["previous"] == LONG_AGO.isoformat()
    assert UpdateRequest.objects.filter(reason__contains="masih benar").exists()
    assert published_catalogue().services["akta-kelahiran"].reviewed == today().isoformat()
    history = editor_client.get(reverse("wagtailadmin_pages:history", args=[akta.pk])).content.decode()
    assert "Isi diperiksa dan dinyatakan masih benar" in history


def test_another_opds_editor_cannot_confirm(imported, editor_client):
    pbg = imported["pbg"]  # DPMPTSP's, not the editor's
    make_overdue(pbg)
    answer = editor_client.post(reverse("reviews_confirm", args=[pbg.pk]), follow=True)
    assert "tidak memiliki izin" in answer.content.decode()
    assert ServicePage.objects.get(pk=pbg.pk).last_reviewed == LONG_AGO
    assert not PageLogEntry.objects.filter(page=pbg, action=ACTION).exists()


def test_the_edit_view_and_the_page_listing_offer_still_correct(imported, editor_client):
    akta = imported["akta"]
    html = editor_client.get(reverse("wagtailadmin_pages:edit", args=[akta.pk])).content.decode()
    assert reverse("reviews_confirm", args=[akta.pk]) in html and "Masih benar" in html
    listing = editor_client.get(reverse("wagtailadmin_explore", args=[imported["disdukcapil"].pk]))
    assert reverse("reviews_confirm", args=[akta.pk]) in listing.content.decode()  # the row's menu


def test_dashboard_lists_the_editors_own_overdue_services(imported, client, editor):
    akta, kk, pbg = imported["akta"], imported["kk"], imported["pbg"]
    for page in (akta, kk, pbg):
        make_overdue(page)
    colleague = user_in(imported["disdukcapil"], "editor-kolega")
    ServicePage.objects.filter(pk=kk.pk).update(responsible_editor=colleague)

    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert 'data-overdue-service="akta-kelahiran"' in html  # no responsible editor: every OPD editor
    assert 'data-overdue-service="kartu-keluarga"' not in html  # the colleague's
    assert 'data-overdue-service="pbg"' not in html  # another OPD's

    client.force_login(colleague)
    html = client.get("/admin/").content.decode()
    assert 'data-overdue-service="kartu-keluarga"' in html

    client.force_login(editor)
    client.post(reverse("reviews_confirm", args=[akta.pk]), {"next": "/admin/"})
    assert "overdue-reviews" not in client.get("/admin/").content.decode()  # nothing left: no panel


def test_review_period_is_a_setting(imported, client, editor, settings):
    from dateutil.relativedelta import relativedelta

    two_months_ago = today() - relativedelta(months=2)
    ServicePage.objects.filter(pk=imported["akta"].pk).update(last_reviewed=two_months_ago)
    client.force_login(editor)
    settings.REVIEW_PERIOD_MONTHS = 12
    assert 'data-overdue-service="akta-kelahiran"' not in client.get("/admin/").content.decode()
    settings.REVIEW_PERIOD_MONTHS = 1
    assert 'data-overdue-service="akta-kelahiran"' in client.get("/admin/").content.decode()


def test_report_per_opd_overdue_and_link_down(imported, client, editor):
    akta, kk, pbg = imported["akta"], imported["kk"], imported["pbg"]
    make_overdue(akta)
    make_overdue(pbg)
    LinkStatus.objects.create(
        kind=LinkStatus.Kind.DEEP_LINK,
        key="kartu-keluarga",
        url="https://dafduk.samarindakota.go.id/kk",
        opd="disdukcapil",
        label=kk.title,
        state=LinkStatus.State.DOWN,
    )
    url = reverse("reviews_report")

    client.force_login(editor)
    html = client.get(url).content.decode()
    assert akta.title in html and "Lewat masa periksa (12 bulan)" in html
    assert "15 Januari 2024" in html  # the day itself, as editors write it
    assert kk.title in html and "Tautan aplikasi mati" in html
    assert pbg.title not in html  # another OPD's
    only_links = client.get(url, {"masalah": "tautan"}).content.decode()
    assert kk.title in only_links and akta.title not in only_links

    admin = get_user_model().objects.create_superuser("admin-test", password="pw-admin-test")
    client.force_login(admin)
    html = client.get(url).content.decode()
    assert akta.title in html and pbg.title in html
    csv = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode()
    assert "Terakhir diperiksa" in csv and "pbg" in csv and "Lewat masa periksa" in csv


def test_responsible_editor_is_chosen_among_the_opds_editors(imported, editor, reviewer):
    from cms.services.forms import opd_editors

    outsider = user_in(imported["dpmptsp"], "editor-dpmptsp")
    form_class = ServicePage.get_edit_handler().get_form_class()
    page = ServicePage.objects.get(pk=imported["akta"].pk)
    form = form_class(instance=page, parent_page=imported["disdukcapil"], for_user=reviewer)
    choices = list(form.fields["responsible_editor"].queryset)
    assert editor in choices and outsider not in choices and reviewer not in choices
    assert list(opd_editors(imported["disdukcapil"])) == [editor]


def test_review_dates_load_from_content_files(tmp_path):
    from pathlib import Path

    catalogue = load_catalogue(Path(__file__).resolve().parents[3] / "content")
    dates = [s.reviewed for s in catalogue.services.values()]
    assert all(dates)
    assert all(s.reviewed >= s.updated for s in catalogue.services.values())
    assert any(d < "2025-12-01" for d in dates)  # the demo has overdue services


def test_many_tidak_answers_flag_a_service(imported, client, settings):
    model = PageFeedbackDay
    settings.REVIEW_NOT_HELPFUL_MIN = 3
    model.objects.create(day=today(), service="pbg", helpful=1, not_helpful=2)
    model.objects.create(day=today() - timedelta(days=1), service="pbg", helpful=0, not_helpful=1)
    model.objects.create(day=today(), service="akta-kelahiran", helpful=5, not_helpful=2)
    old = today() - timedelta(days=settings.REVIEW_NOT_HELPFUL_DAYS + 1)
    model.objects.create(day=old, service="akta-kelahiran", helpful=0, not_helpful=9)  # too long ago
    client.force_login(get_user_model().objects.create_superuser("admin-test", password="pw-admin-test"))
    html = client.get(reverse("reviews_report"), {"masalah": "tidak"}).content.decode()
    assert imported["pbg"].title in html and "Banyak jawaban" in html
    assert imported["akta"].title not in html


def test_a_service_moved_to_another_opd_loses_a_responsible_editor_from_the_old_one(imported, editor):
    akta = imported["akta"]
    ServicePage.objects.filter(pk=akta.pk).update(responsible_editor=editor)
    ServicePage.objects.get(pk=akta.pk).move(imported["dpmptsp"], pos="last-child")
    assert ServicePage.objects.get(pk=akta.pk).responsible_editor is None
    kk = imported["kk"]
    ServicePage.objects.filter(pk=kk.pk).update(responsible_editor=editor)
    ServicePage.objects.get(pk=kk.pk).move(imported["disdukcapil"], pos="first-child")  # same OPD
    assert ServicePage.objects.get(pk=kk.pk).responsible_editor == editor
