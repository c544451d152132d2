"""Backup and restore drill: a populated database and its documents, backed up, restored into an empty database,
the audit trail intact there and the case pages the same; tampered backups and occupied targets are refused."""
from __future__ import annotations

import hashlib
import json
import re
import stat
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from tests.factories import PASSWORD, Factory
from tests.operations.conftest import make_app, migrate_to_head
from tracker import clock
from tracker.config import ROOT
from tracker.extensions import db

#: The newest migration, read from the scripts.
HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()

#: What belongs to the session, not to the case: its CSRF token, and the session clock's token and seconds left.
CSRF_FIELD = re.compile(r'<input[^>]*csrf_token[^>]*>|data-(?:csrf|idle-left|hard-left)="[^"]*"')


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.travel_to(date(2026, 3, 2))  # both apps render "days left" on the same day
    yield
    clock.resume()


def populate(app) -> dict:
    """Cases played through the service layer: opened, a transition, a note, an assignment; and stored documents."""
    from tracker.cases import service

    with app.app_context():
        make = Factory()
        office = make.office(name="Anerkennungsstelle Erfurt")
        clerk = make.user(office=office, name="Clara Clerk")
        first = make.case(office=office, actor=clerk)
        service.apply_transition(first, "confirm_receipt_incomplete", clerk, {"documents": "passport"})
        service.add_note(first, clerk, "Diplom im Original angefordert")
        service.assign(first, clerk, clerk)
        db.session.commit()
        make.case(office=office, actor=clerk)
        make.case("skilled-worker-81a")
        facts = {"case_id": first.id, "email": clerk.email}
        db.session.remove()
    documents = Path(app.config["DOCUMENTS_DIR"]) / "cases" / str(facts["case_id"])
    documents.mkdir(parents=True)
    (documents / "diploma.pdf").write_bytes(b"%PDF-1.4 diploma " + bytes(range(256)))
    (documents / "passport.pdf").write_bytes(b"%PDF-1.4 passport")
    return facts


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def case_page(app, email: str, case_id: int) -> str:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return CSRF_FIELD.sub("<csrf>", response.get_data(as_text=True))


@pytest.fixture
def source(backend, new_database, tmp_path):
    app = make_app(new_database(backend, "source"), DOCUMENTS_DIR=str(tmp_path / "source-documents"))
    migrate_to_head(app)
    facts = populate(app)
    yield app, facts
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def empty_target(backend, new_database, tmp_path):
    app = make_app(new_database(backend, "target"), DOCUMENTS_DIR=str(tmp_path / "target-documents"))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_restore_drill(source, empty_target, tmp_path):
    app, facts = source
    backup_dir = tmp_path / "backup"
    code, output = run(app, "backup", "--to", str(backup_dir))
    assert code == 0, output

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["alembic_revision"] == HEAD
    listed = {entry["path"] for entry in manifest["files"]}
    case_dir = f"documents/cases/{facts['case_id']}"
    assert {f"{case_dir}/diploma.pdf", f"{case_dir}/passport.pdf"} <= listed
    assert listed & {"database.dump", "database.sqlite"}
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"])

    code, output = run(empty_target, "restore", "--from", str(backup_dir))
    assert code == 0, output
    assert f"revision {HEAD}" in output

    code, output = run(empty_target, "audit", "verify")
    assert code == 0, output
    assert "audit trail intact" in output
    assert empty_target.test_client().get("/readyz").status_code == 200  # schema at head: the app can serve

    restored = Path(empty_target.config["DOCUMENTS_DIR"]) / "cases" / str(facts["case_id"])
    original = Path(app.config["DOCUMENTS_DIR"]) / "cases" / str(facts["case_id"])
    assert (restored / "diploma.pdf").read_bytes() == (original / "diploma.pdf").read_bytes()

    before = case_page(app, facts["email"], facts["case_id"])
    after = case_page(empty_target, facts["email"], facts["case_id"])
    assert "Diplom im Original angefordert" in after  # the page is the case's, not an empty shell
    assert after == before


def test_a_tampered_backup_is_refused_before_anything_is_touched(source, empty_target, tmp_path):
    app, facts = source
    backup_dir = tmp_path / "backup"
    assert run(app, "backup", "--to", str(backup_dir))[0] == 0
    document = backup_dir / "documents" / "cases" / str(facts["case_id"]) / "diploma.pdf"
    document.write_bytes(document.read_bytes().replace(b"diploma", b"diplomb"))

    code, output = run(empty_target, "restore", "--from", str(backup_dir))
    assert code != 0
    assert f"checksum mismatch: documents/cases/{facts['case_id']}/diploma.pdf" in output
    with empty_target.app_context():
        from tracker.operations.backup import is_empty

        assert is_empty(db.engine)
    assert not Path(empty_target.config["DOCUMENTS_DIR"]).exists()


def test_a_backup_with_a_missing_or_extra_file_is_refused(source, empty_target, tmp_path):
    app, facts = source
    backup_dir = tmp_path / "backup"
    assert run(app, "backup", "--to", str(backup_dir))[0] == 0
    (backup_dir / "documents" / "cases" / str(facts["case_id"]) / "passport.pdf").unlink()
    (backup_dir / "documents" / "smuggled.pdf").write_bytes(b"not from us")

    code, output = run(empty_target, "restore", "--from", str(backup_dir))
    assert code != 0
    assert f"missing: documents/cases/{facts['case_id']}/passport.pdf" in output
    assert "not in the manifest: documents/smuggled.pdf" in output


def test_a_non_empty_database_is_refused_unless_forced(source, empty_target, tmp_path):
    app, facts = source
    backup_dir = tmp_path / "backup"
    assert run(app, "backup", "--to", str(backup_dir))[0] == 0
    migrate_to_head(empty_target)
    with empty_target.app_context():
        Factory().case()  # work someone would lose
        db.session.remove()
    old_documents = Path(empty_target.config["DOCUMENTS_DIR"])
    old_documents.mkdir()
    (old_documents / "kept.pdf").write_bytes(b"older upload")

    code, output = run(empty_target, "restore", "--from", str(backup_dir))
    assert code != 0
    assert "not empty" in output and "--force" in output

    code, output = run(empty_target, "restore", "--from", str(backup_dir), "--force")
    assert code == 0, output
    assert run(empty_target, "audit", "verify")[0] == 0
    assert case_page(empty_target, facts["email"], facts["case_id"]) == case_page(app, facts["email"],
                                                                                facts["case_id"])
    moved_aside = [path for path in old_documents.parent.iterdir() if ".before-restore-" in path.name]
    assert len(moved_aside) == 1 and (moved_aside[0] / "kept.pdf").read_bytes() == b"older upload"


def test_backup_without_a_documents_directory_and_into_an_occupied_directory(source, tmp_path):
    app, _facts = source
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "never-created")
    code, output = run(app, "backup", "--to", str(tmp_path / "plain"))
    assert code == 0, output
    assert json.loads((tmp_path / "plain" / "manifest.json").read_text())["documents"] is False

    code, output = run(app, "backup", "--to", str(tmp_path / "plain"))
    assert code != 0 and "not empty" in output  # never overwrites an earlier backup


def test_a_backup_of_an_empty_documents_folder_restores_when_a_copy_dropped_the_folder(source, empty_target,
                                                                                      tmp_path):
    app, facts = source
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "no-uploads-yet")
    (tmp_path / "no-uploads-yet").mkdir()
    backup_dir = tmp_path / "backup"
    assert run(app, "backup", "--to", str(backup_dir))[0] == 0
    (backup_dir / "documents").rmdir()  # copies of a backup often leave out empty folders

    code, output = run(empty_target, "restore", "--from", str(backup_dir))
    assert code == 0, output
    assert Path(empty_target.config["DOCUMENTS_DIR"]).is_dir()
    assert run(empty_target, "audit", "verify")[0] == 0


def test_a_backup_is_readable_by_its_owner_only(source, tmp_path):
    app, _facts = source
    backup_dir = tmp_path / "backup"
    assert run(app, "backup", "--to", str(backup_dir))[0] == 0
    assert stat.S_IMODE(backup_dir.stat().st_mode) == 0o700
    for path in backup_dir.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path  # database dump, documents, manifest


def test_a_link_inside_a_backup_is_refused_before_anything_is_touched(source, empty_target, tmp_path):
    app, _facts = source
    backup_dir = tmp_path / "backup"
    assert run(app, "backup", "--to", str(backup_dir))[0] == 0
    (backup_dir / "documents" / "elsewhere.pdf").symlink_to(tmp_path / "nowhere.pdf")  # dangling
    (backup_dir / "documents" / "passwd").symlink_to("/etc/passwd")

    code, output = run(empty_target, "restore", "--from", str(backup_dir))
    assert code != 0
    assert "not a regular file: documents/elsewhere.pdf" in output
    assert "not a regular file: documents/passwd" in output
    with empty_target.app_context():
        from tracker.operations.backup import is_empty

        assert is_empty(db.engine)
    assert not Path(empty_target.config["DOCUMENTS_DIR"]).exists()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_forced_restore_that_fails_leaves_the_old_database_as_it_was(source, empty_target, tmp_path):
    """The dump is cut short after its checksums were taken again (damage the manifest cannot see): the restore
    fails halfway through, and the tables it was to replace are still there, with their data."""
    app, facts = source
    backup_dir = tmp_path / "backup"
    assert run(app, "backup", "--to", str(backup_dir))[0] == 0
    dump = backup_dir / "database.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["path"] == "database.dump":
            entry.update(sha256=hashlib.sha256(dump.read_bytes()).hexdigest(), size=dump.stat().st_size)
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))

    migrate_to_head(empty_target)
    with empty_target.app_context():
        kept = Factory().case().reference  # the work a failed restore must not take away
        db.session.remove()

    code, output = run(empty_target, "restore", "--from", str(backup_dir), "--force")
    assert code != 0
    assert "nothing was changed" in output
    with empty_target.app_context():
        from tracker.cases.models import Case

        assert [case.reference for case in db.session.scalars(sa.select(Case))] == [kept]
        db.session.remove()
    assert run(empty_target, "audit", "verify")[0] == 0
