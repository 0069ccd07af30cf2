"""Link health over time: N failures in a row before "down", slow links, the report per OPD."""

import dataclasses

import pytest

from catalogue import App, Catalogue, Opd, Service
from cms.links.health import down_app_slugs, run_link_check
from cms.links.models import LinkStatus


def local_catalogue(base: str, app_path: str = "/toggle", link_path: str = "/ok/pengajuan") -> Catalogue:
    """Records pointing at the local test server (built directly: the https rule is for real records)."""
    catalogue = Catalogue()
    catalogue.add(
        Opd(slug="disdukcapil", name="Disdukcapil Kota Samarinda", short_name="Disdukcapil", kind="dinas"),
        "-",
    )
    catalogue.add(Opd(slug="dpmptsp", name="DPMPTSP Kota Samarinda", short_name="DPMPTSP", kind="dinas"), "-")
    catalogue.add(App(slug="dafduk", name="Dafduk Online", opd="disdukcapil", base_url=base + app_path), "-")
    catalogue.add(App(slug="sicantik", name="SiCantik", opd="dpmptsp", base_url=base + "/ok"), "-")
    catalogue.add(
        Service(
            id="ktp", title="KTP-el", summary="s", opd="disdukcapil", app="dafduk", deep_link=base + link_path
        ),
        "-",
    )
    catalogue.add(
        Service(
            id="pbg", title="PBG", summary="s", opd="dpmptsp", app="sicantik", deep_link=base + "/missing"
        ),
        "-",
    )
    return catalogue


@pytest.fixture
def quick_checks(settings):
    settings.LINK_CHECK_TIMEOUT_SECONDS = 1
    settings.LINK_CHECK_FAILURES_UNTIL_DOWN = 3
    settings.LINK_CHECK_SLOW_SECONDS = 0.25
    return settings


def row(key) -> LinkStatus:
    return LinkStatus.objects.get(key=key)


@pytest.mark.django_db
def test_every_app_and_deep_link_is_recorded_with_status_latency_and_time(app_server, quick_checks):
    summary = run_link_check(local_catalogue(app_server.base))
    assert summary.checked == 4
    app, link, broken = row("dafduk"), row("ktp"), row("pbg")
    assert (app.kind, app.state, app.status_code, app.opd) == ("app", "up", 200, "disdukcapil")
    assert link.kind == "deep_link" and link.state == "up" and link.latency_ms is not None
    assert link.checked_at is not None and link.last_ok_at == link.checked_at
    assert broken.status_code == 404 and broken.consecutive_failures == 1 and broken.error == "HTTP 404"


@pytest.mark.django_db
def test_down_only_after_n_failures_in_a_row_and_up_again_at_once(
    app_server, quick_checks, django_capture_on_commit_callbacks
):
    catalogue = local_catalogue(app_server.base)
    run_link_check(catalogue)
    app_server.toggle_up = False
    for attempt in (1, 2):
        run_link_check(catalogue)
        assert row("dafduk").state == "up" and row("dafduk").consecutive_failures == attempt
        assert down_app_slugs() == frozenset()
    with django_capture_on_commit_callbacks() as callbacks:
        summary = run_link_check(catalogue)
    assert row("dafduk").state == "down" and row("dafduk").status_code == 503
    assert summary.apps_changed == ("dafduk",) and down_app_slugs() == {"dafduk"}
    assert callbacks  # the portal was asked to show the banner

    app_server.toggle_up = True
    summary = run_link_check(catalogue)
    assert row("dafduk").state == "up" and row("dafduk").consecutive_failures == 0
    assert summary.apps_changed == ("dafduk",) and down_app_slugs() == frozenset()


@pytest.mark.django_db
def test_slow_links_are_marked_slow(app_server, quick_checks):
    app_server.slow_seconds = 0.4
    run_link_check(local_catalogue(app_server.base, link_path="/slow/pengajuan"))
    assert row("ktp").state == "slow" and row("ktp").latency_ms >= 400


@pytest.mark.django_db
def test_a_changed_url_starts_afresh_and_removed_links_go(app_server, quick_checks):
    catalogue = local_catalogue(app_server.base)
    for _ in range(3):
        run_link_check(catalogue)
    assert row("pbg").state == "down"
    fixed = dataclasses.replace(catalogue.services["pbg"], deep_link=app_server.base + "/ok/pbg")
    catalogue.services["pbg"] = fixed
    del catalogue.services["ktp"]
    run_link_check(catalogue)
    assert row("pbg").state == "up" and row("pbg").consecutive_failures == 0
    assert not LinkStatus.objects.filter(key="ktp").exists()


@pytest.mark.django_db
def test_check_links_command_prints_the_problems(app_server, quick_checks, monkeypatch, capsys):
    from django.core.management import call_command

    from cms.publishing import queue

    monkeypatch.setattr(queue, "published_catalogue", lambda: local_catalogue(app_server.base))
    call_command("check_links")
    out = capsys.readouterr().out
    assert "4 tautan diperiksa" in out
    assert "PBG" in out and "HTTP 404" in out


@pytest.mark.django_db
def test_the_periodic_task_checks_links_through_the_task_queue(app_server, quick_checks, monkeypatch):
    from cms.publishing import queue
    from cms.publishing.management.commands.publish_worker import schedule_once
    from cms.publishing.queue import LINKS_QUEUE
    from cms.publishing.worker import run_ready

    monkeypatch.setattr(queue, "published_catalogue", lambda: local_catalogue(app_server.base))
    quick_checks.LINK_CHECK_INTERVAL_SECONDS = 900
    schedule_once()  # due: nothing was ever checked
    assert run_ready(LINKS_QUEUE) == 1
    assert LinkStatus.objects.count() == 4 and row("pbg").status_code == 404
    schedule_once()  # checked just now: not due again
    assert run_ready(LINKS_QUEUE) == 0
