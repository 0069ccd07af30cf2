"""import_catalogue: upsert by id, idempotent, all or nothing with errors naming file, record and field."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from wagtail.models import PageLogEntry, Revision

from cms.publishing.models import UpdateRequest
from cms.services.models import App, Category, OpdPage, ServicePage

from .conftest import snapshot, write_shared

PROJECT_DIR = Path(__file__).resolve().parents[3]


def import_dir(folder) -> None:
    call_command("import_catalogue", str(folder), verbosity=0)


def test_import_creates_published_pages_with_typed_fields(imported):
    akta = imported["akta"]
    assert akta.live and akta.get_parent().slug == "disdukcapil"
    assert [b.value for b in akta.requirements] == ["Surat keterangan lahir", "Kartu Keluarga"]
    assert [b.value for b in akta.steps] == ["Ajukan permohonan", "Verifikasi berkas", "Akta diterbitkan"]
    assert [(b.block_type, b.value["name"]) for b in akta.channels] == [
        ("online", "Daring (online)"),
        ("walk_in", "loket Disdukcapil"),
    ]
    assert akta.app.slug == "dafduk-online"
    assert akta.description == "<p>Akta kelahiran adalah bukti sah kelahiran.</p><p>Layanan ini gratis.</p>"
    assert [c.slug for c in akta.categories.all()] == ["kependudukan"]
    assert [b.value for b in imported["pbg"].keywords] == ["IMB", "izin mendirikan bangunan"]
    assert imported["pbg"].get_parent().slug == "dpmptsp"


@pytest.mark.django_db
def test_import_is_idempotent(small_catalogue_dir):
    import_dir(small_catalogue_dir)
    before = snapshot()
    import_dir(small_catalogue_dir)
    assert snapshot() == before  # no new revision, nothing republished


@pytest.mark.django_db
def test_changed_record_gets_a_new_published_revision(small_catalogue_dir, small_catalogue_data):
    import_dir(small_catalogue_dir)
    page = ServicePage.objects.get(slug="pbg")
    revisions = Revision.objects.filter(object_id=str(page.pk)).count()

    small_catalogue_data["services.json"][2]["cost"] = "Rp 0 untuk rumah tinggal sederhana"
    small_catalogue_data["services.json"][2]["opd"] = "disdukcapil"  # moved to another OPD
    write_shared(small_catalogue_dir, small_catalogue_data)
    import_dir(small_catalogue_dir)

    page = ServicePage.objects.get(slug="pbg")
    assert page.cost == "Rp 0 untuk rumah tinggal sederhana" and page.live
    assert not page.has_unpublished_changes
    assert page.get_parent().slug == "disdukcapil"
    assert Revision.objects.filter(object_id=str(page.pk)).count() == revisions + 1
    assert ServicePage.objects.get(slug="akta-kelahiran").cost == "Gratis"


def service_rows() -> dict:
    """What a reader of the CMS sees of each service page: its row, revision and publication."""
    columns = ("title", "cost", "live", "latest_revision_id", "live_revision_id", "last_published_at")
    return {row[0]: row[1:] for row in ServicePage.objects.values_list("slug", *columns)}


def publish_requests() -> int:
    """Portal updates asked for (committed: these tests run the import as the command does)."""

    return UpdateRequest.objects.count()


@pytest.mark.django_db(transaction=True)
def test_unchanged_reimport_writes_nothing_and_asks_no_publish(small_catalogue_dir, capsys):

    import_dir(small_catalogue_dir)
    before = (snapshot(), service_rows(), PageLogEntry.objects.count(), DBTaskResult.objects.count())
    requests = publish_requests()

    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count, sender=ServicePage)
    try:
        with CaptureQueriesContext(connection) as queries:
            call_command("import_catalogue", str(small_catalogue_dir))
    finally:
        post_init.disconnect(count, sender=ServicePage)

    assert (snapshot(), service_rows(), PageLogEntry.objects.count(), DBTaskResult.objects.count()) == before
    assert publish_requests() == requests
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert "layanan: 0 baru, 0 diperbarui, 3 tetap" in capsys.readouterr().out
    assert loaded == []  # compared as stored column values: cheap at 10,000 services too


@pytest.mark.django_db(transaction=True)
def test_changed_record_among_unchanged_ones_is_the_only_one_republished(
    small_catalogue_dir, small_catalogue_data, capsys
):
    import_dir(small_catalogue_dir)
    before = service_rows()
    requests = publish_requests()

    small_catalogue_data["services.json"][1]["requirements"].append("KTP-el kepala keluarga")
    write_shared(small_catalogue_dir, small_catalogue_data)
    call_command("import_catalogue", str(small_catalogue_dir))

    after = service_rows()
    assert {slug for slug in after if after[slug] != before[slug]} == {"kartu-keluarga"}
    page = ServicePage.objects.get(slug="kartu-keluarga")
    assert [b.value for b in page.requirements] == ["Formulir F-1.01", "KTP-el kepala keluarga"]
    assert page.live_revision_id != before["kartu-keluarga"][3]
    assert publish_requests() == requests + 1
    assert "layanan: 0 baru, 1 diperbarui, 2 tetap" in capsys.readouterr().out


@pytest.mark.django_db
def test_reimport_restores_what_was_changed_in_the_cms_since(small_catalogue_dir):
    """The comparison is with what the database holds now, not with what the last import wrote."""

    import_dir(small_catalogue_dir)
    page = ServicePage.objects.get(slug="pbg")
    page.cost = "Diubah di CMS"
    page.save_revision().publish()
    ServicePage.objects.filter(slug="akta-kelahiran").update(featured=True)
    Category.objects.get(slug="kependudukan").services.remove(ServicePage.objects.get(slug="kartu-keluarga"))

    import_dir(small_catalogue_dir)

    assert ServicePage.objects.get(slug="pbg").cost == "Sesuai retribusi daerah"
    assert not ServicePage.objects.get(slug="akta-kelahiran").featured
    kk = ServicePage.objects.get(slug="kartu-keluarga")
    assert [c.slug for c in kk.categories.all()] == ["kependudukan"]
    assert all(p.live and not p.has_unpublished_changes for p in ServicePage.objects.all())


BAD_RECORDS = [
    ("services.json", 0, "opd", "dinas-tidak-ada", "OPD 'dinas-tidak-ada' tidak dikenal"),
    ("services.json", 0, "app", "aplikasi-hantu", "aplikasi 'aplikasi-hantu' tidak dikenal"),
    ("services.json", 0, "categories", ["kategori-hantu"], "kategori 'kategori-hantu' tidak dikenal"),
    ("services.json", 0, "life_events", ["menikah"], "peristiwa hidup 'menikah' tidak dikenal"),
    ("services.json", 0, "deep_link", "javascript:alert(document.cookie)", "Tautan langsung tidak aman"),
    (
        "services.json",
        0,
        "deep_link",
        "data:text/html,<script>alert(1)</script>",
        "Tautan langsung tidak aman",
    ),
    (
        "services.json",
        0,
        "deep_link",
        "https://phishing.example.com/akta",
        "harus berada di host aplikasinya",
    ),
    ("services.json", 0, "deep_link", "http://dafduk.samarindakota.go.id/akta", "harus diawali https://"),
    ("apps.json", 1, "opd", "dinas-hantu", "OPD 'dinas-hantu' tidak dikenal"),
    ("apps.json", 1, "base_url", "javascript:void(0)", "harus diawali https://"),
    ("opds.json", 1, "kind", "kementerian", "harus salah satu dari"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("filename,index,field,value,message", BAD_RECORDS)
def test_bad_record_aborts_naming_file_record_field(
    imported, small_catalogue_dir, small_catalogue_data, filename, index, field, value, message
):
    # A second import that adds a new service and changes another, then trips over one bad record.
    data = small_catalogue_data
    extra = dict(data["services.json"][1], id="kia", title="Kartu Identitas Anak")
    data["services.json"].append(extra)
    data["services.json"][2]["title"] = "Judul baru yang tidak boleh tersimpan"
    data[filename][index][field] = value
    write_shared(small_catalogue_dir, data)
    before = snapshot()

    with pytest.raises(CommandError) as excinfo:
        import_dir(small_catalogue_dir)

    text = str(excinfo.value)
    key = data[filename][index].get("id") or data[filename][index]["slug"]
    assert f"{filename}[{index}]" in text and f"'{key}'" in text and f"'{field}'" in text, text
    assert message in text
    assert snapshot() == before
    assert not ServicePage.objects.filter(slug="kia").exists()


@pytest.mark.django_db
def test_database_refusal_is_reported_like_a_bad_record_and_rolls_back(
    imported, small_catalogue_dir, small_catalogue_data
):
    # Checked only by the model: a title longer than the column; the earlier OPD change must not stay.
    small_catalogue_data["opds.json"][0]["address"] = "Alamat baru yang tidak boleh tersimpan"
    small_catalogue_data["services.json"][1]["title"] = "Kartu Keluarga " * 30
    write_shared(small_catalogue_dir, small_catalogue_data)
    before = snapshot()

    with pytest.raises(CommandError) as excinfo:
        import_dir(small_catalogue_dir)

    text = str(excinfo.value)
    assert "services.json[1]" in text and "'kartu-keluarga'" in text and "'title'" in text, text
    assert "255" in text  # Django's own (Indonesian) max-length message
    assert snapshot() == before
    assert OpdPage.objects.get(slug="disdukcapil").address == "Jl. Basuki Rahmat No. 78, Samarinda"


@pytest.mark.django_db
def test_bad_json_is_reported_with_file_and_line(small_catalogue_dir):
    (small_catalogue_dir / "apps.json").write_text('[{"slug": "x",}]', encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match=r"apps\.json.*JSON tidak valid \(baris 1\)"):
        import_dir(small_catalogue_dir)
    assert snapshot() == before
    assert not App.objects.exists()


def test_command_exits_non_zero_with_message_on_stderr(tmp_path):
    """The real command line: exit status and message, as an operator sees them."""
    folder = write_shared(tmp_path / "bad", {"services.json": [{"id": "x", "title": "X"}]})
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    done = subprocess.run(
        [sys.executable, "manage.py", "import_catalogue", str(folder)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "services.json[0]: record 'x', field 'summary': wajib diisi." in done.stderr


@pytest.mark.django_db
def test_import_shows_progress(small_catalogue_dir, small_catalogue_data, capsys):
    services = small_catalogue_data["services.json"]
    for n in range(30):
        services.append(dict(services[1], id=f"layanan-{n}", title=f"Layanan {n}"))
    write_shared(small_catalogue_dir, small_catalogue_data)
    call_command("import_catalogue", str(small_catalogue_dir))
    out = capsys.readouterr().out
    assert "layanan 33/33" in out and "layanan 9/33" in out
    assert "layanan: 33 baru" in out


@pytest.mark.django_db
def test_new_opd_gets_its_editor_group(imported):
    from django.contrib.auth.models import Group
    from wagtail.models import GroupPagePermission

    group = Group.objects.get(name="Editor DPMPTSP")
    granted = GroupPagePermission.objects.filter(group=group)
    assert {(p.page.slug, p.permission.codename) for p in granted} == {
        ("dpmptsp", "add_page"),
        ("dpmptsp", "change_page"),
    }
    assert group.permissions.filter(codename="access_admin").exists()
