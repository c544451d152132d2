"""/metrics: Prometheus text from prometheus_client, request figures by endpoint name, the system's state read at
scrape time, open only to this host or a bearer token."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import Factory
from tracker import clock
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage


def scrape(client, **kwargs) -> dict:
    """{(sample name, frozenset of labels): value} of one scrape."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Type"] == "text/plain; version=1.0.0; charset=utf-8"  # one charset, not two
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_and_timed_by_endpoint_name_never_by_path(migrated_app):
    client = migrated_app.test_client()
    before = scrape(client)
    for case_id in (101, 102, 103):
        client.get(f"/cases/{case_id}")  # not logged in: redirected to the login page, still counted
    client.get("/no/such/page")
    after = scrape(client)

    counted = (value(after, "tracker_http_requests_total", endpoint="cases.show", method="GET", status="302")
               - value(before, "tracker_http_requests_total", endpoint="cases.show", method="GET", status="302"))
    assert counted == 3
    timed = (value(after, "tracker_http_request_duration_seconds_count", endpoint="cases.show", method="GET")
             - value(before, "tracker_http_request_duration_seconds_count", endpoint="cases.show", method="GET"))
    assert timed == 3
    assert value(after, "tracker_http_requests_total", endpoint="unmatched", method="GET", status="404") >= 1
    text = client.get("/metrics").get_data(as_text=True)
    assert "/cases/101" not in text and "/no/such/page" not in text  # one series per endpoint, not per case


def test_due_timers_and_sweep_lag_show_a_sweep_that_is_not_running_and_clear_after_it_runs(migrated_app):
    clock.travel_to(date(2026, 3, 2))
    try:
        with migrated_app.app_context():
            Factory().case("recognition-bqfg")
            from tracker.timers.models import Timer

            running = db.session.execute(sa.select(sa.func.count(), sa.func.max(Timer.due_on))
                                         .where(Timer.status == "running")).one()
            db.session.remove()
        assert running[0] >= 1
        client = migrated_app.test_client()
        state = scrape(client)
        assert value(state, "tracker_due_timers") == 0
        assert value(state, "tracker_sweep_lag_seconds") == 0

        clock.travel_to(running[1] + timedelta(days=2))  # noon, two days after the last due date: nobody swept
        state = scrape(client)
        assert value(state, "tracker_due_timers") == running[0]
        assert value(state, "tracker_sweep_lag_seconds") >= 36 * 3600  # owed since the start of the day after

        with migrated_app.app_context():
            from tracker.jobs.deadlines import run_sweep

            run_sweep()
        state = scrape(client)
        assert value(state, "tracker_due_timers") == 0
        assert value(state, "tracker_sweep_lag_seconds") == 0
        assert value(state, "tracker_dependency_up", dependency="database") == 1
    finally:
        clock.resume()


def test_queue_lengths_come_from_redis(migrated_app, redis7_url):
    from tracker.jobs.mail import deliver_message
    from tracker.jobs.queue import MAIL, enqueue

    migrated_app.config["REDIS_URL"] = redis7_url
    client = migrated_app.test_client()
    assert value(scrape(client), "tracker_queue_length", queue="tracker.mail") == 0
    with migrated_app.app_context():
        enqueue(MAIL, deliver_message, 1)
        enqueue(MAIL, deliver_message, 2)
    state = scrape(client)
    assert value(state, "tracker_queue_length", queue="tracker.mail") == 2
    assert value(state, "tracker_queue_failed_jobs", queue="tracker.mail") == 0
    # every queue is listed, an empty one with 0
    assert value(state, "tracker_queue_length", queue="tracker.deadlines") == 0
    assert value(state, "tracker_dependency_up", dependency="redis") == 1


def test_an_unreachable_redis_is_reported_down_and_the_scrape_still_answers(migrated_app):
    migrated_app.config["REDIS_URL"] = "redis://127.0.0.1:1/7"
    state = scrape(migrated_app.test_client())
    assert value(state, "tracker_dependency_up", dependency="redis") == 0
    assert value(state, "tracker_dependency_up", dependency="database") == 1


def test_the_outbox_backlog_counts_messages_not_delivered_yet(migrated_app):
    client = migrated_app.test_client()
    assert value(scrape(client), "tracker_outbox_backlog") == 0
    with migrated_app.app_context():
        now = clock.now()
        rows = [dict(dedupe_key=f"test:{n}", kind="test", address="a@example.org", language="de", subject="s",
                     body="b", secret=False, message_id=f"<{n}@test>", status=status, attempts=0,
                     next_attempt_at=now, last_error="", created_at=now)
                for n, status in enumerate(["pending", "sending", "sent", "failed"])]
        with db.engine.begin() as connection:
            connection.execute(sa.insert(OutboxMessage.__table__), rows)
    state = scrape(client)
    assert value(state, "tracker_outbox_backlog") == 2
    assert value(state, "tracker_outbox_failed") == 1


@pytest.mark.parametrize("environ, headers", [
    ({"REMOTE_ADDR": "10.1.2.3"}, {}),
    ({"REMOTE_ADDR": "127.0.0.1"}, {"X-Forwarded-For": "203.0.113.9"}),  # relayed by nginx on this host
])
def test_metrics_are_closed_to_other_hosts_without_a_token(migrated_app, environ, headers):
    response = migrated_app.test_client().get("/metrics", environ_base=environ, headers=headers)
    assert response.status_code == 403
    assert "tracker_" not in response.get_data(as_text=True)


def test_a_remote_scraper_needs_the_bearer_token(migrated_app):
    migrated_app.config["METRICS_TOKEN"] = "s3cret-token"
    client = migrated_app.test_client()
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=remote).status_code == 401
    assert client.get("/metrics", environ_base=remote,
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
    state = scrape(client, environ_base=remote, headers={"Authorization": "Bearer s3cret-token"})
    assert ("tracker_due_timers", frozenset()) in state
