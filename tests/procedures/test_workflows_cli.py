"""`flask workflows ...` on a throwaway app (the lead wires the group into the factory)."""
import shutil
from pathlib import Path

import pytest
from flask import Flask

from tracker.cli.workflows import workflows_command

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def make_runner(directory):
    app = Flask(__name__)
    if directory is not None:
        app.config["WORKFLOWS_DIR"] = str(directory)
    app.cli.add_command(workflows_command)
    return app.test_cli_runner()


@pytest.fixture
def runner():
    return make_runner(WORKFLOWS)


def test_list(runner):
    result = runner.invoke(args=["workflows", "list"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "recognition-bqfg  1  Anerkennung eines ausländischen Berufsabschlusses (BQFG, nicht reglementierter Beruf)",
        "recognition-thuerbqfg  1  Anerkennung eines ausländischen Berufsabschlusses "
        "(ThürBQFG, landesrechtlich reglementierter Beruf)",
        "recognition-thuerbqfg-nonregulated  1  Anerkennung eines ausländischen Berufsabschlusses "
        "(ThürBQFG, landesrechtlich geregelter, nicht reglementierter Beruf)",
        "skilled-worker-81a  1  Beschleunigtes Fachkräfteverfahren (§ 81a AufenthG)",
    ]


def test_check_ok(runner):
    result = runner.invoke(args=["workflows", "check"])
    assert result.exit_code == 0
    assert result.output.strip() == "4 procedures OK"


def copy_workflow(name, directory, *replacements):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    (directory / name).write_text(text, encoding="utf-8")


def test_check_prints_every_error_and_fails(tmp_path):
    copy_workflow("fachkraefteverfahren-81a.yaml", tmp_path,
                  ("to: pre_approval_issued", "to: pre_aproval_issued"),
                  ("roles: [immigration_clerk, team_lead, employer]", "roles: [employer, boss]"))
    copy_workflow("recognition-bqfg.yaml", tmp_path, ("guards: [documents_complete]", "guards: [docs_ok]"))
    result = make_runner(tmp_path).invoke(args=["workflows", "check"])
    assert result.exit_code == 1
    assert "fachkraefteverfahren-81a.yaml: transitions[18].to: unknown state 'pre_aproval_issued'" in result.output
    assert "fachkraefteverfahren-81a.yaml: transitions[19].roles[1]: unknown role 'boss'" in result.output
    assert "recognition-bqfg.yaml: transitions[0].guards[0]: unknown guard 'docs_ok'" in result.output
    assert "procedures OK" not in result.output


def test_check_needs_the_linked_recognition_procedures(tmp_path):
    shutil.copy(WORKFLOWS / "recognition-bqfg.yaml", tmp_path)
    shutil.copy(WORKFLOWS / "fachkraefteverfahren-81a.yaml", tmp_path)
    result = make_runner(tmp_path).invoke(args=["workflows", "check"])
    assert result.exit_code == 1
    assert ("fachkraefteverfahren-81a.yaml: transitions[1].inputs[0].choices[0].value: "
            "no recognition procedure 'recognition-thuerbqfg' is loaded") in result.output


def test_check_without_configured_directory():
    result = make_runner(None).invoke(args=["workflows", "check"])
    assert result.exit_code == 1 and "WORKFLOWS_DIR" in result.output


def test_show(runner):
    result = runner.invoke(args=["workflows", "show", "skilled-worker-81a"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "skilled-worker-81a v1: Beschleunigtes Fachkräfteverfahren (§ 81a AufenthG)"
    assert "  agreement_pending  [authority]  initial" in lines
    assert "  entered  [none]  terminal (positive)" in lines
    assert ("  deem_ba_approval_granted: ba_pending -> ba_cleared [system] § 36(2) BeschV (Zustimmungsfiktion)"
            in lines)
    assert "  ba_approval: P1W deadline, on expiry fiction deem_ba_approval_granted; § 36(2) BeschV" in lines
    assert "  employer_invitation: 3 working days deadline, on expiry breach; § 81a(3) Nr. 3 AufenthG" in lines


def test_show_version_and_unknown(runner):
    assert runner.invoke(args=["workflows", "show", "recognition-bqfg", "--version", "1"]).exit_code == 0
    missing_version = runner.invoke(args=["workflows", "show", "recognition-bqfg", "--version", "2"])
    assert missing_version.exit_code == 1 and "version 2" in missing_version.output
    unknown = runner.invoke(args=["workflows", "show", "nope"])
    assert unknown.exit_code == 1 and "no procedure 'nope'" in unknown.output
