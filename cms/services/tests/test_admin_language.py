"""The admin an OPD editor sees is in Bahasa Indonesia, including where Wagtail's own id_ID catalogue
is incomplete (the gaps are filled by cms/locale/id, see settings.LOCALE_PATHS).

Each screen is checked both ways: the Indonesian text is there and the English it replaced is not.
"""

import gettext
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "cms" / "locale" / "id" / "LC_MESSAGES"


def assert_indonesian(html: str, indonesian: list[str], english: list[str]) -> None:
    missing = [s for s in indonesian if s not in html]
    left = [s for s in english if s in html]
    assert not missing and not left, f"Indonesian missing: {missing}; English still shown: {left}"


def test_dashboard_sidebar_and_site_summary(editor_client):
    html = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert_indonesian(
        html,
        # The sidebar menu is JSON rendered by JS: its labels are quoted strings.
        ['"Laporan"', '"Bantuan"', "Cari semua halaman…", "Panduan editor Wagtail", " Halaman <span"],
        ['"Reports"', '"Help"', "Search all pages", "editor guide", " Pages <span", "created in "],
    )
    # The Wagtail Site record is named, so the dashboard does not greet editors with "localhost".
    assert ">Santer<" in html.replace("\n", "").replace(" ", "")
    assert "localhost" not in html
    assert "<title>Dasbor - Santer CMS</title>" in html  # the browser tab names the product


def test_service_edit_page_status_panel(editor_client, imported):
    url = reverse("wagtailadmin_pages:edit", args=[imported["akta"].id])
    html = editor_client.get(url).content.decode()
    assert_indonesian(
        html,
        [
            "Belum ada jadwal terbit",
            "Atur jadwal",
            "Lihat riwayat",
            "Terlihat oleh semua",
            "Pertama diterbitkan",
        ],
        ["No publishing schedule set", "Set schedule", "View history", "Visible to all", "First published"],
    )


def test_workflow_states_for_editor_and_reviewer(editor, editor_client, imported, reviewer, client):
    akta = imported["akta"]
    akta.get_workflow().start(akta, editor)

    edit_html = editor_client.get(reverse("wagtailadmin_pages:edit", args=[akta.id])).content.decode()
    assert_indonesian(
        edit_html,
        ["Dalam Moderasi", "Dikunci oleh alur kerja", "Lihat riwayat lengkap"],
        ["In Moderation", "Locked by workflow", "See full history"],
    )

    client.force_login(reviewer)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert_indonesian(
        dashboard,
        ["Minta perubahan", "Setujui dengan komentar", "Tugas dikirim oleh"],
        ["Request changes", "Approve with comment", "Task submitted by"],
    )


def test_scheduled_change_of_a_live_page_in_the_explorer(client, imported, reviewer):
    """Wagtail's id_ID misspells this status ("akitf + terjadwal"); the project's catalogue corrects it."""
    akta = imported["akta"]
    akta.go_live_at = timezone.now() + timedelta(hours=1)
    akta.save_revision().publish()  # live already: this version waits for its time
    client.force_login(reviewer)
    html = client.get(reverse("wagtailadmin_explore", args=[akta.get_parent().id])).content.decode()
    assert_indonesian(html, ["terbit + terjadwal"], ["akitf", "live + scheduled"])


def test_login_page(client):
    html = client.get(reverse("wagtailadmin_login")).content.decode()
    assert_indonesian(html, ["Lupa kata sandi?", "Ingat saya"], ["Forgotten password?", "Remember me"])


def test_javascript_catalogue_has_project_translations(editor_client):
    """Strings drawn by Wagtail's JS (sections, side panels) come from its own jsi18n view."""
    js = editor_client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    assert '"Collapse all": "Tutup semua"' in js
    assert '"Toggle sidebar": "Buka/tutup bilah samping"' in js


def test_committed_mo_files_match_their_po_sources(tmp_path):
    """The .mo files are committed (a server may lack msgfmt): they must not lag behind the .po edits."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed")
    for domain in ("django", "djangojs"):
        fresh = tmp_path / f"{domain}.mo"
        subprocess.run([msgfmt, "--check", "-o", fresh, LOCALE_DIR / f"{domain}.po"], check=True)
        with (LOCALE_DIR / f"{domain}.mo").open("rb") as committed, fresh.open("rb") as compiled:
            committed_catalog = gettext.GNUTranslations(committed)._catalog
            compiled_catalog = gettext.GNUTranslations(compiled)._catalog
        assert committed_catalog == compiled_catalog, f"{domain}.mo is stale: run manage.py compilemessages"


def test_snippet_listing_for_reviewer(client, reviewer):
    client.force_login(reviewer)  # editors have no snippet rights; reviewers keep the apps list
    html = client.get(reverse("wagtailsnippets_services_app:list")).content.decode()
    assert_indonesian(
        html,
        ["secara menaik", "Hapus snippet terpilih", "Pilih semua"],
        ["in ascending order", "Delete selected snippets", "Select all"],
    )
