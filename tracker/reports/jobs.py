"""The export job: writes the anonymised case list of a period into its ``ReportExport`` row, batch by batch, so
the page that waits for it can show how far it got. Takes the row's id only (``jobs.queue.enqueue``)."""
from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime, timedelta

import xlsxwriter
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update

from tracker import clock
from tracker.auth.models import User
from tracker.cases.access import report_scope
from tracker.extensions import db
from tracker.jobs.queue import JOB_TIMEOUT, REPORTS, enqueue
from tracker.reports import codebook
from tracker.reports.figures import EXPORT_COLUMNS, Period, case_rows, count_cases
from tracker.reports.models import ExportStatus, ReportExport
from tracker.reports.tables import safe_cell

log = logging.getLogger(__name__)


#: Runs of one export before a lost one (its worker died each time) counts as failed.
MAX_ATTEMPTS = 3
#: A running export past the job timeout and this margin lost its worker (RQ ends a job at ``JOB_TIMEOUT``).
LOST_AFTER = timedelta(seconds=JOB_TIMEOUT + 60)
#: A queued export not started this long after its job was enqueued lost that job (a Redis restarted without its
#: data); a long queue of exports may hold it that long too, and then a second job finds it taken and ends.
REQUEUE_AFTER = timedelta(minutes=10)


def enqueue_export(export_id: int) -> None:
    """Put the export's job on the queue. Redis unreachable: the export stays queued (the page says so) and the
    pump enqueues it once Redis answers again: the request that asked for it does not fail."""
    try:
        enqueue(REPORTS, run_export, export_id)
    except RedisError:
        log.warning("report export %s waits for the queue: Redis is unreachable", export_id)
        return
    db.session.execute(update(ReportExport).where(ReportExport.id == export_id).values(enqueued_at=clock.now()))
    db.session.commit()


def pump_exports() -> None:
    """Every minute (``reports.register``): exports whose job never reached the queue or was lost, enqueued
    again; a run that lost its worker is queued again, or failed after ``MAX_ATTEMPTS`` runs."""
    now = clock.now()
    lost = (ReportExport.status == ExportStatus.RUNNING, ReportExport.started_at < now - LOST_AFTER)
    db.session.execute(update(ReportExport).where(*lost, ReportExport.attempts >= MAX_ATTEMPTS)
                       .values(status=ExportStatus.FAILED, finished_at=now))
    db.session.execute(update(ReportExport).where(*lost).values(status=ExportStatus.QUEUED, enqueued_at=None))
    db.session.commit()
    waiting = db.session.scalars(select(ReportExport.id).where(
        ReportExport.status == ExportStatus.QUEUED,
        or_(ReportExport.enqueued_at.is_(None), ReportExport.enqueued_at < now - REQUEUE_AFTER))
        .order_by(ReportExport.id)).all()
    for export_id in waiting:
        enqueue_export(export_id)


def run_export(export_id: int) -> None:
    """Build the file. The job takes the export only while it is queued (one atomic update): a second job for it
    (enqueued twice, or by the pump while the first waited) finds it taken and ends; a row done or failed is left
    as it is. The scope is the requester's report scope *now*: a team lead who lost the role gets an empty file,
    never another office's."""
    taken = db.session.execute(
        update(ReportExport).where(ReportExport.id == export_id, ReportExport.status == ExportStatus.QUEUED)
        .values(status=ExportStatus.RUNNING, started_at=clock.now(), attempts=ReportExport.attempts + 1,
                done_rows=0)).rowcount
    db.session.commit()
    if taken != 1:
        return
    export = db.session.get(ReportExport, export_id)
    if export is None:
        return
    try:
        user = db.session.get(User, export.requested_by_id)
        scope = report_scope(user)
        period = Period(export.period_from, export.period_to)
        export.total_rows = count_cases(scope, period, export.office_id)
        export.done_rows = 0
        db.session.commit()
        content = _write(export, scope, period)
        export.content = content
        export.status = ExportStatus.DONE
        export.done_rows = export.total_rows
        export.finished_at = clock.now()
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("report export %s failed", export_id)
        export = db.session.get(ReportExport, export_id)
        if export is None:  # deleted meanwhile (``reports.pruning``): nothing left to mark
            return
        export.status = ExportStatus.FAILED
        export.finished_at = clock.now()
        db.session.commit()


OFFICE_COLUMN = EXPORT_COLUMNS.index("office_id")


def _write(export: ReportExport, scope, period: Period) -> bytes:
    def progress(count: int) -> None:
        export.done_rows += count
        db.session.commit()  # the waiting page reads it

    batches = case_rows(scope, period, export.office_id, on_batch=progress)
    if export.file_format == "xlsx":
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True,
                                                "strings_to_formulas": False, "strings_to_urls": False})
        sheet = workbook.add_worksheet("cases")
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, EXPORT_COLUMNS)
        line, offices = 1, set()
        for rows in batches:
            for row in rows:
                offices.add(row[OFFICE_COLUMN])
                for column, value in enumerate(row):
                    if value is None:
                        continue
                    if hasattr(value, "isoformat"):
                        sheet.write_datetime(line, column, _as_datetime(value), date_format)
                    else:
                        sheet.write(line, column, value)
                line += 1
        explanation = workbook.add_worksheet("Erläuterung")  # what the columns and codes mean (codebook)
        for number, values in enumerate(codebook.rows(offices)):
            explanation.write_row(number, 0, values)
        workbook.close()
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    for rows in batches:
        writer.writerows(["" if value is None else _csv_value(value) for value in row] for row in rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def _csv_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_cell(value)  # never a formula in a spreadsheet (CSV injection)


def _as_datetime(value: date) -> datetime:
    return datetime(value.year, value.month, value.day)
