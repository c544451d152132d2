"""Report exports are deleted with their file once they are older than REPORT_EXPORT_KEEP_DAYS (default 7): daily
through the scheduler, or at once with ``flask reports prune``."""
from __future__ import annotations

from datetime import timedelta

from tracker import clock
from tracker.extensions import db
from tracker.reports.models import ExportStatus, ReportExport
from tracker.reports.pruning import run_export_pruning

YEAR = {"start": "2025-01-01", "end": "2025-12-31", "office": "0", "file_format": "csv"}


def exports_left() -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(db.select(ReportExport.id)))


def export_requested(client, days_ago: int) -> int:
    """An export run through the page, ``days_ago`` days before today."""
    clock.travel_to(clock.now() - timedelta(days=days_ago))
    try:
        client.post("/reports/exports", data=YEAR)
    finally:
        clock.travel_to(clock.now() + timedelta(days=days_ago))
    return db.session.scalars(db.select(ReportExport.id).order_by(ReportExport.id.desc())).first()


def test_the_daily_job_deletes_exports_past_the_keeping_period_and_keeps_the_recent(year, people, client, login):
    login(people["admin"])
    old = export_requested(client, days_ago=8)
    failed = export_requested(client, days_ago=30)
    db.session.get(ReportExport, failed).status = ExportStatus.FAILED
    db.session.commit()
    recent = export_requested(client, days_ago=6)

    run_export_pruning()

    assert exports_left() == [recent]
    assert client.get(f"/reports/exports/{old}/download").status_code == 404
    assert client.get(f"/reports/exports/{recent}/download").status_code == 200
    assert "Exporte werden 7 Tage nach dem Start gelöscht" in client.get("/reports").get_data(as_text=True)


def test_the_keeping_period_is_configurable(app, year, people, client, login, monkeypatch):
    login(people["admin"])
    kept = export_requested(client, days_ago=2)
    monkeypatch.setitem(app.config, "REPORT_EXPORT_KEEP_DAYS", 1)

    run_export_pruning()

    assert kept not in exports_left()


def test_flask_reports_prune_deletes_them_at_once(year, people, client, login, runner):
    login(people["admin"])
    export_requested(client, days_ago=3)
    kept = export_requested(client, days_ago=0)

    result = runner.invoke(args=["reports", "prune", "--days", "2"])

    assert result.exit_code == 0 and "1 export(s) older than 2 day(s) deleted" in result.output
    assert exports_left() == [kept]
