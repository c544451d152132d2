"""No personal data in logs, job arguments or error reports. The whole run's log output is scanned for every test
person's name, e-mail and address at the end of the run (tests/conftest.py, ``pytest_sessionfinish``); this file
drives the main flows with a distinctive applicant at the most verbose level and checks their output directly,
and shows that a database error's report quotes no values."""
from __future__ import annotations

import logging
import pytest
import sqlalchemy as sa

from tests.conftest import personal_data_in
from tracker import create_app
from tracker.cases.models import Case
from tracker.auth.models import User
from tracker.extensions import db, limiter
from tracker.jobs.queue import MAIL, enqueue

NAME = "Zsófia Quellenberg-Ndiaye"
EMAIL = "zsofia.quellenberg@example.org"


def test_the_main_flows_log_no_personal_data(client, login, make, runner, caplog, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    caplog.set_level(logging.DEBUG)
    office = make.office("recognition_body")
    clerk = make.user("recognition_clerk", office)
    login(clerk)
    given, family = NAME.split(" ")
    response = client.post("/cases/new", data={
        "procedure": "recognition-bqfg", "office": office.id, "received_on": "2026-03-02", "given_names": given,
        "family_name": family, "date_of_birth": "1990-01-31", "nationality": "Ungarn",
        "email": "zsofia.quellenberg@example.org", "phone": "+36 1 555 0199", "preferred_language": "de",
        "street": "Andrássy út 12", "postcode": "1061", "city": "Budapest", "country": "Ungarn",
        "profession": "Krankenschwester", "reference_occupation": "Pflegefachfrau", "training_country": "Ungarn"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = db.session.scalar(sa.select(Case).order_by(Case.id.desc()).limit(1))
    assert case.applicant.full_name == NAME
    client.get(f"/cases/{case.id}")
    client.post(f"/cases/{case.id}/notes", data={"body": f"{NAME} rief an."})
    client.post("/logout")
    for n in range(7):  # a lockout (and its mail) for the clerk
        client.post("/login", data={"email": clerk.email, "password": f"wrong {n}"})
    officer = make.user(role="data_protection")
    client.post("/logout")
    limiter.reset()  # the clerk's lockout counted this client's address too
    login(officer)
    client.get("/privacy/", query_string={"reference": case.reference})
    client.post(f"/privacy/persons/{case.applicant_id}/export")
    runner.invoke(args=["retention", "run"])
    assert personal_data_in(caplog.text) == []
    assert NAME not in caplog.text and "Quellenberg" not in caplog.text


def test_jobs_take_ids_only():
    with pytest.raises(TypeError):
        enqueue(MAIL, print, NAME)


@pytest.fixture
def failing_app(database_url):
    app = create_app({"TESTING": False, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": None, "SECRET_KEY": "test-secret", "SERVER_NAME": "tracker.test",
                      "RATELIMIT_STORAGE_URI": "memory://", "PROPAGATE_EXCEPTIONS": False})

    @app.route("/boom")
    def boom():  # a database error whose message quotes a person's address (PostgreSQL: "Key (email)=(…)")
        for _ in range(2):
            db.session.add(User(email=EMAIL, name=NAME, password_hash="-", role="admin"))
            db.session.flush()
        return "unreachable"

    boom.is_public = True
    yield app
    with app.app_context():
        db.session.remove()
        db.session.execute(sa.delete(User).where(User.email == EMAIL))
        db.session.commit()
        db.engine.dispose()


def test_an_error_report_does_not_quote_the_values_the_database_refused(app, failing_app, caplog):
    caplog.set_level(logging.DEBUG)
    with failing_app.app_context():
        response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert "quellenberg" not in caplog.text.lower()
    assert "Exception on /boom [GET]: " in caplog.text and "withheld" in caplog.text
