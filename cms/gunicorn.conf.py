"""gunicorn settings for `scripts/run.sh` (one process serving CMS + portal): run `cms.asgi:application`.

gunicorn manages the processes (preloading, graceful HUP/USR2 restarts, timeouts); each worker
is uvicorn (the `uvicorn-worker` package: uvloop and httptools). uvicorn keeps a connection
alive across requests on every route, answers pipelined requests in order and parks slow
clients on its event loop; gunicorn's own young "asgi" worker answered one request per
keep-alive connection on Django's routes and then hung (README, "Web server"). The portal's
files are answered from memory by cms.portal.serving.PortalASGI on the event loop; Django
(admin, API) runs its synchronous views in a thread. For a WSGI-only set-up,
`cms.wsgi:application` with GUNICORN_WORKER_CLASS=gthread still works.
"""

from cms import settings  # the app's settings, read from the environment there (preload imports them anyway)

worker_class = settings.GUNICORN_WORKER_CLASS
workers = settings.WEB_CONCURRENCY
if worker_class == "gthread":
    # 2 threads measured best for the portal (1: admin requests queue; 4: more GIL contention).
    threads = settings.GUNICORN_THREADS
keepalive = 30  # seconds an idle keep-alive connection stays open
worker_connections = 1000
preload_app = True  # Django and the portal's file list load once, shared by the workers
timeout = 60
graceful_timeout = 20
accesslog = settings.GUNICORN_ACCESS_LOG  # off by default: a log line per file costs throughput
errorlog = "-"
