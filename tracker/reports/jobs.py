"""The export job: writes the anonymised case list of a period into its ``ReportExport`` row, batch by batch, so
the page that waits for it can show how far it got. Takes the row's id only (``jobs.queue.enqueue``)."""
from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime

import xlsxwriter

from tracker import clock
from tracker.auth.models import User
from tracker.cases.access import report_scope
from tracker.extensions import db
from tracker.reports.figures import EXPORT_COLUMNS, Period, case_rows, count_cases
from tracker.reports.models import ExportStatus, ReportExport
from tracker.reports.tables import safe_cell

log = logging.getLogger(__name__)


def run_export(export_id: int) -> None:
    """Build the file; idempotent: a row already done (a retried job) is left as it is. The scope is the
    requester's report scope *now*: a team lead who lost the role gets an empty file, never another office's."""
    export = db.session.get(ReportExport, export_id)
    if export is None or export.status == ExportStatus.DONE:
        return
    try:
        user = db.session.get(User, export.requested_by_id)
        scope = report_scope(user)
        period = Period(export.period_from, export.period_to)
        export.status = ExportStatus.RUNNING
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
        line = 1
        for rows in batches:
            for row in rows:
                for column, value in enumerate(row):
                    if value is None:
                        continue
                    if hasattr(value, "isoformat"):
                        sheet.write_datetime(line, column, _as_datetime(value), date_format)
                    else:
                        sheet.write(line, column, value)
                line += 1
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
