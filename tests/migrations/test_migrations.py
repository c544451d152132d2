"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL, with the audit
trail's append-only triggers, and can be taken down to nothing and up again."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.audit.test_audit_integrity import rewrite_chain
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.factories import Factory
from tracker import create_app
from tracker.audit.service import case_events
from tracker.auth.models import User
from tracker.cases.queries import verify_audit_trail
from tracker.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    url = create_postgres_database("tracker_migrations")
    yield url
    drop_postgres_database(url)


@pytest.fixture
def migrated(empty_database):
    """An app on the empty database, its context pushed; the test runs the migrations itself."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "REDIS_URL": None,
                      "SECRET_KEY": "test-secret"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_drift() -> list:
    """What Alembic's autogenerate would change to make the database match the models (nothing, if no drift)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def seed_case():
    case = Factory().case("recognition-bqfg")
    return case.id, case_events(case.id)[0].id


def test_an_empty_database_upgraded_to_head_matches_the_models(migrated):
    upgrade()

    assert schema_drift() == []
    assert tables() == {table.name for table in db.metadata.sorted_tables} | {"alembic_version"}


def test_the_migrated_events_table_is_append_only(migrated):
    upgrade()
    case_id, event_id = seed_case()

    statements = ["UPDATE events SET reason = 'changed' WHERE id = :id", "DELETE FROM events WHERE id = :id"]
    if db.engine.dialect.name == "postgresql":  # SQLite has no TRUNCATE
        statements.append("TRUNCATE events CASCADE")
    for statement in statements:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement), {"id": event_id})
        db.session.rollback()
    assert list(verify_audit_trail()) == []
    assert [event.id for event in case_events(case_id)][0] == event_id


def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(migrated):
    upgrade()
    seed_case()
    db.session.remove()

    downgrade(revision="base")

    assert tables() == {"alembic_version"}
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'events_append_only'")) == 0

    upgrade()

    assert schema_drift() == []
    case_id, event_id = seed_case()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM events WHERE id = :id"), {"id": event_id})
    db.session.rollback()
    assert case_events(case_id)[0].id == event_id


def test_existing_users_and_cases_survive_the_portal_migrations(migrated):
    """0006_authorisations and 0007_invitations on a database that holds users: nobody becomes an employer
    administrator, no case gains an authorisation (employers see nothing until a clerk records one), and both
    steps go down and up again."""
    upgrade(revision="0005")
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO employers (id, name, city, contact_email) VALUES (1, 'Pflege GmbH', 'Erfurt', '')"))
        connection.execute(sa.text(
            "INSERT INTO users (id, email, name, password_hash, role, employer_id, active, session_generation, "
            "created_at) VALUES (1, 'p@example.org', 'P', '-', 'employer', 1, :yes, 1, CURRENT_TIMESTAMP)"),
            {"yes": True})

    upgrade()

    assert {"authorisations", "invitations"} <= tables()
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT employer_admin FROM users WHERE id = 1")).scalar() in (False, 0)
        assert connection.execute(sa.text("SELECT count(*) FROM authorisations")).scalar() == 0

    downgrade(revision="0005")
    assert not {"authorisations", "invitations"} & tables()
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT email FROM users WHERE id = 1")).scalar() == "p@example.org"
    upgrade()
    assert {"authorisations", "invitations"} <= tables()


def test_0008_letters_keeps_existing_people_and_offices_with_empty_addresses_and_adds_the_letters_table(migrated):
    upgrade(revision="0007_invitations")
    with db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO offices (code, name, kind, calendar, city) "
                                   "VALUES ('HWK-EF', 'Handwerkskammer Erfurt', 'recognition_body', 'th', 'Erfurt')"))
        connection.execute(sa.text("INSERT INTO persons (family_name, given_names, nationality, email, phone, "
                                   "preferred_language) VALUES ('Nguyễn', 'Thị Ánh', 'Vietnam', '', '', 'de')"))
        connection.execute(sa.text("INSERT INTO employers (name, city, contact_email) "
                                   "VALUES ('Klinikum Weimar gGmbH', 'Weimar', '')"))

    upgrade(revision="0008_letters")

    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT name, city, street, postcode, phone, email FROM offices")).one() == (
            "Handwerkskammer Erfurt", "Erfurt", "", "", "", "")
        assert connection.execute(sa.text("SELECT family_name, street, postcode, city, country FROM persons")).one() \
            == ("Nguyễn", "", "", "", "")
        assert connection.execute(sa.text("SELECT name, street, postcode FROM employers")).one() == (
            "Klinikum Weimar gGmbH", "", "")
        assert connection.scalar(sa.text("SELECT count(*) FROM letters")) == 0
    upgrade()  # the later revisions on top: the schema matches the models only at head
    assert schema_drift() == []
    downgrade(revision="0007_invitations")
    assert "letters" not in tables()
    assert "street" not in {column["name"] for column in sa.inspect(db.engine).get_columns("persons")}


def test_events_from_before_the_keyed_chain_stay_verifiable_after_0010(migrated, monkeypatch):
    """Seed at 0009 with what the old code wrote (plain SHA-256, no key id), upgrade, verify."""
    upgrade()
    case_id, _event_id = seed_case()
    db.session.commit()
    rewrite_chain(case_id, key=None)  # the hashes the code before 0010 computed
    db.session.remove()
    downgrade(revision="0009_user_totp")
    assert "key_id" not in {column["name"] for column in sa.inspect(db.engine).get_columns("events")}

    upgrade()

    newest = db.session.scalar(sa.text("SELECT max(id) FROM events"))
    assert db.session.scalar(sa.text("SELECT count(*) FROM events WHERE key_id IS NOT NULL")) == 0
    assert [problem.problem for problem in verify_audit_trail()] == ["not sealed with the audit key"]
    monkeypatch.setitem(migrated.config, "AUDIT_UNKEYED_UNTIL", newest)
    assert list(verify_audit_trail()) == []


def test_0014_turns_accompanied_employers_into_grants_and_records_each_case_s_last_progress(migrated):
    """Seed at 0010 what the old code wrote (advisors accompanying employers, a case with a transition), upgrade:
    each pair is a grant valid from the upgrade on, revocable, without a recorded grantor; each case's
    ``progressed_at`` is its last transition (or its opening); down and up again."""
    upgrade(revision="0010_audit_keyed_chain")
    opened, stepped = "2026-03-02 09:00:00", "2026-03-05 10:30:00"
    with db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO offices (id, code, name, kind, calendar, city, street, postcode, phone, "
                                   "email) VALUES (1, 'HWK-EF', 'HWK', 'recognition_body', 'th', 'Erfurt', '', '', '', '')"))
        connection.execute(sa.text("INSERT INTO persons (id, family_name, given_names, nationality, email, phone, "
                                   "preferred_language, street, postcode, city, country) "
                                   "VALUES (1, 'N', 'A', 'VN', '', '', 'de', '', '', '', '')"))
        for case_id in (1, 2):
            connection.execute(sa.text(
                "INSERT INTO cases (id, reference, procedure_id, procedure_version, state, accelerated, applicant_id, "
                "office_id, profession, reference_occupation, received_on, opened_at, updated_at, breached, "
                "audit_head, version) VALUES (:id, :reference, 'recognition-bqfg', 1, 'received', :no, 1, 1, '', '', "
                "'2026-03-02', :opened, :opened, :no, '-', 1)"),
                {"id": case_id, "reference": f"R-{case_id}", "opened": opened, "no": False})
        for seq, kind, at in ((1, "opened", opened), (2, "transition", stepped), (3, "note", "2026-03-09 08:00:00")):
            connection.execute(sa.text(
                "INSERT INTO events (case_id, seq, occurred_at, actor_role, kind, reason, basis, data, prev_hash, "
                "hash) VALUES (1, :seq, :at, 'recognition_clerk', :kind, '', '', '{}', '-', '-')"),
                {"seq": seq, "at": at, "kind": kind})
        connection.execute(sa.text("INSERT INTO employers (id, name, city, contact_email, street, postcode) VALUES "
                                   "(100, 'Pflege GmbH', 'Erfurt', '', '', ''), (101, 'Bau GmbH', 'Jena', '', '', '')"))
        connection.execute(sa.text(
            "INSERT INTO users (id, email, name, password_hash, role, active, session_generation, created_at) "
            "VALUES (100, 'b@thaff.example', 'Beraterin', '-', 'advisor', :yes, 1, CURRENT_TIMESTAMP)"),
            {"yes": True})
        connection.execute(sa.text("INSERT INTO advisor_employers (advisor_id, employer_id) VALUES (100, 100), "
                                   "(100, 101)"))
    db.session.remove()

    upgrade()

    assert "advisor_employers" not in tables()
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT advisor_id, employer_id, granted_by_id, valid_until, revoked_at, "
                                          "consent_text FROM advisor_grants ORDER BY employer_id")).all()
        assert [row[:5] for row in rows] == [(100, 100, None, None, None), (100, 101, None, None, None)]
        assert all("Übernommen" in row[5] for row in rows)
        progressed = connection.execute(sa.text("SELECT progressed_at FROM cases ORDER BY id")).scalars().all()
        # the last transition (a note is no progress); the opening for a case without one
        assert [str(value)[:19] for value in progressed] == [stepped, opened]
    advisor = db.session.get(User, 100)
    from tracker.cases.access import view_scope

    assert view_scope(advisor).authorised_employers == {100, 101}
    db.session.remove()

    downgrade(revision="0010_audit_keyed_chain")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT advisor_id, employer_id FROM advisor_employers "
                                          "ORDER BY employer_id")).all() == [(100, 100), (100, 101)]
    upgrade()
    assert schema_drift() == []


def test_0017_encrypts_existing_totp_secrets_and_downgrade_decrypts_them(migrated):
    """A user enrolled before 0017 (secret in plain base32) keeps a working second factor: the upgrade encrypts
    the secret under TOTP_KEY, the downgrade restores the plain text."""
    from tracker.auth import secret_box
    from tracker.auth.models import User

    upgrade(revision="0010_audit_keyed_chain")
    db.session.execute(sa.text(
        "INSERT INTO users (email, name, password_hash, role, active, session_generation, employer_admin, "
        "created_at, totp_secret) VALUES ('old@example.org', 'Old', '-', 'recognition_clerk', :yes, 1, :no, "
        "'2026-01-01 00:00:00', 'JBSWY3DPEHPK3PXP')"), {"yes": True, "no": False})
    db.session.commit()

    upgrade()

    stored = db.session.scalar(sa.text("SELECT totp_secret FROM users WHERE email = 'old@example.org'"))
    assert stored.startswith(secret_box.TOKEN_PREFIX) and "JBSWY3DPEHPK3PXP" not in stored
    user = db.session.scalar(sa.select(User).where(User.email == "old@example.org"))
    assert user.totp_secret == "JBSWY3DPEHPK3PXP"
    db.session.remove()
    downgrade(revision="0010_audit_keyed_chain")
    assert db.session.scalar(sa.text("SELECT totp_secret FROM users")) == "JBSWY3DPEHPK3PXP"
    assert {"case_reads", "event_personal"}.isdisjoint(tables())


def test_0025_keeps_authorisations_and_stores_a_whole_name_as_grantor(migrated):
    """The grantor is a person's whole name (given names and family name, 200 each, and a space): 0025 widens the
    column to 401 and keeps the rows; PostgreSQL refused 201 characters before it. Going down refuses a name the
    old column could not hold instead of cutting it."""
    from tracker.cases.models import GRANTOR_LENGTH

    upgrade(revision="0024_case_submission_key")
    make = Factory()
    case = make.case("recognition-bqfg")
    case_id, employer_id = case.id, make.employer().id
    clerk_id = db.session.scalar(sa.select(User.id).limit(1))
    db.session.remove()
    insert = sa.text(
        "INSERT INTO authorisations (case_id, employer_id, kind, grantor, scope, valid_from, recorded_by_id, "
        "recorded_at, revocation_reason) VALUES (:case, :employer, 'recognition_applicant', :grantor, '', "
        "'2026-01-01', :clerk, CURRENT_TIMESTAMP, '')")
    values = {"case": case_id, "employer": employer_id, "clerk": clerk_id}
    with db.engine.begin() as connection:
        connection.execute(insert, {**values, "grantor": "Ana Pereira"})

    upgrade()

    whole_name = f"{'G' * 200} {'F' * 200}"
    assert len(whole_name) == GRANTOR_LENGTH
    with db.engine.begin() as connection:
        connection.execute(insert, {**values, "grantor": whole_name})
        assert set(connection.execute(sa.text("SELECT grantor FROM authorisations")).scalars()) == {
            "Ana Pereira", whole_name}
    assert schema_drift() == []
    with pytest.raises(SystemExit):  # flask_migrate reports the RuntimeError and exits
        downgrade(revision="0024_case_submission_key")
    with db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM authorisations WHERE grantor <> 'Ana Pereira'"))
    downgrade(revision="0024_case_submission_key")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT grantor FROM authorisations")).scalar() == "Ana Pereira"


def test_0026_refuses_accounts_sharing_an_address_in_other_capitals_and_then_allows_one_only(migrated):
    """On PostgreSQL one account per address whatever its capitals. Accounts that already share one stop the
    upgrade with a message (an administrator decides which is the person's); once resolved, the database itself
    refuses a second account, also when two invitations race past the look-up."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the folded unique index is PostgreSQL's (SQLite: see tracker.auth.models.User)")
    upgrade(revision="0025_grantor_length")
    insert = sa.text("INSERT INTO users (email, name, password_hash, role, active, session_generation, created_at, "
                     "employer_admin) VALUES (:email, 'N', 'x', 'employer', true, 1, CURRENT_TIMESTAMP, false)")
    with db.engine.begin() as connection:
        connection.execute(insert, {"email": "kai@pflege.example"})
        connection.execute(insert, {"email": "Kai@Pflege.example"})
    with pytest.raises(SystemExit):  # flask_migrate reports the RuntimeError and exits
        upgrade()
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE users SET email = 'kai.alt@pflege.example' WHERE email = 'Kai@Pflege.example'"))

    upgrade()

    assert schema_drift() == []
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(insert, {"email": "KAI@pflege.example"})
    downgrade(revision="0025_grantor_length")
    with db.engine.begin() as connection:
        connection.execute(insert, {"email": "KAI@pflege.example"})  # the old rule again: capitals differ


def test_0028_writes_each_state_typed_before_under_its_one_name_and_keeps_what_names_none(migrated):
    """Free text from before the state list: the rows of one state, however typed, afterwards count as one in the
    reports; a value that names no state stays as typed (nothing is guessed)."""
    from tracker.cases.facts import CaseFacts
    from tracker.cases.models import Case

    upgrade(revision="0027_report_export_lease")
    make = Factory()
    typed = [("vietnam", "VN"), ("Viet-nam", "Vietnam"), ("Stateless", "Atlantis"), ("Türkiye", "türkei")]
    ids = []
    for nationality, training_country in typed:
        applicant = make.person()
        applicant.nationality = nationality
        db.session.commit()
        ids.append(make.case("recognition-bqfg", training_country=training_country, applicant=applicant).id)
    db.session.remove()

    upgrade()

    expected = [("Vietnam", "Vietnam"), ("Viet-nam", "Vietnam"), ("staatenlos", "Atlantis"), ("Türkei", "Türkei")]
    for case_id, (nationality, training_country) in zip(ids, expected):
        case = db.session.get(Case, case_id)
        facts = db.session.get(CaseFacts, case_id)
        assert (case.applicant.nationality, case.training_country) == (nationality, training_country)
        assert (facts.nationality, facts.training_country) == (nationality, training_country)
    assert schema_drift() == []
