"""Two requests at once, made deterministic: the test's own session has done the first request's work (flushed,
its locks held, not committed), and ``second_request_behind_the_first`` runs the second in another thread, checks
that it waits for those locks, commits the first and reports how the second ended. PostgreSQL only: SQLite writes
one transaction at a time, so there is nothing to wait for."""
from __future__ import annotations

import threading
from collections.abc import Callable

from tracker.extensions import db


def second_request_behind_the_first(app, second: Callable[[], object], refusal: type[Exception]) -> str:
    """``"done"`` if the second request committed, ``"refused"`` if it raised ``refusal``, else the name of what it
    raised. Fails if the second did not wait for the first one's locks."""
    outcome = []

    def run():
        with app.app_context():
            try:
                second()
                db.session.commit()
                outcome.append("done")
            except refusal:
                outcome.append("refused")
            except Exception as error:  # noqa: BLE001 - the test reports it
                outcome.append(type(error).__name__)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), "the second request did not wait for the first one's locks"
    db.session.commit()
    thread.join(timeout=20)
    return outcome[0] if outcome else "still waiting"
