"""The search-report endpoint and the "Pencarian warga" report, through Django's test client.

(The browser test on the real server is tests/e2e/test_search_loop.py.)
"""

import json

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches

from cms.feedback import aggregate
from cms.feedback.models import SearchDay
from cms.feedback.scrub import clean_query

URL = "/api/laporan-pencarian"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits(settings, tmp_path):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "LOCATION": str(tmp_path)},
    }
    caches["ratelimit"].clear()
    aggregate.flush()
    yield
    aggregate._pending.clear()


def post(client, body, content_type="text/plain", **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type, **extra)


def test_personal_data_is_masked_before_storage(client):
    query = "ktp hilang 6471012304560001 hubungi 0812-3456-7890 atau budi.santoso@example.com"
    assert post(client, {"q": query, "results": 0}).status_code == 204
    assert (
        post(client, {"q": query.upper(), "results": 3, "opened": 1, "service": "ktp-el"}).status_code == 204
    )
    aggregate.flush()
    row = SearchDay.objects.get()
    assert row.query == "ktp hilang [nik] hubungi [telepon] atau [email]"
    assert (row.searches, row.zero_results, row.opens, row.opens_by_rank, row.opened_services) == (
        1,
        1,
        1,
        {"1": 1},
        {"ktp-el": 1},
    )
    stored = json.dumps([list(r.values()) for r in SearchDay.objects.values()], default=str)
    for secret in ("6471012304560001", "3456", "budi", "example.com"):
        assert secret not in stored


def test_query_is_truncated_and_grouped_numbers_are_masked():
    assert len(clean_query("akta " * 60, 100)) <= 100
    assert clean_query("NIK 6471 0123 0456 0001 dan +62 812 3456 7890", 100) == "nik [nik] dan [telepon]"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"x" * 1_000_000, 413, "terlalu besar"),
        ("{bukan json", 400, "bukan JSON"),
        ({"q": "ktp"}, 400, "'results'"),
        ({"q": "ktp", "results": "3"}, 400, "'results'"),
        ({"q": "ktp", "results": 1, "cookie": "x"}, 400, "'cookie'"),
        ({"q": "ktp", "results": 1, "service": "<script>"}, 400, "'service'"),
        ({"q": "ktp", "results": 1, "top": "Ahmad <b>"}, 400, "'top'"),
    ],
)
def test_bad_bodies_are_refused_clearly_and_nothing_is_stored(client, body, status, message):
    response = post(client, body)
    assert response.status_code == status
    assert message in response.json()["error"]
    aggregate.flush()
    assert not SearchDay.objects.exists()


def test_a_burst_beyond_the_rate_limit_gets_429_and_is_not_counted(client, settings):
    settings.SEARCH_LOG_RATE = "5/m"
    codes = [post(client, {"q": "banjir", "results": 2}).status_code for _ in range(8)]
    assert codes == [204] * 5 + [429] * 3
    aggregate.flush()
    assert SearchDay.objects.get().searches == 5
    # another client address has its own allowance
    assert post(client, {"q": "banjir", "results": 2}, REMOTE_ADDR="10.0.0.9").status_code == 204


def test_no_cookie_is_set_and_get_is_refused(client):
    response = post(client, {"q": "kk", "results": 1})
    assert not response.cookies
    assert client.get(URL).status_code == 405


def test_report_lists_zero_result_queries_with_prefilled_fixes(client):
    post(client, {"q": "Surat Kuning Kerja", "results": 0})
    post(client, {"q": "ktp", "results": 4})
    aggregate.flush()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    page = client.get("/admin/reports/pencarian-warga/?tampilan=tanpa-hasil").content.decode()
    assert "surat kuning kerja" in page and ">ktp<" not in page
    assert (
        "/admin/snippets/vocabulary/searchtermentry/add/?kind=sinonim&amp;terms=surat+kuning+kerja%2C+"
        in page
    )
    form = client.get(
        "/admin/snippets/vocabulary/searchtermentry/add/?kind=sinonim&terms=surat+kuning+kerja%2C+"
    )
    assert "surat kuning kerja,</textarea>" in form.content.decode()
    export = client.get("/admin/reports/pencarian-warga/?tampilan=teratas&export=csv")
    csv = b"".join(export.streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Kueri,Pencarian (7 hari)")
    assert "ktp,1,0,baru,0,0" in csv


def asgi_post(body: bytes, headers=()) -> tuple[int, bytes]:
    """POST through the ASGI front door's fast path, as gunicorn's uvicorn worker calls it."""
    import asyncio

    from cms.portal.serving import PortalASGI

    async def django(scope, receive, send):  # must not be reached
        raise AssertionError("the report went through Django")

    app = PortalASGI(django, "/nonexistent")
    sent = []
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]

    async def receive():
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": URL,
        "client": ("10.1.2.3", 5000),
        "headers": [(b"content-length", str(len(body)).encode()), *headers],
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


def test_the_asgi_front_door_answers_reports_itself_with_the_same_rules():
    assert asgi_post(json.dumps({"q": "Akta 0812 3456 7890", "results": 0}).encode()) == (204, b"")
    status, body = asgi_post(b"x" * 1_000_000)
    assert status == 413 and "terlalu besar" in json.loads(body)["error"]
    status, body = asgi_post(b"{nope")
    assert status == 400 and "bukan JSON" in json.loads(body)["error"]
    aggregate.flush()
    assert list(SearchDay.objects.values_list("query", "zero_results")) == [("akta [telepon]", 1)]


def report_csv(client, view: str) -> str:
    export = client.get(f"/admin/reports/pencarian-warga/?tampilan={view}&export=csv")
    return b"".join(export.streaming_content).decode("utf-8-sig")


def test_an_opd_editor_sees_queries_to_their_services_and_every_zero_result_query(client):
    from pathlib import Path

    from django.core.management import call_command

    call_command("import_catalogue", str(Path(__file__).resolve().parents[3] / "content"), verbosity=0)
    call_command("setup_demo", verbosity=0)
    post(client, {"q": "ktp elektronik", "results": 3})
    post(client, {"q": "ktp elektronik", "results": 3, "opened": 1, "service": "ktp-el"})
    post(client, {"q": "pajak bumi", "results": 2})
    post(client, {"q": "pajak bumi", "results": 2, "opened": 1, "service": "pbb-p2-pembayaran"})
    post(client, {"q": "akta lahir", "results": 2, "top": "akta-kelahiran"})  # Disdukcapil's first
    post(client, {"q": "nomor pajak", "results": 2, "top": "pendaftaran-npwpd"})  # Bapenda's first
    post(client, {"q": "qwzx blorp", "results": 0})
    aggregate.flush()

    client.force_login(User.objects.get(username="editor-disdukcapil"))
    page = client.get("/admin/reports/pencarian-warga/").content.decode()
    assert "ktp elektronik" in page and "qwzx blorp" in page and "akta lahir" in page
    assert "pajak bumi" not in page and "nomor pajak" not in page
    assert "data-report-scope" in page
    csv = report_csv(client, "teratas")
    assert "ktp elektronik,1,0,baru,0,1" in csv and "qwzx blorp,1,0,baru,1,0" in csv
    assert "akta lahir,1,0,baru,0,0" in csv
    assert "pajak bumi" not in csv and "nomor pajak" not in csv
    assert "qwzx blorp" in report_csv(client, "tanpa-hasil")
    unopened = report_csv(client, "tidak-dibuka").splitlines()[1:]
    assert [line.split(",")[0] for line in unopened] == ["akta lahir"]
    assert SearchDay.objects.get(query="akta lahir").top_services == {"akta-kelahiran": 1}

    client.force_login(User.objects.get(username="admin"))
    csv = report_csv(client, "teratas")
    assert all(q in csv for q in ("ktp elektronik", "pajak bumi", "akta lahir", "nomor pajak", "qwzx blorp"))
    assert "data-report-scope" not in client.get("/admin/reports/pencarian-warga/").content.decode()
    unopened = report_csv(client, "tidak-dibuka").splitlines()[1:]
    assert sorted(line.split(",")[0] for line in unopened) == ["akta lahir", "nomor pajak"]


def test_a_flush_adds_to_the_days_rows_in_a_few_statements(django_assert_max_num_queries):
    """The flush runs beside the portal's event loop: a statement or two per query held pages up."""
    for i in range(120):
        aggregate.add(f"kueri {i}", i % 3, None, None, "ktp-el" if i % 3 else None)
    with django_assert_max_num_queries(8):
        assert aggregate.flush() == 120
    for i in range(120):
        aggregate.add(f"kueri {i}", 2, 1 + i % 2, "ktp-el")
    aggregate.add("kueri 0", 0, None, None)
    aggregate.add("baru", 0, None, None)
    with django_assert_max_num_queries(8):
        assert aggregate.flush() == 121
    first, second = SearchDay.objects.get(query="kueri 0"), SearchDay.objects.get(query="kueri 1")
    assert (first.searches, first.zero_results, first.opens, first.opens_by_rank) == (2, 2, 1, {"1": 1})
    assert (first.opened_services, first.top_services) == ({"ktp-el": 1}, {})
    assert (second.searches, second.zero_results, second.opens, second.opens_by_rank) == (1, 0, 1, {"2": 1})
    assert (second.opened_services, second.top_services) == ({"ktp-el": 1}, {"ktp-el": 1})
    assert SearchDay.objects.count() == 121


@pytest.mark.django_db(transaction=True)
def test_the_writer_thread_keeps_its_connection_and_opens_a_new_one_after_a_failure(monkeypatch):
    import threading

    from django.db import DatabaseError, connection

    connections_seen, closed = [], []
    real_write = aggregate._write
    real_close_all = aggregate.connections.close_all

    def close_all():  # SQLite's in-memory test database ignores a close: count the calls
        closed.append(len(connections_seen))
        real_close_all()

    monkeypatch.setattr(aggregate.connections, "close_all", close_all)

    def broken_write(batch):
        raise DatabaseError("the database went away")

    def write_four_times():
        try:
            for failing in (False, False, True, False):
                aggregate.add("ktp hilang", 1, None, None)
                monkeypatch.setattr(aggregate, "_write", broken_write if failing else real_write)
                aggregate.flush_keeping_connection()
                connections_seen.append(connection.connection)
        finally:
            connection.close()  # the thread's own, kept open by design

    writer = threading.Thread(target=write_four_times)  # the flush thread has its own connection
    writer.start()
    writer.join()
    first, second, _after_failure, last = connections_seen
    assert first is not None and second is first
    assert closed == [2] and last is not None  # closed once, after the failed third flush
    assert SearchDay.objects.get(query="ktp hilang").searches == 4  # the failed flush's count kept
