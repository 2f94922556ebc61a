"""gunicorn's settings for Braid in production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be changed from the environment (GUNICORN_*), so one file serves one school's box and each node
of an authority's cluster. `make serve` runs it locally with the jobs worker beside it.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads let a worker overlap its database waits; processes use the cores. Two a core plus one is gunicorn's
# own advice for sync work; each worker then has a few threads for the time it spends waiting.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
# A request that runs longer than this is stuck (the slowest page answers in well under a second); the worker is
# replaced. Long work (bundles, exports, mail) runs in the jobs worker, never in a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Bound each worker's life, with jitter so that workers do not all restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
# The app is loaded in each worker after the fork: no database connection or key handle is shared across
# processes, and `kill -HUP` (graceful reload) starts new workers on the new code before the old ones finish.
preload_app = False
# Header and request-line limits: nginx in front enforces the body limit (see deploy/nginx.conf).
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "braid")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# One JSON object a line, as the app logs, with the request id and the path's secrets and query values cut out.
logger_class = "app.serving.JsonLogger"

# Prometheus metrics (GET /metrics): each worker writes its samples to a directory they share, emptied when the
# server starts (not on a graceful reload); a worker that exits is marked dead so its live gauges stop counting.
from app import serving  # noqa: E402 - light: the log format only (see app/serving.py)

metrics_dir = serving.metrics_dir(bind, proc_name)
serving.use_metrics_dir(metrics_dir)


def on_starting(server):
    serving.empty_metrics_dir(metrics_dir)


def child_exit(server, worker):
    serving.worker_exited(worker.pid)

# gunicorn's control socket (gunicornc) defaults to one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn): a second
# server on the same machine would take it over. Braid's server is driven by signals (HUP, TERM); give
# GUNICORN_CONTROL_SOCKET a path of this server's own to use gunicornc.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
