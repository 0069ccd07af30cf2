"""WSGI entry point: the Wagtail admin and API, and the built portal through WhiteNoise."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")

django_application = get_wsgi_application()

from cms.portal.serving import PortalApp  # noqa: E402

# The portal at / (PORTAL_DIR, swapped atomically by build_portal); Django for the rest.
application = PortalApp.from_settings(django_application)
application.live()  # scan the live build now (before gunicorn forks, when preloading)
