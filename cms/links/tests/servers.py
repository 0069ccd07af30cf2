"""Small HTTP servers on 127.0.0.1 (only there) that behave like healthy and broken apps."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class AppHandler(BaseHTTPRequestHandler):
    """Paths name the behaviour: /ok, /error, /missing, /slow, /hang, /redirect, /loop-a, ..."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_HEAD(self):
        self._answer(head=True)

    def do_GET(self):
        self._answer(head=False)

    def _send(self, status, location=None, body=b"ok"):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _answer(self, head):
        server = self.server
        path = self.path.split("?")[0]
        with server.lock:
            server.hits.append((self.command, path))
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            self._route(path, head)
        finally:
            with server.lock:
                server.in_flight -= 1

    def _route(self, path, head):
        server = self.server
        if path.startswith("/toggle"):
            self._send(200 if server.toggle_up else getattr(server, "down_status", 503))
        elif path.startswith("/ok"):
            self._send(200)
        elif path == "/error":
            self._send(500)
        elif path == "/missing":
            self._send(404)
        elif path == "/login":
            self._send(401)
        elif path.startswith("/slow"):
            time.sleep(server.slow_seconds)
            self._send(200)
        elif path == "/hang":
            time.sleep(server.hang_seconds)
            self._send(200)
        elif path == "/redirect":
            self._send(302, "/ok/target")
        elif path == "/loop-a":
            self._send(302, "/loop-b")
        elif path == "/loop-b":
            self._send(301, "/loop-a")
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._send(302, f"/chain/{left - 1}") if left else self._send(200)
        elif path == "/no-head":
            self._send(405 if head else 200)
        else:
            self._send(404)


@pytest.fixture
def app_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AppHandler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.hits = []
    server.in_flight = server.max_in_flight = 0
    server.slow_seconds = 0.4
    server.hang_seconds = 3.0
    server.toggle_up = True
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
