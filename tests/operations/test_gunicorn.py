"""deploy/gunicorn.conf.py run for real: several workers, an access log without personal data, /metrics adding up
every worker's requests (Prometheus multiprocess mode), and a graceful reload that drops no request."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.operations.conftest import make_app, migrate_to_head

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


@pytest.fixture
def server(tmp_path):
    database = f"sqlite:///{tmp_path / 'web.sqlite'}"
    migrate_to_head(make_app(database))
    port = free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    (multiproc / "counter_999999.db").write_bytes(b"left over from a previous run")  # must be wiped at start
    environment = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "test-secret", "LOG_FORMAT": "json",
                   "WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{port}",
                   "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "REDIS_URL": ""}
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                                "tracker:create_app()"], cwd=ROOT, env=environment, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if get(base + "/healthz")[0] == 200 and len(worker_pids(process.pid)) == 2:
                break
        except OSError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
        time.sleep(0.2)
    yield base, process, tmp_path / "gunicorn.log", multiproc
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    log.close()


def access_lines(log: Path) -> list[dict]:
    return [entry for entry in (json.loads(line) for line in log.read_text().splitlines() if line.startswith("{"))
            if entry["logger"] == "gunicorn.access"]


def test_access_log_has_method_path_status_duration_and_request_id_but_no_personal_data(server):
    base, _process, log, _multiproc = server
    status, headers, _body = get(base + "/cases?q=Nguyen&employer=anh.nguyen%40example.org",
                                 headers={"X-Request-ID": "probe-17", "User-Agent": "Mozilla/5.0 (Anh's laptop)",
                                          "Referer": "https://mail.example.org/anh.nguyen"})
    assert status == 200  # the login page, after the redirect
    time.sleep(0.5)  # the access line is written after the response
    lines = access_lines(log)
    first = next(entry for entry in lines if entry.get("request_id") == "probe-17")
    assert first["method"] == "GET" and first["path"] == "/cases" and first["status"] == 302
    assert isinstance(first["duration_ms"], float)
    text = log.read_text()
    for personal in ("Nguyen", "nguyen", "Mozilla", "mail.example.org", "127.0.0.1:"):
        assert personal not in text.replace(base, "")


def test_a_malformed_request_is_logged_without_the_client_address_or_what_it_sent(server):
    base, _process, log, _multiproc = server
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET /cases?q=Nguyen HTTP/1.1\r\nHost: x\r\nBad Header Pereira\r\n\r\n")
        answer = connection.recv(1024)
    assert answer.startswith(b"HTTP/1.1 400")
    time.sleep(0.5)
    text = log.read_text()
    assert "Invalid request refused" in text
    for personal in ("Pereira", "Nguyen", "ip=127.0.0.1"):
        assert personal not in text


def test_metrics_add_up_the_requests_of_every_worker(server):
    base, process, _log, multiproc = server
    for _ in range(30):
        assert get(base + "/healthz")[0] == 200
    status, _headers, body = get(base + "/metrics")
    assert status == 200
    line = next(line for line in body.splitlines()
                if line.startswith('tracker_http_requests_total{') and 'endpoint="operations_health.healthz"' in line)
    # The readiness loop in the fixture made some /healthz requests too: at least our 30, from both workers' files.
    assert float(line.rsplit(" ", 1)[1]) >= 30
    assert "counter_999999.db" not in os.listdir(multiproc)  # the previous run's figures were wiped
    writers = {name.rsplit("_", 1)[1].split(".")[0] for name in os.listdir(multiproc) if name.startswith("counter_")}
    assert writers <= {str(pid) for pid in worker_pids(process.pid)}


def test_a_graceful_reload_replaces_the_workers_without_failing_a_request(server):
    base, process, _log, _multiproc = server
    old = worker_pids(process.pid)
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    failures = 0
    while time.monotonic() < deadline:
        status = get(base + "/healthz")[0]
        failures += status != 200
        current = worker_pids(process.pid)
        if len(current) == 2 and not current & old:
            break
    else:
        pytest.fail("the workers were not replaced within 30 s")
    assert failures == 0


def healthz_total(base: str) -> float:
    _status, _headers, body = get(base + "/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("tracker_http_requests_total{") and "operations_health.healthz" in line)


def test_an_ended_workers_counts_stay_in_the_totals_and_its_files_are_folded_away(server):
    base, process, _log, multiproc = server
    for _ in range(30):
        assert get(base + "/healthz")[0] == 200
    counted = healthz_total(base)
    old = worker_pids(process.pid)
    process.send_signal(signal.SIGHUP)  # the workers end and new ones start, as when max_requests recycles them
    deadline = time.monotonic() + 30
    while worker_pids(process.pid) & old or len(worker_pids(process.pid)) != 2:
        assert time.monotonic() < deadline, "the workers were not replaced within 30 s"
        time.sleep(0.2)
    time.sleep(0.5)  # child_exit runs in the master right after each old worker has gone

    assert healthz_total(base) >= counted  # a counter never goes down
    names = os.listdir(multiproc)
    assert "counter_archive.db" in names and "histogram_archive.db" in names
    assert not [name for name in names for pid in old if name.endswith(f"_{pid}.db")]
