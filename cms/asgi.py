"""ASGI entry point (what cms/gunicorn.conf.py serves): the built portal, then the admin and API.

Django's views stay synchronous; Django's ASGI handler runs them in a thread. The portal's
files never reach Django: PortalASGI answers them on the event loop from the live build.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")

django_application = get_asgi_application()

from cms.portal.serving import PortalASGI  # noqa: E402

# The portal at / (PORTAL_DIR, swapped atomically by build_portal); Django for the rest.
application = PortalASGI.from_settings(django_application)
application.live()  # scan the live build now (before gunicorn forks, when preloading)
