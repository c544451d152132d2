"""Generated input over every route and form: for each role (and no login), every URL rule the app has at run
time (so routes added later are covered too) gets path parameters, query strings and form fields drawn by
Hypothesis — known ids and names mixed with huge numbers, malformed dates, cursors, NUL and markup — and must
answer below 500. CSRF is off in the test app, so the forms' own validation is what is exercised."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from tests.audit.test_audit_chain import walk_recognition
from tests.conftest import IN_CI
from tracker.audit.service import case_events
from tracker.cases.models import Case
from tracker.extensions import db, limiter
from tracker.letters.models import LetterRecord
from tracker.procedures.vocabulary import LetterKind
from tracker.registry import registry

PASSWORD = "correct horse battery"
EXAMPLES_PER_RULE = 2
#: Ending one's own session stops the rest of the run from being logged in; it is tested on its own.
SKIPPED_ENDPOINTS = {"static", "auth.logout"}
#: The readiness probe answers 503 by design while a dependency (Redis, the scheduler) is not there.
EXPECTED_UNAVAILABLE = {("operations_health.readyz", 503)}
ODD_VALUES = ["", "0", "-1", "1", "2", "99999999999999999999", "1e400", "[true,null,1e400]", "abc", "NaN",
              "2026-02-30", "0001-01-01", "9999-12-31", "31.12.2026", "\x00", "a\x00b", "' OR 1=1 --",
              "<script>alert(1)</script>", "%00", "../../etc/passwd", "\u202e", "😀" * 3, " " * 3, "x" * 6000]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def field_names() -> list[str]:
    """Every field name of every form class the app defines, and every input of every procedure's transitions."""
    names = {"version", "next", "after", "size", "lang", "q", "reference", "state", "procedure", "office",
             "assignee", "mine", "breached", "sort", "case_ids", "email", "password", "code"}
    for form in _subclasses(FlaskForm):
        for klass in form.__mro__:
            names.update(name for name, value in vars(klass).items() if isinstance(value, UnboundField))
    for workflow in registry().all():
        for transition in workflow.transitions.values():
            names.update(spec.name for spec in transition.inputs)
    return sorted(names)


def path_values(known: dict) -> list[str]:
    values = [str(value) for value in known["ids"]]
    for workflow in registry().all():
        values += [workflow.id, *workflow.transitions, *(d.id for d in workflow.documents), *workflow.timers]
    return values + [str(kind) for kind in LetterKind] + ["pause", "resume", "extend", "decision.pdf"]


def values(known_values):
    return st.one_of(st.sampled_from(ODD_VALUES), st.sampled_from(known_values), st.text(max_size=40),
                     st.integers(min_value=-2**70, max_value=2**70).map(str))


ROLES = ["anonymous", "recognition_clerk", "immigration_clerk", "team_lead", "admin", "employer", "advisor",
         "data_protection"]


@pytest.fixture
def world(make):
    """A walked case with letters, notes and events; an employer with an authorised case; one user per role."""
    case = walk_recognition(make)
    office = case.office
    employer = make.employer()
    users = {
        "recognition_clerk": next(e.actor for e in case_events(case.id) if e.actor is not None),
        "immigration_clerk": make.user("immigration_clerk", make.office("immigration_office")),
        "team_lead": make.user("team_lead", office),
        "admin": make.user("admin"),
        "employer": make.user("employer", employer=employer),
        "advisor": make.user("advisor"),
        "data_protection": make.user("data_protection"),
    }
    users["employer"].employer_admin = True
    db.session.commit()
    ids = {case.id, case.applicant_id, office.id, employer.id, *(u.id for u in users.values())}
    ids.update(db.session.scalars(select(LetterRecord.id)))
    ids.update(e.id for e in case_events(case.id))
    return {"users": users, "ids": sorted(ids), "case": case}


def _login(client, user) -> None:
    limiter.reset()
    client.post("/logout")
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_to_generated_input(app, client, world, role):
    user = world["users"].get(role)
    names = field_names()
    known = path_values(world)
    form_values = values(known + [str(i) for i in world["ids"]])
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED_ENDPOINTS]
    assert len(rules) > 30  # the whole app, not a part of it
    settings_ = settings(max_examples=EXAMPLES_PER_RULE, deadline=None, database=None, derandomize=IN_CI,
                         suppress_health_check=list(HealthCheck))

    _login(client, user)
    for rule in rules:
        if user is not None and client.get("/").location.startswith("/login"):
            _login(client, user)  # a drawn request ended the session (a removed colleague, a language switch …)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})

        @settings_
        @given(data=st.data())
        def check(data):
            path = rule.rule
            for name in rule.arguments:
                raw = data.draw(st.one_of(st.sampled_from(known), st.text(min_size=1, max_size=20),
                                          st.sampled_from(ODD_VALUES[1:])), label=name)
                path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", quote(raw, safe=""), path)
            method = data.draw(st.sampled_from(methods), label="method")
            query = data.draw(st.dictionaries(st.sampled_from(names), form_values, max_size=3), label="query")
            form = data.draw(st.dictionaries(st.sampled_from(names), form_values, max_size=6), label="form") \
                if method == "POST" else None
            response = client.open(path, method=method, query_string=query, data=form)
            assert response.status_code < 500 or (rule.endpoint, response.status_code) in EXPECTED_UNAVAILABLE, (
                role, method, path, query, form, response.status_code)

        check()
    # The run stayed what it claimed: a logged-in role was still logged in at the end.
    if user is not None:
        assert db.session.get(Case, world["case"].id) is not None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("nul", ["\x00", "a\x00b"])
def test_a_nul_byte_in_every_field_of_every_form_is_refused_cleanly(app, client, world, role, nul):
    """PostgreSQL cannot hold NUL in text: whichever field carries it, on whichever route, the answer is a refusal
    below 500, never a database error. Not drawn at random: every field at once, on every POST route."""
    from tests.security.test_headers import ROUTE_VALUES

    user = world["users"].get(role)
    case = world["case"]
    values_ = {**ROUTE_VALUES, "case_id": case.id, "timer_pk": case.timers[0].id if case.timers else 1,
               "letter_id": 1, "person_id": case.applicant_id}
    form = {name: nul for name in field_names()} | {"version": str(case.version)}
    _login(client, user)
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        if user is not None and client.get("/").location.startswith("/login"):
            _login(client, user)
        url = rule.build({name: values_[name] for name in rule.arguments}, append_unknown=False)[1]
        response = client.post(url, data=form)
        assert response.status_code < 500, (role, url, response.status_code)
