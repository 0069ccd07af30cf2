"""A portal path the live build has no file for is answered by the front door itself, never by Django.

Both front doors (PortalASGI for uvicorn, PortalApp for WSGI servers) answer it with the build's
own 404 page; a path missing its final slash gets the build's redirect. Django would only add
work: it has no route outside DJANGO_PREFIXES, which the first test keeps true.
"""

import pytest

from cms.portal.serving import DJANGO_PREFIXES, PortalApp, PortalASGI
from tests.front_door import asgi_call, small_portal, wsgi_call


def django_routes(patterns=None, prefix="/"):
    from django.urls import get_resolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        if hasattr(pattern, "url_patterns"):
            yield from django_routes(pattern.url_patterns, route)
        else:
            yield route


def test_every_django_route_is_under_a_django_prefix():
    routes = list(django_routes())
    assert any(r.startswith("/api/v2/") for r in routes) and "/api/search" in routes
    outside = [r for r in routes if not r.startswith(DJANGO_PREFIXES)]
    assert outside == [], f"Django routes the portal's front door would answer with 404: {outside}"


class DjangoStub:
    """Stands in for Django and counts what reaches it."""

    def __init__(self):
        self.paths = []

    async def asgi(self, scope, receive, send):
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 404, "headers": [(b"x-from", b"django")]})
        await send({"type": "http.response.body", "body": b"django"})

    def wsgi(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        start_response("404 Not Found", [("X-From", "django")])
        return [b"django"]


@pytest.fixture
def portal(tmp_path):
    return small_portal(tmp_path / "portal")


@pytest.mark.parametrize("door", ["asgi", "wsgi"])
def test_missing_portal_paths_get_the_build_404_without_django(portal, door):
    django = DjangoStub()
    if door == "asgi":
        app, call = PortalASGI(django.asgi, portal), asgi_call
    else:
        app, call = PortalApp(django.wsgi, portal), wsgi_call

    for path in ("/tidak-ada/", "/layanan/tidak-ada/", "/layanan/ktp/lama.html", "/%E2%9C%93/"):
        status, headers, body = call(app, path)
        assert (status, body) == (404, b"<h1>Halaman tidak ditemukan</h1>"), path
        assert headers["cache-control"] == "no-cache"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
    status, _, body = call(app, "/tidak-ada/", method="POST")  # a form posted to a wrong address
    assert (status, body) == (404, b"<h1>Halaman tidak ditemukan</h1>")
    status, _, body = call(app, "/tidak-ada/", method="HEAD")
    assert (status, body) == (404, b"")
    status, headers, _ = call(app, "/layanan/ktp")  # the build's own redirect to the slashed address
    assert status in (301, 302) and headers["location"].endswith("ktp/")
    assert django.paths == []

    call(app, "/admin/")  # Django's prefixes still go to Django
    assert django.paths == ["/admin/"]


def test_before_the_first_build_django_answers(tmp_path):
    django = DjangoStub()
    status, headers, body = asgi_call(PortalASGI(django.asgi, tmp_path / "belum-ada"), "/tidak-ada/")
    assert (status, body) == (404, b"django") and django.paths == ["/tidak-ada/"]
