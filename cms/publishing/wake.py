"""Waking the publish worker the moment there is work, so that it can sleep instead of polling.

Whoever queues work (a publish in the admin, an import, Wagtail's own tasks) calls
`wake_worker()`. On PostgreSQL that is a NOTIFY inside the same transaction: PostgreSQL
delivers it when, and only if, the transaction commits, to the worker's LISTEN connection,
from any machine. On SQLite (one machine by nature) it is one datagram to the worker's Unix
socket once the transaction has committed; nobody listening costs one failed send.

`Listener` is the worker's end. It also makes the worker the only one for its database:
binding the socket, or PostgreSQL's session advisory lock, succeeds for one process and is
released by the kernel or the server when that process dies, however it dies (SIGKILL
included). So a worker that holds it knows that any task still marked running was left by
a dead worker, and may recover it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import select
import socket
import sys

from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

CHANNEL = "santer_publish_worker"
# pg_try_advisory_lock takes a 64-bit key; advisory locks are per database already.
LOCK_KEY = int.from_bytes(hashlib.sha256(CHANNEL.encode()).digest()[:8], "big", signed=True)


def _sqlite_address(settings_dict: dict) -> str | bytes:
    name = str(settings_dict["NAME"])
    # An in-memory database belongs to one process only.
    name = f"{name}:{os.getpid()}" if "memory" in name or not name else os.path.realpath(name)
    digest = hashlib.sha256(name.encode()).hexdigest()[:24]
    if sys.platform.startswith("linux"):
        return f"\0santer-publish-worker-{digest}"  # abstract: no file, gone with its process
    return os.path.join(os.path.dirname(name), f".santer-worker-{digest}.sock")


class _Wake:
    """The on-commit callback of one transaction: later wake-ups in it add nothing."""

    def __init__(self, alias: str):
        self.alias = alias

    def __call__(self):
        conn = connections[self.alias]
        if conn.vendor != "postgresql":
            _send_datagram(conn.settings_dict)


def wake_worker(using: str = DEFAULT_DB_ALIAS) -> None:
    """Wake the publish worker once the current transaction commits (at once outside one)."""
    conn = connections[using]
    if conn.in_atomic_block:
        for _sids, func, _robust in conn.run_on_commit:
            if isinstance(func, _Wake):
                return
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:  # delivered at commit, together with what it announces
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    if conn.in_atomic_block:
        transaction.on_commit(_Wake(using), using=using, robust=True)
    else:
        _Wake(using)()


def _send_datagram(settings_dict: dict) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        # Nobody listening, or its buffer is full (then it is awake anyway): nothing to do.
        with contextlib.suppress(OSError):
            sock.sendto(b"w", _sqlite_address(settings_dict))


class Listener:
    """The worker's end: `wait(timeout)` returns True when woken, False on timeout.

    Created with `Listener.acquire()`, which returns None while another worker holds the
    database (the caller waits and tries again, or goes without).
    """

    @classmethod
    def acquire(cls, using: str = DEFAULT_DB_ALIAS) -> Listener | None:
        conn = connections[using]
        if conn.vendor == "postgresql":
            return _PostgresListener.acquire(using)
        return _SocketListener.acquire(conn.settings_dict)

    def wait(self, timeout: float | None) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _SocketListener(Listener):
    def __init__(self, sock: socket.socket, address):
        self.sock = sock
        self.address = address

    @classmethod
    def acquire(cls, settings_dict: dict) -> Listener | None:
        address = _sqlite_address(settings_dict)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            if isinstance(address, str) and not address.startswith("\0") and os.path.exists(address):
                # A socket file outlives a killed worker; it is only ours to remove if nobody answers.
                probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                try:
                    probe.connect(address)
                except ConnectionRefusedError:
                    os.unlink(address)
                finally:
                    probe.close()
            sock.bind(address)
        except OSError:
            sock.close()
            return None
        sock.setblocking(False)
        return cls(sock, address)

    def wait(self, timeout: float | None) -> bool:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return False
        while True:  # one wake-up for however many datagrams arrived
            try:
                self.sock.recv(64)
            except BlockingIOError:
                return True

    def close(self) -> None:
        self.sock.close()
        if isinstance(self.address, str) and not self.address.startswith("\0"):
            with contextlib.suppress(OSError):
                os.unlink(self.address)


class _PostgresListener(Listener):
    """A connection of its own (Django's may be closed between requests) that LISTENs."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    @classmethod
    def acquire(cls, using: str) -> Listener | None:
        wrapper = connections.create_connection(using)
        wrapper.ensure_connection()
        wrapper.set_autocommit(True)
        raw = wrapper.connection
        if not raw.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
            wrapper.close()
            return None
        raw.execute(f"LISTEN {CHANNEL}")
        return cls(wrapper)

    def wait(self, timeout: float | None) -> bool:
        raw = self.wrapper.connection
        woken = False
        for _notify in raw.notifies(timeout=timeout, stop_after=1):
            woken = True
        if woken:
            for _notify in raw.notifies(timeout=0):  # drain what else has arrived
                pass
        return woken

    def close(self) -> None:
        self.wrapper.close()
