"""The anonymised case list: a job that gets the export row's id only, reports its progress on a page that
refreshes itself (a static script; a link without script), and offers the file when done — in-process without
Redis, through RQ with it. Only the person who asked sees the export."""
from __future__ import annotations

import csv
import io
import socket
from datetime import date, timedelta

import openpyxl
import pytest

from tests.conftest import redis_test_database
from tests.factories import PASSWORD
from tracker import clock, create_app
from tracker.extensions import db
from tracker.jobs.queue import REPORTS, get_queue
from tracker.jobs.worker import run_worker
from tracker.reports.jobs import pump_exports, run_export
from tracker.reports.models import ExportStatus, ReportExport

YEAR = {"start": "2025-01-01", "end": "2025-12-31", "office": "0"}


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff")), delimiter=";"))


def test_an_export_runs_in_process_and_offers_its_file(year, people, client, login):
    login(people["admin"])
    response = client.post("/reports/exports", data={**YEAR, "file_format": "csv"})
    assert response.status_code == 303
    status = client.get(response.headers["Location"])
    page = status.get_data(as_text=True)
    assert "Der Export ist fertig (6 Fälle)." in page and "export-progress.js" not in page
    export = db.session.query(ReportExport).one()
    download = client.get(f"/reports/exports/{export.id}/download")
    rows = read_csv(download.data)
    assert rows[0][:3] == ["procedure_id", "office_id", "reference_occupation"]
    assert len(rows) == 7  # the six cases settled in 2025
    categories = sorted(row[rows[0].index("category")] for row in rows[1:])
    assert categories == ["full_equivalence"] * 3 + ["negative", "partial_equivalence", "withdrawn"]
    assert not any("Applicant" in cell for row in rows for cell in row)  # no names


def test_a_team_leads_export_holds_their_office_only_as_xlsx(year, people, client, login):
    login(people["lead_hwk"])
    client.post("/reports/exports", data={**YEAR, "office": "", "file_format": "xlsx"})
    export = db.session.query(ReportExport).one()
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/exports/{export.id}/download").data))
    sheet = workbook["cases"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == "Elektroniker/in" and rows[1][12] == 58  # F: lead 58 days


def test_nobody_else_sees_an_export(year, people, client, login, make):
    login(people["admin"])
    client.post("/reports/exports", data={**YEAR, "file_format": "csv"})
    export = db.session.query(ReportExport).one()
    client.post("/logout")
    login(people["lead_ihk"])
    assert client.get(f"/reports/exports/{export.id}").status_code == 404
    assert client.get(f"/reports/exports/{export.id}/download").status_code == 404


def test_a_bad_export_request_is_refused_with_the_input_kept(year, people, client, login):
    login(people["admin"])
    response = client.post("/reports/exports", data={"start": "2025-12-31", "end": "2025-01-01",
                                                     "file_format": "csv", "office": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in page and 'value="2025-12-31"' in page
    assert db.session.query(ReportExport).count() == 0


@pytest.fixture
def redis_url():
    yield from redis_test_database(7)


def app_with_redis_at(app, redis_url: str):
    """A second app on the same database that queues its jobs in ``redis_url``: the web process of production."""
    queued = create_app({"TESTING": True, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": False,
                         **{key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME")}})
    yield queued
    with queued.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def redis_app(app, redis_url):
    yield from app_with_redis_at(app, redis_url)


@pytest.mark.redis
def test_with_redis_the_export_is_a_job_with_its_id_only_and_the_page_shows_progress(year, people, redis_app):
    db.session.commit()
    admin_email = people["admin"].email
    with redis_app.app_context():
        client = redis_app.test_client()
        assert client.post("/login", data={"email": admin_email, "password": PASSWORD}).status_code == 302
        response = client.post("/reports/exports", data={**YEAR, "file_format": "csv"})
        location = response.headers["Location"]
        waiting = client.get(location).get_data(as_text=True)
        assert "export-progress.js" in waiting and "<progress" in waiting and "Stand aktualisieren" in waiting
        [job] = get_queue(REPORTS, redis_app).jobs
        export_id = db.session.query(ReportExport.id).scalar()
        assert job.func_name == "tracker.reports.jobs.run_export" and job.args == (export_id,)
        db.session.remove()
    run_worker(redis_app, burst=True)
    with redis_app.app_context():
        assert db.session.get(ReportExport, export_id).status == ExportStatus.DONE
        done = client.get(location).get_data(as_text=True)
        assert "Datei herunterladen" in done and "export-progress.js" not in done
        assert len(read_csv(client.get(f"{location}/download").data)) == 7
        db.session.remove()


def test_one_user_may_start_only_so_many_exports_a_day(app, year, people, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_EXPORTS_PER_DAY", 2)
    login(people["admin"])
    answers = [client.post("/reports/exports", data={**YEAR, "file_format": "csv"}) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [303, 303, 429]
    assert "schon 2 Exporte gestartet, die Höchstzahl" in answers[-1].get_data(as_text=True)
    assert db.session.query(ReportExport).count() == 2
    client.post("/logout")
    login(people["lead_hwk"])  # the limit is per user
    assert client.post("/reports/exports", data={**YEAR, "office": "", "file_format": "csv"}).status_code == 303


@pytest.mark.parametrize("typed", ["=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_a_text_a_spreadsheet_would_run_is_quoted_in_both_csv_writers(typed):
    # Occupations are typed by clerks (tabs and line breaks are ordinary text in forms): never a formula.
    from tracker.reports.jobs import _csv_value
    from tracker.reports.tables import safe_cell

    assert safe_cell(typed) == _csv_value(typed) == "'" + typed
    assert safe_cell("Pflegefachfrau") == _csv_value("Pflegefachfrau") == "Pflegefachfrau"


@pytest.fixture
def unreachable_redis_app(app):
    """The web process while Redis is down: nothing listens at REDIS_URL's port."""
    yield from app_with_redis_at(app, f"redis://127.0.0.1:{closed_port()}/0")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the probe is closed: a connection there is refused


def test_an_export_asked_for_while_redis_is_down_waits_and_the_pump_runs_it_later(year, people, app,
                                                                                  unreachable_redis_app):
    db.session.commit()
    admin_email = people["admin"].email
    with unreachable_redis_app.app_context():
        client = unreachable_redis_app.test_client()
        assert client.post("/login", data={"email": admin_email, "password": PASSWORD}).status_code == 302
        response = client.post("/reports/exports", data={**YEAR, "file_format": "csv"})
        assert response.status_code == 303  # not a 500: the request is recorded, its job waits
        waiting = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "export-progress.js" in waiting
        export = db.session.query(ReportExport).one()
        assert (export.status, export.enqueued_at) == (ExportStatus.QUEUED, None)
        export_id = export.id
        db.session.remove()
    # Redis answers again: the pump enqueues it (here without Redis, where a job runs at once).
    pump_exports()
    export = db.session.get(ReportExport, export_id)
    assert (export.status, export.attempts) == (ExportStatus.DONE, 1) and export.enqueued_at is not None
    assert len(read_csv(export.content)) == 7


def test_an_export_whose_worker_died_runs_again_until_it_has_run_three_times(year, people):
    now = clock.now()
    lost = dict(requested_by_id=people["admin"].id, period_from=date(2025, 1, 1), period_to=date(2025, 12, 31),
                file_format="csv", status=ExportStatus.RUNNING, enqueued_at=now - timedelta(minutes=20),
                started_at=now - timedelta(minutes=10))
    retried, given_up = ReportExport(**lost, attempts=1), ReportExport(**lost, attempts=3)
    running = ReportExport(**{**lost, "started_at": now - timedelta(minutes=2)}, attempts=1)  # still within its time
    db.session.add_all([retried, given_up, running])
    db.session.commit()

    pump_exports()

    db.session.expire_all()
    assert (retried.status, retried.attempts, len(read_csv(retried.content))) == (ExportStatus.DONE, 2, 7)
    assert given_up.status == ExportStatus.FAILED and given_up.finished_at is not None
    assert (running.status, running.attempts) == (ExportStatus.RUNNING, 1)


def test_the_same_export_job_twice_builds_the_file_once(year, people):
    export = ReportExport(requested_by_id=people["admin"].id, period_from=date(2025, 1, 1),
                          period_to=date(2025, 12, 31), file_format="csv", status=ExportStatus.QUEUED)
    db.session.add(export)
    db.session.commit()

    run_export(export.id)
    finished = db.session.get(ReportExport, export.id).finished_at
    run_export(export.id)

    db.session.expire_all()
    assert (export.status, export.attempts, export.finished_at) == (ExportStatus.DONE, 1, finished)


def test_the_xlsx_export_explains_its_columns_and_codes(year, people, client, login):
    """A statistician reading the file without this app: every column, category, procedure and office is named."""
    login(people["admin"])
    client.post("/reports/exports", data={**YEAR, "office": "", "file_format": "xlsx"})
    export = db.session.query(ReportExport).one()
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/exports/{export.id}/download").data))
    cases = list(workbook["cases"].iter_rows(values_only=True))
    explained = {row[0]: row[1:] for row in workbook["Erläuterung"].iter_rows(values_only=True) if row[0]}

    assert all(column in explained for column in cases[0])
    assert explained["decision_days"][1].startswith("Calendar days from complete documents to first decision")
    for row in cases[1:]:
        assert str(row[cases[0].index("category")]) in explained or row[cases[0].index("category")] is None
        assert row[0] in explained  # the procedure id, with its title
        assert str(row[1]) in explained  # the office number, with its name
    assert explained["full_equivalence"] == ("Volle Gleichwertigkeit", "Full equivalence")
