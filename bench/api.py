"""The API's figures (issue 11): the case list's p95 for a clerk's token (the work queue through the API, first page
and a filter) and the rate of steps taken through ``POST /api/v1/cases/{id}/transitions`` (one client, each step a
real request: token, access rule, If-Match, the service verb, the audit event, the commit)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from bench import engine_cost
from bench.measure import Timing
from tracker.auth import tokens
from tracker.auth.models import User
from tracker.extensions import db

#: The bench measures the API, not its rate limit.
UNLIMITED = "1000000 per minute"


def token_for(user: User) -> str:
    _row, token = tokens.issue(user, name="bench", scopes="read,write", days=1)
    db.session.commit()
    return token


def list_urls(requests: int) -> dict[str, list[str]]:
    return {"API case list, first page": ["/api/v1/cases"] * requests,
            "API case list, my cases (filter)": ["/api/v1/cases?assignee=mine"] * requests}


def list_timing(app, clerk: User, urls: list[str], warmup: int = 5) -> Timing:
    app.config["API_RATE_LIMIT"] = UNLIMITED
    client, headers = app.test_client(), {"Authorization": f"Bearer {token_for(clerk)}"}
    for url in urls[:warmup]:
        client.get(url, headers=headers)
    samples = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
    return Timing(samples)


@dataclass
class TransitionRate:
    steps: int
    seconds: float
    timing: Timing

    @property
    def per_second(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0


def transition_rate(app, count: int = 100) -> TransitionRate:
    """``count`` freshly opened recognition cases, each moved one step through the API by a clerk's token."""
    app.config["API_RATE_LIMIT"] = UNLIMITED
    office, clerk = engine_cost._office_and_clerk()
    case_ids = engine_cost._fresh_cases(office, clerk, count)
    client, token = app.test_client(), token_for(clerk)
    db.session.expunge_all()
    body = {"transition": engine_cost.TRANSITION, "inputs": dict(engine_cost.INPUTS)}
    samples = []
    started = time.perf_counter()
    for case_id in case_ids:
        began = time.perf_counter()
        # Opened cases are at version 1... unless something touched them: read the ETag as a partner would.
        etag = client.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).headers["ETag"]
        response = client.post(f"/api/v1/cases/{case_id}/transitions", json=body,
                               headers={"Authorization": f"Bearer {token}", "If-Match": etag})
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"API step on case {case_id}: {response.status_code} {response.get_data(as_text=True)}")
    return TransitionRate(count, time.perf_counter() - started, Timing(samples))
