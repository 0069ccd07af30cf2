"""Scheduled publishing through a real browser on the production set-up (tests/e2e/conftest.py).

A reviewer (publishing is theirs: OPD editors submit, reviewers publish) sets a go-live time in the
schedule dialog of the edit view's status panel, with a changed summary, and schedules it. Until
that time the live portal keeps the old text; after it, the portal page and its search show the
change within the publish budget without anyone pressing anything: the publish worker runs
Wagtail's scheduled publishing. The same for an expiry time: the service leaves the portal. And
an OPD editor's schedule, which takes effect when a reviewer approves the change.

The admin's date-time fields take whole minutes in the site's time zone (settings.TIME_ZONE, the
demo users have no time zone of their own), so a schedule is the next whole minute at least
MIN_LEAD seconds ahead: each test waits between MIN_LEAD and a minute more than that.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings

from tests.e2e.test_editorial_journeys import open_menu_action, page_id

pytestmark = pytest.mark.browser

REVIEWER = "reviewer"
MIN_LEAD = 20  # seconds: enough to schedule it in the browser and see the old text still live
PUBLISH_BUDGET = 5.0  # seconds after the scheduled time

SCHEDULED_SERVICE = "akta-kelahiran"
SCHEDULED_TITLE = "Penerbitan Akta Kelahiran"
NEW_WORD = "qelmorin"  # in the scheduled summary: no catalogue text has it
NEW_SUMMARY = f"Akta kelahiran kini terbit dengan pemeriksaan {NEW_WORD} sebelum dicetak di kantor."
EXPIRING_SERVICE = "surat-keterangan-domisili"
EXPIRING_TITLE = "Surat Keterangan Domisili"
EXPIRING_WORDS = "surat keterangan domisili"


def next_minute(lead: float = MIN_LEAD) -> datetime:
    """The first whole minute at least `lead` seconds from now, in the site's time zone."""
    soon = datetime.now(ZoneInfo(settings.TIME_ZONE)) + timedelta(seconds=lead)
    return soon.replace(second=0, microsecond=0) + timedelta(minutes=1)


def seconds_until(moment: datetime) -> float:
    return (moment - datetime.now(moment.tzinfo)).total_seconds()


def close_date_time_picker(dialog) -> None:
    """The picker opened over the dialog's button: close it as a person does, by clicking beside it,
    on the dialog's note at its top (Escape would close the dialog, emptying its fields); again if
    it opens late or again, as it can on a busy machine."""
    picker = dialog.page.locator(".xdsoft_datetimepicker:visible")
    quiet = 0
    for _ in range(20):
        if picker.count():
            quiet = 0
            dialog.locator(".w-dialog__message-heading").click()
        else:
            quiet += 1
            if quiet == 3:
                return
        dialog.page.wait_for_timeout(200)
    raise AssertionError("the date-time picker does not close")


def schedule(page, field: str, moment: datetime) -> None:
    """Type a time into the schedule dialog of the edit view's status panel and save the schedule."""
    page.click("[data-side-panel-toggle=status]")
    page.click("[data-side-panel=status] button:has-text('Atur jadwal')")
    dialog = page.locator("#schedule-publishing-dialog")
    dialog.locator("h2", has_text="Atur jadwal terbit").wait_for()
    value = moment.strftime("%Y-%m-%d %H:%M")
    dialog.locator(f"input[name={field}]").fill(value)
    close_date_time_picker(dialog)
    # Wagtail autosaves the edit form half a second after a change; saving the schedule while
    # that request is on its way makes the late autosave be refused (400 "would overwrite a newer
    # version"), harmless to the editor but an error the suite reports. A person sees "Tersimpan".
    page.wait_for_timeout(1000)
    page.locator("#w-autosave-indicator:not([data-w-autosave-state-value=saving])").wait_for(state="attached")
    close_date_time_picker(dialog)  # in case it opened again meanwhile
    assert dialog.locator(f"input[name={field}]").input_value() == value
    with page.expect_navigation():  # the whole edit form is saved as a draft, then shown again
        dialog.locator("button:has-text('Simpan jadwal')").click()


def search_hrefs(portal, words: str, reload: bool = False) -> list[str]:
    """The result links the portal's search page lists for `words`.

    reload: the same search was open in this browser before; reloading asks the server again for
    the page (which names the build's index) instead of the copy the browser may keep for up to
    serving.HTML_MAX_AGE."""
    portal.goto(f"/cari/?q={words}")
    if reload:
        portal.reload()
    results = portal.wait_for_selector("[data-search-results][data-search-state=done]", timeout=10000)
    return results.eval_on_selector_all("a[href]", "ls => ls.map(a => a.getAttribute('href'))")


def test_a_reviewer_schedules_a_change_and_the_portal_shows_it_at_its_time(
    production_server, admin_page, chromium, axe
):
    path = f"/layanan/{SCHEDULED_SERVICE}/"
    page = admin_page(REVIEWER)
    page.goto(f"/admin/pages/{page_id(production_server, SCHEDULED_SERVICE)}/edit/")
    old_summary = page.input_value("textarea[name=summary]")
    page.fill("textarea[name=summary]", NEW_SUMMARY)
    go_live = next_minute()
    schedule(page, "go_live_at", go_live)

    status = page.locator("[data-side-panel=status]")
    if not status.is_visible():
        page.click("[data-side-panel-toggle=status]")
    # The time is read in the site's time zone, as typed (e.g. "Tayang: 3 Des. 2026, 4.21"; the
    # date may be left out or spelt otherwise; the hour, with or without its leading zero, and the
    # minute must be the typed ones).
    shown = status.inner_text()
    typed_time = rf"\b0?{go_live.hour}[.:]{go_live:%M}\b"
    assert re.search(rf"Setelah dijadwalkan:\s+Tayang: [^\n]*{typed_time}", shown), shown
    open_menu_action(page, "action-publish")  # now labelled "Jadwalkan terbit"
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    assert "dijadwalkan untuk terbit" in page.inner_text(".messages")
    row = page.locator("main tr", has_text=SCHEDULED_TITLE)
    assert "terbit + terjadwal" in row.inner_text().lower()

    # Before its time the citizen still reads the old summary, and search does not find the word.
    portal = chromium.new_page(base_url=production_server.base_url, bypass_csp=True)
    portal.goto(path)
    assert old_summary in portal.inner_text("main") and NEW_WORD not in portal.inner_text("main")
    assert not any(path in h for h in search_hrefs(portal, NEW_WORD))
    assert seconds_until(go_live) > 1, f"the checks took too long: {-seconds_until(go_live):.1f} s late"

    time.sleep(max(seconds_until(go_live), 0))
    production_server.wait_for_portal(path, NEW_WORD, timeout=PUBLISH_BUDGET + 5)
    late = -seconds_until(go_live)
    assert late < PUBLISH_BUDGET, f"live {late:.1f} s after the go-live time"

    # The citizen reloads the page they had open (a page may come from the browser's cache for up
    # to serving.HTML_MAX_AGE; a reload asks the server). The other server process may switch to
    # the new build a moment later (as in the reviewer journey).
    portal.goto(path)
    while NEW_WORD not in portal.inner_text("main") and -seconds_until(go_live) < PUBLISH_BUDGET:
        time.sleep(0.2)
        portal.reload()
    assert NEW_SUMMARY in portal.inner_text("main"), (
        f"not in the browser {-seconds_until(go_live):.1f} s after"
    )
    axe(portal)
    assert any(path in h for h in search_hrefs(portal, NEW_WORD, reload=True))
    axe(portal)
    portal.close()
    print(f"go-live → live portal page in {late:.1f} s")


def test_a_reviewer_sets_an_expiry_time_and_the_service_leaves_the_portal_at_its_time(
    production_server, admin_page, chromium, axe
):
    path = f"/layanan/{EXPIRING_SERVICE}/"
    page = admin_page(REVIEWER)
    page.goto(f"/admin/pages/{page_id(production_server, EXPIRING_SERVICE)}/edit/")
    expire = next_minute()
    schedule(page, "expire_at", expire)
    open_menu_action(page, "action-publish")  # "Publikasikan": live now, until the expiry time
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    assert "dipublikasi" in page.inner_text(".messages")
    explorer = page.url

    portal = chromium.new_page(base_url=production_server.base_url, bypass_csp=True)
    assert portal.goto(path).status == 200 and EXPIRING_TITLE in portal.inner_text("main")
    assert any(path in h for h in search_hrefs(portal, EXPIRING_WORDS))
    assert seconds_until(expire) > 1, f"the checks took too long: {-seconds_until(expire):.1f} s late"

    time.sleep(max(seconds_until(expire), 0))
    deadline = time.monotonic() + PUBLISH_BUDGET + 5
    while (gone := requests.get(production_server.base_url + path, timeout=10)).status_code == 200:
        assert time.monotonic() < deadline, (
            f"{path} still served\n{production_server.log_tail('worker', 1500)}"
        )
        time.sleep(0.1)
    late = -seconds_until(expire)
    assert gone.status_code == 404 and "Halaman tidak ditemukan" in gone.text
    assert late < PUBLISH_BUDGET, f"gone {late:.1f} s after the expiry time"

    # The citizen who had it open reloads it (pages may come from the browser's cache for a minute,
    # serving.HTML_MAX_AGE; a reload asks again). The other server process may switch to the new
    # build a moment later.
    portal.goto(path)
    while (answer := portal.reload()).status == 200 and -seconds_until(expire) < PUBLISH_BUDGET:
        time.sleep(0.2)
    assert answer.status == 404 and "Halaman tidak ditemukan" in portal.inner_text("main")
    axe(portal)
    hrefs = search_hrefs(portal, EXPIRING_WORDS, reload=True)
    assert hrefs, "search found nothing at all: the check below would prove nothing"
    assert not any(path in h for h in hrefs), hrefs
    portal.close()

    page.goto(explorer)  # the editors see why it is gone
    assert "kadaluarsa" in page.locator("main tr", has_text=EXPIRING_TITLE).inner_text().lower()
    print(f"expiry → gone from the portal in {late:.1f} s")


EDITOR = "editor-disdukcapil"
REVIEWED_SERVICE = "kartu-identitas-anak"  # Disdukcapil's
REVIEWED_TITLE = "Penerbitan Kartu Identitas Anak"
REVIEWED_WORD = "vantrel"
REVIEWED_SUMMARY = f"Kartu Identitas Anak kini dicetak dengan kode {REVIEWED_WORD} di kantor kelurahan."


def test_an_editor_schedules_a_change_a_reviewer_approves_it_and_it_goes_live_at_its_time(
    production_server, admin_page, chromium
):
    """OPD editors may set a schedule but not publish: it takes effect when a reviewer approves."""
    path = f"/layanan/{REVIEWED_SERVICE}/"
    editor = admin_page(EDITOR)
    editor.goto(f"/admin/pages/{page_id(production_server, REVIEWED_SERVICE)}/edit/")
    editor.fill("textarea[name=summary]", REVIEWED_SUMMARY)
    go_live = next_minute(lead=45)  # two people's steps before it
    schedule(editor, "go_live_at", go_live)
    open_menu_action(editor, "action-submit")
    editor.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    assert "dikirim untuk moderasi" in editor.inner_text(".messages")

    reviewer = admin_page(REVIEWER)
    task = reviewer.locator("#awaiting-review-section tr", has_text=REVIEWED_TITLE)
    task.wait_for()
    task.locator("[data-w-dropdown-target=toggle]").first.click()
    task.locator("button:has-text('Menyetujui')").click()
    task.wait_for(state="detached")
    reviewer.goto(f"/admin/pages/{page_id(production_server, 'disdukcapil')}/")  # the OPD's services
    row = reviewer.locator("main tr", has_text=REVIEWED_TITLE)
    assert "terbit + terjadwal" in row.inner_text().lower()  # approved: now it waits for its time

    assert seconds_until(go_live) > 1, f"the steps took too long: {-seconds_until(go_live):.1f} s late"
    live = requests.get(production_server.base_url + path, timeout=10).text
    assert REVIEWED_WORD not in live

    time.sleep(max(seconds_until(go_live), 0))
    production_server.wait_for_portal(path, REVIEWED_WORD, timeout=PUBLISH_BUDGET + 5)
    late = -seconds_until(go_live)
    assert late < PUBLISH_BUDGET, f"live {late:.1f} s after the go-live time"
    portal = chromium.new_page(base_url=production_server.base_url)
    assert any(path in h for h in search_hrefs(portal, REVIEWED_WORD))
    portal.close()
    print(f"approved, then go-live → live portal page in {late:.1f} s")
