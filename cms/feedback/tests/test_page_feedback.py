"""The page-feedback endpoint and the "Masukan halaman" report, through Django's test client.

(The browser tests on the real server, and the keep-alive client's, are tests/e2e/test_page_feedback.py.)
"""

import html
import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.db import OperationalError

from cms.feedback import aggregate, retention
from cms.feedback.models import PageComment, PageFeedbackDay
from cms.feedback.scrub import clean_comment
from cms.publishing.tests.fixtures import small_catalogue
from cms.services.importing import import_catalogue
from cms.services.models import OpdPage
from cms.services.setup import ensure_editor_group

URL = "/api/masukan"
REPORT = "/admin/reports/masukan-halaman/"
FORM = "application/x-www-form-urlencoded"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(settings, tmp_path):
    settings.FEEDBACK_URL = "/api/masukan"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "LOCATION": str(tmp_path)},
    }
    caches["ratelimit"].clear()
    import_catalogue(small_catalogue())


def send(client, fields, accept="text/html", **extra):
    return client.post(URL, data=urlencode(fields), content_type=FORM, HTTP_ACCEPT=accept, **extra)


def editor_of(opd: str):
    user = get_user_model().objects.create_user(f"editor-{opd}", password="pw")
    user.groups.add(ensure_editor_group(OpdPage.objects.get(slug=opd)))
    return user


def test_a_plain_form_post_is_counted_and_sent_to_the_thank_you_page(client):
    response = send(client, {"service": "pbg", "helpful": "ya"})
    assert response.status_code == 303
    assert response["Location"] == "/layanan/pbg/#terima-kasih"
    assert not response.cookies
    send(client, {"service": "pbg", "helpful": "tidak", "comment": ""})
    row = PageFeedbackDay.objects.get()
    assert (row.service, row.helpful, row.not_helpful) == ("pbg", 1, 1)
    assert not PageComment.objects.exists()  # an empty comment is no comment


def test_the_script_gets_204_and_the_comment_is_scrubbed_plain_text(client):
    comment = "NIK saya 6471 0123 0456 0001, hp 0812-3456-7890, budi@example.com <b>tebal</b>"
    response = send(client, {"service": "pbg", "helpful": "tidak", "comment": comment}, "application/json")
    assert response.status_code == 204
    stored = PageComment.objects.get()
    assert stored.text == "NIK saya [NIK], hp [TELEPON], [EMAIL] <b>tebal</b>"
    assert (stored.service, stored.helpful, stored.handled) == ("pbg", False, False)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service": "pbg", "helpful": "mungkin"}, "'ya' atau 'tidak'"),
        ({"service": "pbg"}, "'ya' atau 'tidak'"),
        ({"service": "pbg", "helpful": "tidak", "comment": "x" * 501}, "paling banyak 500 karakter"),
        ({"service": "tidak-ada", "helpful": "ya"}, "Layanan 'tidak-ada' tidak ada di portal"),
        ({"service": "<script>", "helpful": "ya"}, "bukan ID layanan"),
        ({"helpful": "ya"}, "wajib diisi"),
        ({"service": "pbg", "helpful": "ya", "nik": "1"}, "Kolom 'nik' tidak dikenal"),
    ],
)
def test_bad_answers_are_refused_in_indonesian_and_nothing_is_stored(client, fields, message):
    as_json = send(client, fields, "application/json")
    assert as_json.status_code == 400 and message in as_json.json()["error"]
    as_page = send(client, fields)
    assert as_page.status_code == 400 and message in html.unescape(as_page.content.decode())
    assert not PageFeedbackDay.objects.exists() and not PageComment.objects.exists()


def test_a_filled_honeypot_looks_accepted_but_nothing_is_stored(client):
    response = send(client, {"service": "pbg", "helpful": "tidak", "comment": "beli obat", "website": "x"})
    assert response.status_code == 303
    assert not PageFeedbackDay.objects.exists() and not PageComment.objects.exists()


def test_size_and_rate_limits(client, settings):
    settings.FEEDBACK_RATE = "3/m"
    big = send(client, {"service": "pbg", "helpful": "tidak", "comment": "x" * 1_000_000}, "application/json")
    assert big.status_code == 413 and "terlalu besar" in big.json()["error"]
    codes = [send(client, {"service": "nib", "helpful": "ya"}).status_code for _ in range(5)]
    assert codes == [303] * 2 + [429] * 3  # the refused 1 MB body counted too
    assert PageFeedbackDay.objects.get().helpful == 2


def test_comment_cleaning_keeps_lines_and_drops_control_characters():
    assert clean_comment("  baris satu \r\n\r\n\r\n\r\nbaris\x00 dua  ") == "baris satu\n\nbaris dua"


def test_an_opd_editor_sees_and_handles_only_their_own_services_feedback(client):
    send(client, {"service": "kartu-keluarga", "helpful": "tidak", "comment": "<b>syarat</b> kurang jelas"})
    send(client, {"service": "pbg", "helpful": "tidak", "comment": "biaya retribusi tidak ada"})
    send(client, {"service": "pbg", "helpful": "ya"})
    disdukcapil, dpmptsp = editor_of("disdukcapil"), editor_of("dpmptsp")

    client.force_login(disdukcapil)
    counts = client.get(REPORT).content.decode()
    assert "Penerbitan Kartu Keluarga" in counts and "Persetujuan Bangunan Gedung" not in counts
    page = client.get(REPORT + "?tampilan=komentar").content.decode()
    assert "&lt;b&gt;syarat&lt;/b&gt; kurang jelas" in page and "<b>syarat" not in page
    assert "retribusi" not in page
    theirs = PageComment.objects.get(service="pbg")
    refused = client.post(f"{REPORT}komentar/{theirs.pk}/ditangani/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's "no permission"
    theirs.refresh_from_db()
    assert not theirs.handled
    mine = PageComment.objects.get(service="kartu-keluarga")
    assert client.post(f"{REPORT}komentar/{mine.pk}/ditangani/").status_code == 302
    mine.refresh_from_db()
    assert mine.handled and mine.handled_by == disdukcapil
    assert "kurang jelas" not in client.get(REPORT + "?tampilan=komentar").content.decode()  # open ones
    assert "kurang jelas" in client.get(REPORT + "?tampilan=komentar&status=sudah").content.decode()

    client.force_login(dpmptsp)
    export = client.get(REPORT + "?tampilan=jumlah&export=csv")
    csv = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert csv[0] == "OPD,Layanan,ID layanan,Minggu mulai,Ya,Tidak,Membantu"
    assert len(csv) == 2 and ",pbg," in csv[1] and csv[1].endswith(",1,1,50 %")


def test_a_comment_starting_like_a_formula_is_exported_as_text(client):
    send(client, {"service": "pbg", "helpful": "tidak", "comment": "=HYPERLINK(1)"})
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    export = client.get(REPORT + "?tampilan=komentar&export=csv")
    csv = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv


def test_comments_expire_after_the_retention_period_and_the_counts_stay(client, settings, monkeypatch):
    settings.FEEDBACK_COMMENT_RETENTION_DAYS = 30
    today = aggregate.today()
    old = PageComment.objects.create(day=today - timedelta(days=31), service="pbg", text="lama")
    kept = PageComment.objects.create(day=today - timedelta(days=30), service="pbg", text="masih")
    monkeypatch.setattr(retention, "_last_purge", None)
    # The day's first stored answer deletes what expired (nobody has to schedule anything).
    send(client, {"service": "pbg", "helpful": "tidak", "comment": "baru"})
    assert set(PageComment.objects.values_list("text", flat=True)) == {"masih", "baru"}
    assert PageFeedbackDay.objects.get().not_helpful == 1
    # And the command, for a process that stores no answers (30 days on: "masih" goes too).
    PageComment.objects.filter(pk=kept.pk).update(day=today - timedelta(days=40))
    out = io.StringIO()
    call_command("purge_feedback", stdout=out)
    assert "1 komentar yang lebih tua dari 30 hari dihapus." in out.getvalue()
    assert set(PageComment.objects.values_list("text", flat=True)) == {"baru"}
    settings.FEEDBACK_COMMENT_RETENTION_DAYS = 0  # kept for ever
    PageComment.objects.create(day=old.day, service="pbg", text="lama")
    assert retention.purge_expired_comments() == 0


def test_a_failed_purge_keeps_the_answer_and_is_tried_again_with_the_next(client, settings, monkeypatch):
    settings.FEEDBACK_COMMENT_RETENTION_DAYS = 30
    PageComment.objects.create(day=aggregate.today() - timedelta(days=31), service="pbg", text="lama")
    monkeypatch.setattr(retention, "_last_purge", None)
    real_purge = retention.purge_expired_comments

    def locked(today=None):
        raise OperationalError("database is locked")

    monkeypatch.setattr(retention, "purge_expired_comments", locked)
    response = send(client, {"service": "pbg", "helpful": "ya"}, "application/json")
    assert response.status_code == 204 and PageFeedbackDay.objects.get().helpful == 1
    assert PageComment.objects.filter(text="lama").exists()
    monkeypatch.setattr(retention, "purge_expired_comments", real_purge)
    send(client, {"service": "pbg", "helpful": "ya"}, "application/json")
    assert not PageComment.objects.filter(text="lama").exists()
