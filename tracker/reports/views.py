"""The report pages: figures for team leads (their office) and the ministry (admins: every office), their CSV and
XLSX exports, the background export of the anonymised case list, and the public statistics page."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tracker import clock
from tracker.auth.models import User
from tracker.cases.access import NOTHING, Scope, report_scope
from tracker.extensions import db
from tracker.http.public import public
from tracker.parties.models import Office
from tracker.reports import charts, figures, statistics
from tracker.reports.forms import ExportForm, PeriodForm, PublicForm
from tracker.reports.jobs import enqueue_export
from tracker.reports.models import ExportStatus, ReportExport
from tracker.reports.tables import dimension_labels, procedure_title, tables, to_csv, to_xlsx

blueprint = Blueprint("reports", __name__)


def current_language() -> str:
    """The reader's language (the web layer's selector chose it; a sibling door cannot import that module)."""
    locale = get_locale()
    return locale.language if locale else "de"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope() -> Scope:
    """The reader's report scope; a page nobody in their role may read is forbidden (it is no case: 403)."""
    scope = report_scope(current_user)
    if scope == NOTHING:
        abort(403)
    return scope


def _offices(scope: Scope) -> list[Office]:
    statement = select(Office).order_by(Office.name)
    if not scope.everything:
        statement = statement.where(Office.id.in_(scope.offices))
    return list(db.session.scalars(statement))


def _period_form(scope: Scope) -> PeriodForm:
    today = clock.today()
    args = request.args if request.args.get("start") or request.args.get("end") else {
        **request.args, "start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()}
    form = PeriodForm(formdata=_MultiDict(args))
    offices = _offices(scope)
    form.office.choices = ([(0, _("Alle Behörden"))] if scope.everything else []) + [
        (office.id, office.name) for office in offices]
    form.by.choices = [(name, label) for name, label in dimension_labels().items()]
    if not request.args.get("by"):
        form.by.data = "office" if scope.everything else "month"
    return form


class _MultiDict(dict):
    """The query string with defaults, as WTForms reads form data."""

    def getlist(self, key):
        value = self.get(key)
        return [] if value is None else [value]


def _office_filter(form: PeriodForm, scope: Scope) -> int | None:
    """The office chosen; one outside the reader's scope is not theirs to ask about (404, as for a case)."""
    office_id = form.office.data or None
    if office_id is not None and not scope.everything and office_id not in scope.offices:
        abort(404)
    if not scope.everything:
        return office_id or next(iter(scope.offices))
    return office_id


def _report(form: PeriodForm, scope: Scope) -> figures.Report:
    period = figures.Period(form.start.data, form.end.data)
    return figures.build(scope, period, form.by.data, _office_filter(form, scope), clock.today())


@blueprint.route("/reports")
def index():
    scope = _scope()
    form = _period_form(scope)
    report = None
    if form.validate():
        report = _report(form, scope)
    elif form.office.data and not scope.everything and form.office.data not in scope.offices:
        abort(404)
    lang = current_language()
    shown = tables(report, lang) if report is not None else []
    return render_template("reports/index.html", form=form, report=report, tables=shown,
                           charts={table.key: charts.bar_chart(table) for table in shown},
                           chart_summary=charts.summary, export_form=_export_form(scope, form),
                           exports=_my_exports(), query=request.query_string.decode()), 200 if report else 422


@blueprint.route("/reports/<string:key>.<string:file_format>")
def download(key: str, file_format: str):
    """One table as CSV, or every table as XLSX (``key`` "report"), for the same period and breakdown."""
    scope = _scope()
    form = _period_form(scope)
    if file_format not in ("csv", "xlsx"):
        abort(404)
    if not form.validate():
        _office_filter(form, scope)  # another office's id: not theirs to ask about (404, as on the page)
        # A period or choice that is no report: the page says what is wrong with it, with what was asked.
        return redirect(url_for("reports.index", **request.args), 303)
    shown = tables(_report(form, scope), current_language())
    name = f"report-{form.start.data.isoformat()}-{form.end.data.isoformat()}"
    if file_format == "xlsx":
        chosen = shown if key == "report" else [table for table in shown if table.key == key]
        if not chosen:
            abort(404)
        return Response(to_xlsx(chosen), mimetype=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}-{key}.xlsx"'})
    table = next((table for table in shown if table.key == key), None)
    if table is None:
        abort(404)
    return Response(to_csv(table), mimetype="text/csv",  # werkzeug adds "; charset=utf-8" to text types
                    headers={"Content-Disposition": f'attachment; filename="{name}-{key}.csv"'})


# --- the anonymised case list, as a background job -----------------------------------------------------------

def _export_form(scope: Scope, period_form: PeriodForm | None = None) -> ExportForm:
    form = ExportForm(formdata=None) if period_form is not None else ExportForm()
    form.office.choices = ([(0, _("Alle Behörden"))] if scope.everything else []) + [
        (office.id, office.name) for office in _offices(scope)]
    if period_form is not None:
        form.start.data, form.end.data = period_form.start.data, period_form.end.data
        form.office.data = period_form.office.data
    return form


def _my_exports() -> list[ReportExport]:
    return list(db.session.scalars(select(ReportExport).where(ReportExport.requested_by_id == current_user.id)
                                   .order_by(ReportExport.id.desc()).limit(5)))


@blueprint.route("/reports/exports", methods=["POST"])
def request_export():
    scope = _scope()
    form = _export_form(scope)
    if not form.validate_on_submit():
        return render_template("reports/export_refused.html", form=form), 422
    office_id = form.office.data or None
    if office_id is not None and not scope.everything and office_id not in scope.offices:
        abort(404)
    if office_id is None and not scope.everything:
        office_id = next(iter(scope.offices))
    if not _room_for_an_export():
        limit = current_app.config["REPORT_EXPORTS_PER_DAY"]
        return render_template("reports/export_refused.html", form=form, refusal=_(
            "Sie haben in den letzten 24 Stunden schon %(count)d Exporte gestartet, die Höchstzahl. Bitte nutzen Sie "
            "die fertigen Exporte oder versuchen Sie es später erneut.", count=limit)), 429
    export = ReportExport(requested_by_id=current_user.id, requested_at=clock.now(), period_from=form.start.data,
                          period_to=form.end.data, office_id=office_id, file_format=form.file_format.data,
                          status=ExportStatus.QUEUED)
    db.session.add(export)
    db.session.commit()
    export_id = export.id
    enqueue_export(export_id)
    return redirect(url_for("reports.export_status", export_id=export_id), 303)


def _room_for_an_export() -> bool:
    """Fewer than ``REPORT_EXPORTS_PER_DAY`` exports requested by this user in the last 24 hours. The user's row is
    locked first, so two requests at once cannot both take the last place (PostgreSQL)."""
    db.session.execute(select(User.id).where(User.id == current_user.id).with_for_update())
    recent = db.session.scalar(select(func.count(ReportExport.id)).where(
        ReportExport.requested_by_id == current_user.id, ReportExport.requested_at > clock.now() - timedelta(days=1)))
    return recent < current_app.config["REPORT_EXPORTS_PER_DAY"]


def _own_export(export_id: int) -> ReportExport:
    """Only the person who asked for an export sees it; anyone else gets 404 (no existence leak)."""
    _scope()
    export = db.session.get(ReportExport, export_id)
    if export is None or export.requested_by_id != current_user.id:
        abort(404)
    return export


@blueprint.route("/reports/exports/<int:export_id>")
def export_status(export_id: int):
    export = _own_export(export_id)
    return render_template("reports/export.html", export=export,
                           waiting=export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING))


@blueprint.route("/reports/exports/<int:export_id>/download")
def export_download(export_id: int):
    export = _own_export(export_id)
    if export.status != ExportStatus.DONE:
        abort(404)
    mimetype = XLSX if export.file_format == "xlsx" else "text/csv"  # charset added by werkzeug
    name = f"cases-{export.period_from.isoformat()}-{export.period_to.isoformat()}.{export.file_format}"
    return Response(export.content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- public statistics ---------------------------------------------------------------------------------------

@blueprint.route("/statistics")
@public
def public_statistics():
    today = clock.today()
    form = PublicForm(request.args)
    years = [str(year) for year in range(today.year - 1, today.year - 6, -1)]
    form.year.choices = [("", _("Letzte 12 Monate"))] + [(year, year) for year in years]
    if form.validate() and form.year.data:
        year = int(form.year.data)
        period = figures.Period(date(year, 1, 1), date(year, 12, 31))
    else:
        period = statistics.last_twelve_months(today)
    lang = current_language()
    return render_template("reports/public.html", form=form, period=period,
                           tables=statistics.public_tables(period), minimum=statistics.MINIMUM,
                           procedure_title=lambda procedure_id: procedure_title(procedure_id, lang))
