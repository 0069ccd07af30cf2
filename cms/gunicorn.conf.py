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

import multiprocessing
import os

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "uvicorn_worker.UvicornWorker")
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
