"""Starts RQ worker processes fast for the fault tests: imports the app once, then forks one worker per line
"spawn" (or "burst") read on stdin and prints the child's pid. Each child runs ``tracker.jobs.worker.run_worker``
(what ``flask --app tracker worker`` runs) with its own database and Redis connections. Starting a fresh Python
process costs seconds on a busy machine; a fork costs milliseconds, so 20 workers can be killed in seconds.

Configuration from the environment, as for ``flask worker`` (DATABASE_URL, REDIS_URL, MAIL_*, OUTBOX_*)."""
from __future__ import annotations

import os
import signal
import sys

from tracker import create_app
from tracker.extensions import db
from tracker.jobs.worker import run_worker


def main() -> None:
    app = create_app()  # opens no connection: nothing is shared with the children
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    for line in sys.stdin:
        command = line.strip()
        if command not in ("spawn", "burst"):
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            with app.app_context():
                db.engine.dispose(close=False)  # a fork gets its own pool
            run_worker(app, burst=command == "burst")
            os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
