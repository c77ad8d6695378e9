"""gunicorn for Lien's pages: sync workers behind nginx (docs/PRODUCTION.md).

    gunicorn -c deploy/gunicorn.conf.py lien.wsgi:application

scripts/prodstack.py passes --bind, --workers and --control-socket on the command line, which
win over the values below. Otherwise the environment decides: GUNICORN_BIND (comma-separated,
e.g. "unix:/run/lien/gunicorn.sock"), WEB_CONCURRENCY (workers), GUNICORN_MAX_REQUESTS,
GUNICORN_TIMEOUT.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001").split(",")
# Sync workers: one request at a time each, which is what Django's ORM and templates do anyway;
# nginx buffers slow clients' bodies and answers, so a worker is never held by the network.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
# Restart each worker after about this many requests (the jitter spreads the restarts) to bound
# memory growth from leaks in any library.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
# A request still running after this is killed (and logged); nginx waits 60 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# Workers fork from a master that has loaded Django: less memory, fast restarts, and an import
# error stops the start with its traceback.
preload_app = True
# The workers' heartbeat files in memory rather than on a possibly slow disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
proc_name = "lien-web"
# nginx writes the access log; errors and worker restarts go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def child_exit(server, worker):
    """A worker that exits takes its live gauges with it (lien/ops/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
