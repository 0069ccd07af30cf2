"""The production web server (cms/gunicorn.conf.py) over real sockets: what browsers and API
clients rely on, on every kind of route. gunicorn's former asgi worker failed the first of these."""

import functools

import pytest
import requests

from tests.e2e import http_checks

pytestmark = pytest.mark.browser  # the production set-up: runs once, with the browser tests

LARGE = {}


def prepare_data(data):
    LARGE["sha256"] = http_checks.write_large_file((data / "portal").resolve())


@pytest.fixture(scope="module")
def address(production_server):
    return "127.0.0.1", production_server.port


def test_keep_alive_on_every_route(address):
    http_checks.keep_alive(*address)


def test_pipelined_requests_are_answered_in_order(address):
    http_checks.pipelining(*address)


def test_slow_clients_hold_up_no_one(address):
    http_checks.slow_clients(*address)


def test_admin_form_post_and_image_upload(production_server):
    http_checks.request_bodies(production_server.base_url, "admin", "santer-demo")


def test_a_large_file_streams_whole_while_others_are_served(address):
    http_checks.streaming(*address, LARGE["sha256"])


def test_graceful_restart_fails_no_request(production_server):
    answered = http_checks.graceful_restart(production_server.base_url, production_server.reload_web)
    assert answered > 20


def test_an_api_client_reads_pages_and_searches_on_one_connection(production_server):
    """requests.Session (one keep-alive connection): the page list, 100 service details, 50 searches.

    The defect this guards against (the second request on a kept-alive connection never answered)
    shows as a request timing out; how fast the answers come is the benchmarks' business."""
    base = production_server.base_url
    session = requests.Session()
    session.request = functools.partial(session.request, timeout=10)
    connections = []
    session.hooks["response"].append(lambda r, *a, **k: connections.append(r.raw.connection))
    ids, total = [], None
    while total is None or len(ids) < total:  # the API's pages of 20 (WAGTAILAPI_LIMIT_MAX)
        listing = session.get(
            f"{base}/api/v2/pages/", params={"type": "services.ServicePage", "offset": len(ids)}
        )
        assert listing.status_code == 200
        total = listing.json()["meta"]["total_count"]
        ids += [item["id"] for item in listing.json()["items"]]
    assert len(ids) >= 40  # the demo catalogue's services
    statuses = []
    for n in range(100):
        detail = session.get(f"{base}/api/v2/pages/{ids[n % len(ids)]}/")
        statuses.append(detail.status_code)
        assert detail.json()["meta"]["type"] == "services.ServicePage"
    words = [
        "ktp",
        "akta kelahiran",
        "bikin kk",
        "imb",
        "pajak bumi",
        "sampah",
        "nikah",
        "pindah",
        "sehat",
        "izin",
    ]
    for n in range(50):
        search = session.get(f"{base}/api/search", params={"q": words[n % len(words)]})
        statuses.append(search.status_code)
    assert set(statuses) == {200}
    assert None not in connections and len(set(map(id, connections))) == 1, "more than one connection"
