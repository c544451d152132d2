"""``/metrics`` in the Prometheus text format (prometheus_client), for a scraper on this host or one holding a token.

Two kinds of figures:

- **per request** (count and latency by endpoint name, never by raw path: paths hold case ids and would make one
  series per case), kept in process memory, or, when ``PROMETHEUS_MULTIPROC_DIR`` is set (several gunicorn
  workers), in files there that every worker's scrape adds up;
- **the system's state** (queue lengths, due timers, sweep lag, outbox backlog), read from PostgreSQL and Redis at
  scrape time by whichever process answers: they are the same for every process, so they need no aggregation.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from redis import Redis
from rq import Queue

from tracker import clock
from tracker.clock import BERLIN
from tracker.extensions import db
from tracker.http.public import public  # deny-by-default allow-list
from tracker.jobs.queue import QUEUES
from tracker.notifications.models import WAITING, OutboxMessage, OutboxStatus
from tracker.timers.models import Timer, TimerStatus

log = logging.getLogger(__name__)

blueprint = Blueprint("operations_metrics", __name__)

#: Request figures live in their own registry (single process) or in the multiprocess files; either way the
#: library's process-wide default registry stays untouched, so a second app in one process (tests) is harmless.
REQUESTS_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("tracker_http_requests", "HTTP requests answered, by endpoint name, method and status.",
                   ["endpoint", "method", "status"], registry=REQUESTS_REGISTRY)
LATENCY = Histogram("tracker_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint name.",
                    ["endpoint", "method"], registry=REQUESTS_REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0))

#: Methods outside this set are counted as "other": a client must not be able to invent label values.
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def start_timer() -> None:
    g.metrics_started = time.perf_counter()


def record_request(response):
    started = g.pop("metrics_started", None)
    endpoint = request.endpoint or "unmatched"  # a URL no route matched: one series for all of them
    method = request.method if request.method in KNOWN_METHODS else "other"
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(endpoint, method).observe(time.perf_counter() - started)
    return response


def install(app: Flask) -> None:
    # First in line, so the time includes the login check and the count includes its redirects.
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request(record_request)
    app.register_blueprint(blueprint)


@blueprint.route("/metrics")
@public
def metrics():
    if not scrape_allowed():
        if current_app.config.get("METRICS_TOKEN"):
            return Response("metrics: bearer token required\n", 401, {"WWW-Authenticate": "Bearer"},
                            mimetype="text/plain")
        return Response("metrics: only from this host (set METRICS_TOKEN for a remote scraper)\n", 403,
                        mimetype="text/plain")
    # content_type as is: the format's own type already names its charset (mimetype would add a second one).
    return Response(generate_latest(_Scrape(current_app._get_current_object())), content_type=CONTENT_TYPE_LATEST)


def scrape_allowed() -> bool:
    """A valid bearer token from ``METRICS_TOKEN``, or a direct connection from loopback. A request relayed by a
    reverse proxy also arrives from loopback, so a forwarding header makes it remote: behind nginx, only a token
    opens the endpoint."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    if any(name in request.headers for name in ("X-Forwarded-For", "Forwarded", "X-Real-IP")):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:  # a unix socket or no address at all: not provably local
        return False


class _Scrape:
    """What one scrape exposes: the request figures (this process's, or all workers' files) and the live state."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            yield from MultiProcessCollector(None, path=directory).collect()
        else:
            yield from REQUESTS_REGISTRY.collect()
        yield from StateCollector(self.app).collect()


class StateCollector:
    """Reads the state of the system once per scrape. A dependency that does not answer is reported as down
    (``tracker_dependency_up``) and its figures are left out, so the scrape itself still succeeds."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        up = GaugeMetricFamily("tracker_dependency_up", "1 if the dependency answered during this scrape.",
                               labels=["dependency"])
        try:
            yield from self._database_figures()
            up.add_metric(["database"], 1)
        except Exception as error:
            log.warning("metrics: database figures unavailable (%s)", type(error).__name__)
            up.add_metric(["database"], 0)
        if self.app.config.get("REDIS_URL"):
            try:
                yield from self._queue_figures()
                up.add_metric(["redis"], 1)
            except Exception as error:
                log.warning("metrics: queue figures unavailable (%s)", type(error).__name__)
                up.add_metric(["redis"], 0)
        yield up

    def _database_figures(self):
        with db.engine.connect() as connection:
            due_timers, oldest_due_on, oldest_warn_on = due_work(connection, clock.today())
            backlog = outbox_backlog(connection)
        yield GaugeMetricFamily("tracker_due_timers",
                                "Running timers past their due date (due_on before today): the sweep's open work.",
                                value=due_timers)
        yield GaugeMetricFamily("tracker_sweep_lag_seconds",
                                "How long the oldest timer effect the sweep still owes (expiry or warning) has been "
                                "owed; about 0 while the sweep keeps up.",
                                value=sweep_lag_seconds(clock.now(), oldest_due_on, oldest_warn_on))
        waiting, failed, age = backlog
        yield GaugeMetricFamily("tracker_outbox_backlog", "Outbox messages not delivered yet.", value=waiting)
        yield GaugeMetricFamily("tracker_outbox_failed", "Outbox messages given up after the last attempt.",
                                value=failed)
        yield GaugeMetricFamily("tracker_outbox_oldest_waiting_seconds",
                                "Age of the oldest outbox message not delivered yet (0: none waiting).", value=age)

    def _queue_figures(self):
        connection = Redis.from_url(self.app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2)
        try:
            queues = {queue.name: queue for queue in Queue.all(connection=connection)}
            for name in QUEUES:  # an empty queue has no key in Redis, and still has a length: 0
                queues.setdefault(name, Queue(name, connection=connection))
            length = GaugeMetricFamily("tracker_queue_length", "Jobs waiting in an RQ queue.", labels=["queue"])
            failed = GaugeMetricFamily("tracker_queue_failed_jobs", "Jobs in an RQ queue's failed-job registry.",
                                       labels=["queue"])
            for name, queue in sorted(queues.items()):
                length.add_metric([name], queue.count)
                failed.add_metric([name], queue.failed_job_registry.count)
        finally:
            connection.close()
        yield length
        yield failed


def due_work(connection, today):
    """(number of overdue running timers, oldest such due date, oldest warning date still owed): the same
    conditions the sweep selects on, so both read the partial indexes over running timers."""


    running = Timer.status == TimerStatus.RUNNING
    count, oldest_due_on = connection.execute(
        sa.select(sa.func.count(), sa.func.min(Timer.due_on)).where(running, Timer.due_on < today)).one()
    oldest_warn_on = connection.execute(
        sa.select(sa.func.min(Timer.warn_on)).where(running, Timer.warn_on <= today)).scalar()
    return count, oldest_due_on, oldest_warn_on


def sweep_lag_seconds(now: datetime, oldest_due_on, oldest_warn_on) -> float:
    """An expiry is owed from the start (Europe/Berlin) of the day after the due date, a warning from the start of
    its day. The sweep runs every minute, so a lag of more than a few minutes means it is not running."""
    owed_since = []
    if oldest_due_on is not None:
        day = oldest_due_on + timedelta(days=1)
        owed_since.append(datetime(day.year, day.month, day.day, tzinfo=BERLIN))
    if oldest_warn_on is not None:
        owed_since.append(datetime(oldest_warn_on.year, oldest_warn_on.month, oldest_warn_on.day, tzinfo=BERLIN))
    if not owed_since:
        return 0.0
    return max((now - min(owed_since)).total_seconds(), 0.0)


def outbox_backlog(connection) -> tuple[int, int, float]:
    """(messages not delivered yet, messages given up, age in seconds of the oldest one waiting): the same
    partial index the pump reads."""
    waiting = OutboxMessage.status.in_(WAITING)
    backlog, oldest = connection.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(waiting)).one()
    failed = connection.execute(sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.FAILED)
                                ).scalar()
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=timezone.utc)
    age = max((clock.now() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return backlog, failed, age
