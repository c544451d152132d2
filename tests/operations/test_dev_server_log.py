"""`make run` serves with Flask's development server, which logs every request line: neither the client's address
nor the query string (search terms are applicants' names) may reach the log."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.operations.conftest import make_app, migrate_to_head
from tests.operations.test_gunicorn import ROOT, free_port, get


def test_the_development_server_logs_no_query_string_and_no_client_address(tmp_path):
    database = f"sqlite:///{tmp_path / 'dev.sqlite'}"
    migrate_to_head(make_app(database))
    port = free_port()
    log = (tmp_path / "dev.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tracker", "run", "--port", str(port), "--host", "127.0.0.1"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": database, "SECRET_KEY": "test-secret", "REDIS_URL": ""},
        stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "dev.log").read_text()
            time.sleep(0.2)
        get(f"http://127.0.0.1:{port}/login?next=/cases%3Fq%3DNguyen&q=Okafor")
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()

    text = (tmp_path / "dev.log").read_text()
    assert "GET /login HTTP/1.1" in text  # the request is logged …
    assert "Okafor" not in text and "Nguyen" not in text  # … without its query string
    assert "127.0.0.1 - -" not in text  # … and without the client's address
