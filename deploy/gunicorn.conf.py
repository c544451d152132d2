"""gunicorn settings for the tracker: ``gunicorn -c deploy/gunicorn.conf.py 'tracker:create_app()'``.

Every value can be overridden from the environment (names below) or the command line. Reload code and settings
without dropping a request: ``kill -HUP <master pid>`` (``systemctl reload tracker-web``): the master starts new
workers with the new code, then stops the old ones after their current requests (``graceful_timeout``).
"""
import multiprocessing
import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # nginx in front; never exposed directly
# The app is synchronous and spends most of a request in Python, little waiting on PostgreSQL: cores + 1 keeps the
# cores busy. More workers only compete for them (on 2 cores, with PostgreSQL on the same machine, the load test
# served 92 requests/s with 3 workers and 77 with 5, gunicorn's generic 2 × cores + 1). With PostgreSQL on another
# machine a request waits longer for it: raise WEB_CONCURRENCY there and measure. Each worker holds its own
# connection pool: workers × pool size must fit max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request that takes longer than this is stuck (pages answer in well under a second): kill and replace the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On reload or stop, a worker gets this long to finish the requests it has started.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5  # nginx keeps upstream connections open; a little longer than its idle time is not needed
# Recycle workers now and then, so a slow leak never grows without bound; jitter keeps them from restarting together.
# A new worker costs about 2 CPU seconds (importing the app, compiling its templates on first use): every 2,000
# requests that was a twentieth of a busy server's CPU, and the workers, started together, were recycled together.
# Under load a worker's memory grew about 1 MB per 2,000 requests after its first pages: 10,000 keeps that small.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = 2000
# No preload: on HUP every new worker imports the new code, which is what a deploy wants.
preload_app = False
# X-Forwarded-Proto from nginx on this host decides https (secure cookies, redirects).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr (journald). The access line is written by our logger: method, path WITHOUT the query
# string, status, duration and request id; no client address, user, referrer or user agent (personal data).
# LOG_FORMAT=json makes every gunicorn line a JSON object, like the app's.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "tracker.operations.logging.GunicornLogger"


# Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR set by the unit): every worker writes its request figures
# into files there and /metrics adds them up. Files of a previous run would be counted again, so the master empties
# the directory before the first worker starts.
def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


# A worker that ended (recycled after max_requests, replaced after a timeout) leaves its files: its counts go into
# one archive file per kind, so the directory does not grow with every recycled worker (scrapes stay fast).
def child_exit(server, worker):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        from tracker.operations.metric_files import archive_ended_worker

        multiprocess.mark_process_dead(worker.pid)
        archive_ended_worker(directory, worker.pid)


# gunicorn 24+ opens a control socket in the user's home ($HOME/.gunicorn/gunicorn.ctl), shared by every instance
# of that user; systemctl and signals are how this service is controlled.
control_socket_disable = True


def post_worker_init(worker):
    # The app lives as long as the worker: out of the cyclic garbage collector's sight, which runs less often
    # (GC_THRESHOLD; tracker.config.settle_long_lived_process says why).
    from tracker.config import settle_long_lived_process

    settle_long_lived_process()
