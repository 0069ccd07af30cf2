"""The city's search vocabulary in the CMS: the demo content round-trips through export/import
byte-identically, a bad entry fails the whole import naming file, entry and field, and the
editors' validation messages are Indonesian and specific."""

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from cms.services.models import ServicePage
from cms.vocabulary.models import BestBetEntry, SearchTermEntry
from cms.vocabulary.signals import GROUP_NAME

CONTENT_DIR = Path(__file__).resolve().parents[3] / "content"

pytestmark = pytest.mark.django_db


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def demo(tmp_path):
    call_command("import_catalogue", str(CONTENT_DIR), verbosity=0)


def test_vocabulary_round_trips_byte_identically(demo, tmp_path):
    call_command("export_content", "--out", str(tmp_path / "a"), verbosity=0)
    first = files(tmp_path / "a" / "search")
    assert first == files(CONTENT_DIR / "search")  # the demo content is what the CMS exports
    assert "terms/jamkesda.json" in first and "best-bets/pemutihan-pajak.json" in first
    SearchTermEntry.objects.all().delete()
    BestBetEntry.objects.all().delete()
    call_command("import_catalogue", str(tmp_path / "a"), verbosity=0)
    call_command("export_content", "--out", str(tmp_path / "b"), verbosity=0)
    assert files(tmp_path / "b" / "search") == first
    entry = SearchTermEntry.objects.get(slug="jamkesda")
    assert entry.live and entry.revisions.count() == 1  # an import that changes an entry leaves a revision


def test_a_bad_best_bet_fails_the_whole_import_naming_the_entry(tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(CONTENT_DIR, folder)
    bet = folder / "search" / "best-bets" / "surat-lahir.json"
    bet.write_text(bet.read_text().replace('"akta-kelahiran"', '"akta-tidak-ada"'))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_catalogue", str(folder), verbosity=0)
    message = str(excinfo.value)
    assert "search/best-bets/surat-lahir.json" in message and "'surat-lahir'" in message
    assert "'services'" in message and "akta-tidak-ada" in message
    assert not ServicePage.objects.exists() and not SearchTermEntry.objects.exists()  # nothing half-written


def test_a_bad_term_fails_the_import_naming_file_entry_and_field(tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(CONTENT_DIR, folder)
    (folder / "search" / "terms" / "kosong.json").write_text(
        '{"slug": "kosong", "kind": "sinonim", "terms": [], "means": [], "note": ""}\n'
    )
    with pytest.raises(CommandError, match=r"search/terms/kosong\.json.*'kosong'.*'terms'.*kosong"):
        call_command("import_catalogue", str(folder), verbosity=0)
    assert not SearchTermEntry.objects.exists()


def error_of(obj) -> str:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return " ".join(m for messages in excinfo.value.message_dict.values() for m in messages)


def test_editor_validation_messages(demo):
    assert "kosong" in error_of(SearchTermEntry(kind="sinonim", terms=" , "))
    assert "lebih dari 60 karakter" in error_of(SearchTermEntry(kind="sinonim", terms="a" * 61 + ", b"))
    # "pbb" and "ktp" belong to two existing base sets: one set holding both would join them
    message = error_of(SearchTermEntry(kind="sinonim", terms="pajak ktp, pbb, ktp"))
    assert "menggabungkan 2 set" in message and "istilah" in message
    count = int(message.split("berisi ")[1].split(" ")[0])
    assert count > 10
    # a new set touching one existing set extends the vocabulary: fine
    SearchTermEntry(kind="sinonim", terms="ipeda lama, ipeda kuno").full_clean()
    page = ServicePage.objects.get(slug="bphtb")
    page.unpublish()
    message = error_of(BestBetEntry(query="beli tanah", service_1=ServicePage.objects.get(slug="bphtb")))
    assert "belum terbit" in message


def test_search_managers_group_can_edit_the_vocabulary():
    group = Group.objects.get(name=GROUP_NAME)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "add_searchtermentry",
        "publish_searchtermentry",
        "change_bestbetentry",
        "access_admin",
    } <= codenames


def test_a_best_bet_whose_service_is_unpublished_stops_pinning_it_and_needs_attention(demo, tmp_path, client):
    from django.contrib.auth.models import User

    ServicePage.objects.get(slug="bphtb").unpublish()
    ServicePage.objects.get(slug="akta-kelahiran").unpublish()
    # exporting (what every publish does) does not fail: the bets pin only what is still live
    call_command("export_content", "--out", str(tmp_path / "out"), verbosity=0)
    bets = tmp_path / "out" / "search" / "best-bets"
    assert '"bphtb"' not in (bets / "pemutihan-pajak.json").read_text()
    assert '"pendaftaran-npwpd"' in (bets / "pemutihan-pajak.json").read_text()
    assert not (bets / "surat-lahir.json").exists()  # nothing live left to pin

    partly, wholly = (
        BestBetEntry.objects.get(slug="pemutihan-pajak"),
        BestBetEntry.objects.get(slug="surat-lahir"),
    )
    assert "tidak terbit lagi: layanan lainnya tetap disematkan" in partly.attention
    assert "tidak disematkan lagi di portal" in wholly.attention
    assert "«Penerbitan Akta Kelahiran»" in wholly.attention
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    listing = client.get("/admin/snippets/vocabulary/bestbetentry/").content.decode()
    assert "Perlu perhatian" in listing and "tidak disematkan lagi di portal" in listing
    edit = client.get(f"/admin/snippets/vocabulary/bestbetentry/edit/{wholly.pk}/").content.decode()
    assert "Perlu perhatian: «Penerbitan Akta Kelahiran» tidak terbit lagi" in edit
    assert (
        "Perlu perhatian"
        not in client.get(
            f"/admin/snippets/vocabulary/searchtermentry/edit/{SearchTermEntry.objects.first().pk}/"
        ).content.decode()
    )

    ServicePage.objects.get(slug="akta-kelahiran").save_revision().publish()
    assert BestBetEntry.objects.get(slug="surat-lahir").attention == ""
    call_command("export_content", "--out", str(tmp_path / "again"), verbosity=0)
    assert (tmp_path / "again" / "search" / "best-bets" / "surat-lahir.json").exists()

    ServicePage.objects.get(slug="pendaftaran-npwpd").delete()  # the other service of the bet
    partly = BestBetEntry.objects.get(slug="pemutihan-pajak")
    assert partly.attention.startswith("layanan 1 (sudah dihapus), «Pelaporan dan Validasi Bea")
    assert "tidak disematkan lagi di portal" in partly.attention
    call_command("export_content", "--out", str(tmp_path / "deleted"), verbosity=0)
    assert not (tmp_path / "deleted" / "search" / "best-bets" / "pemutihan-pajak.json").exists()


BAD_ENTRIES = [
    ("searchtermentry", {"kind": "sinonim", "terms": " , "}, "daftar istilah kosong"),
    ("searchtermentry", {"kind": "sinonim", "terms": "a" * 61 + ", b"}, "lebih dari 60 karakter"),
    ("searchtermentry", {"kind": "sinonim", "terms": "pajak ktp, pbb, ktp"}, "menggabungkan 2 set"),
    ("bestbetentry", {"query": "beli tanah", "service_1": "bphtb"}, "belum terbit"),
]


def test_the_admin_form_shows_each_validation_message_and_saves_nothing(demo, client):
    from django.contrib.auth.models import User

    ServicePage.objects.get(slug="bphtb").unpublish()
    manager = User.objects.create_user("pengelola", password="pw")
    manager.groups.add(Group.objects.get(name=GROUP_NAME))
    client.force_login(manager)
    before = SearchTermEntry.objects.count() + BestBetEntry.objects.count()
    for model, fields, message in BAD_ENTRIES:
        if "service_1" in fields:
            fields = {**fields, "service_1": ServicePage.objects.get(slug=fields["service_1"]).pk}
        answer = client.post(
            f"/admin/snippets/vocabulary/{model}/add/",
            {"note": "", "slug": "", **fields, "action-publish": "1"},
        )
        assert answer.status_code == 200, model  # the form again, with the message on it
        page = answer.content.decode()
        assert message in page, (model, fields)
        if message.startswith("menggabungkan"):
            count = int(page.split("menjadi satu set berisi ")[1].split(" ")[0])
            assert count >= 3 and f"berisi {count} istilah" in page  # says how many terms
    assert SearchTermEntry.objects.count() + BestBetEntry.objects.count() == before
