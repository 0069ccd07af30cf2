"""gunicorn settings for `scripts/run.sh` (one process serving CMS + portal).

Threaded workers with keep-alive: a citizen's browser (and wrk) reuses its connection for the
page, stylesheet and search files instead of a new TCP handshake per file — with sync workers
every request closes its connection, which is what capped the portal at ~0.10× nginx. Static
files are served by WhiteNoise from a file list scanned once per build (cms.portal.serving).
"""

import multiprocessing
import os

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# 2 threads measured best for the portal (1: admin requests queue; 4: more GIL contention).
threads = int(os.environ.get("GUNICORN_THREADS", 2))
keepalive = 30  # seconds an idle keep-alive connection stays open
worker_connections = 1000
preload_app = True  # Django and the portal's file list load once, shared by the workers
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # off by default: a log line per file costs throughput
errorlog = "-"
