"""Schemathesis against the real app: every operation of the OpenAPI document, with generated valid and invalid
requests, on the real database and with a real token (read and write). No answer may be a server error, and every
answer must be what the document says (status, content type, headers, body schema).

Schemathesis' strategies are driven by Hypothesis directly (one test per operation and generation mode), with the
app of the ``app`` fixture (each database backend). Examples are bounded (``MAX_EXAMPLES``) so the whole run
takes a minute or two on both databases."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from tests.api.conftest import bearer
from tracker.api.views import api
from tracker.cases.models import Case
from tracker.extensions import db

MAX_EXAMPLES = 20
CHECKS = [getattr(checks, name) for name in ("not_a_server_error", "status_code_conformance",
                                              "content_type_conformance", "response_headers_conformance",
                                              "response_schema_conformance")]
OPERATIONS = [(operation.method, operation.path, mode) for operation in api.operations
              for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
              # Nothing to get wrong in a request without parameters or body: no invalid requests to generate.
              if mode is GenerationMode.POSITIVE or operation.query or operation.body or operation.path_parameters]


@pytest.fixture
def world(app, make, office, clerk, token_for):
    """A clerk's office with cases (one with an authorised employer), and the clerk's read-and-write token; CSRF
    on, as in production (the API must not need it)."""
    app.config.update(API_RATE_LIMIT="100000 per minute", WTF_CSRF_ENABLED=True)
    employer = make.employer()
    cases = [make.case(office=office, actor=clerk, employer=employer) for _ in range(3)]
    make.authorisation(cases[0], actor=clerk)
    yield {"token": token_for(clerk, "read,write"), "case_ids": [case.id for case in cases]}
    app.config.update(API_RATE_LIMIT="300 per minute", WTF_CSRF_ENABLED=False)


def aim_at_real_cases(case, world) -> None:
    """Half the generated ids name a real case of the token's office, so found cases are exercised too; half the
    generated If-Match values then name its current version, so steps are really attempted."""
    case_id = (case.path_parameters or {}).get("case_id")
    if not isinstance(case_id, int) or case_id % 2:
        return
    real_id = world["case_ids"][case_id % len(world["case_ids"])]
    case.path_parameters["case_id"] = real_id
    if case.headers and "If-Match" in case.headers and len(str(case.headers["If-Match"])) % 2 == 0:
        case.headers["If-Match"] = f'"{db.session.get(Case, real_id).version}"'
        db.session.commit()


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS, ids=[f"{m} {p} {g}" for m, p, g in OPERATIONS])
def test_the_api_keeps_its_document(app, world, method, path, mode):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    statuses = set()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture])
    def keeps_its_document(case):
        aim_at_real_cases(case, world)
        statuses.add(case.call_and_validate(headers=bearer(world["token"]), checks=CHECKS).status_code)

    keeps_its_document()
    if mode is GenerationMode.POSITIVE and method == "GET":
        assert 200 in statuses, statuses  # the found paths were reached, not only refusals
