"""gunicorn settings for `scripts/run.sh` (one process serving CMS + portal): run `cms.asgi:application`.

gunicorn's asyncio (ASGI) worker on uvloop: a keep-alive connection's next request is read and
answered on the event loop, with no hand-off to a thread pool — on this 2-CPU machine that is
about three times the requests per second of the threaded WSGI worker (benchmarks/serve.py).
The portal's files are answered from memory by cms.portal.serving.PortalASGI; Django (admin,
API) runs its synchronous views in a thread. For a WSGI-only set-up, `cms.wsgi:application`
with GUNICORN_WORKER_CLASS=gthread still works.
"""

import multiprocessing
import os

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "asgi")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
if worker_class == "gthread":
    # 2 threads measured best for the portal (1: admin requests queue; 4: more GIL contention).
    threads = int(os.environ.get("GUNICORN_THREADS", 2))
keepalive = 30  # seconds an idle keep-alive connection stays open
worker_connections = 1000
preload_app = True  # Django and the portal's file list load once, shared by the workers
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # off by default: a log line per file costs throughput
errorlog = "-"
