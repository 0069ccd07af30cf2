"""A built portal folder served by the portal's own WSGI app (its headers and CSP), in a thread."""

import threading
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cms.portal.serving import PortalApp


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a browser opens several connections at once


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


@contextmanager
def serve_portal(folder):
    """Yields the base URL of `folder` served on a free port of 127.0.0.1."""
    server = make_server(
        "127.0.0.1", 0, PortalApp(not_found, folder), server_class=ThreadingServer, handler_class=QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
