"""The worker's wake-up: queued work wakes it at once, and one worker holds a database at a time."""

import threading
import time

import pytest
from django.db import connection, transaction

from cms.publishing.wake import Listener, wake_worker


@pytest.fixture
def listener(transactional_db):
    listener = Listener.acquire()
    assert listener is not None
    yield listener
    listener.close()


def test_a_second_worker_cannot_take_the_database_while_the_first_holds_it(listener):
    assert Listener.acquire() is None
    listener.close()
    second = Listener.acquire()  # the first one has stopped: the second may start
    assert second is not None
    second.close()


def test_a_committed_wake_up_wakes_the_worker_at_once_and_a_rolled_back_one_does_not(listener):
    assert listener.wait(0.2) is False  # nothing queued: it sleeps

    with transaction.atomic():
        wake_worker()
        wake_worker()  # once per transaction is enough
        assert listener.wait(0.2) is False  # not before the commit
    started = time.monotonic()
    assert listener.wait(5) is True
    assert time.monotonic() - started < 1
    assert listener.wait(0.2) is False  # one wake-up per commit, drained

    try:
        with transaction.atomic():
            wake_worker()
            raise RuntimeError("the publish failed")
    except RuntimeError:
        pass
    assert listener.wait(0.5) is False


def test_a_publish_in_another_thread_wakes_a_waiting_worker(listener):
    def publish():
        time.sleep(0.3)
        with transaction.atomic():
            wake_worker()
        connection.close()

    thread = threading.Thread(target=publish)
    thread.start()
    started = time.monotonic()
    assert listener.wait(10) is True
    assert 0.2 < time.monotonic() - started < 5
    thread.join()


def test_postgres_wakes_by_listen_notify(listener):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL (DATABASE_URL=postgres://…); SQLite uses a datagram")
    from cms.publishing.wake import _PostgresListener

    assert isinstance(listener, _PostgresListener)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify('santer_publish_worker', '')")
    assert listener.wait(5) is True
