"""The applicant's status page (public: reference and access code, or a signed link) and the clerk's buttons that
issue the code.

URLs:
    GET  /status                                        the entry form, or the page of the case entered
    POST /status                                        enter with reference and code (throttled)
    GET  /status/link?t=<token>                         enter with the signed link from the e-mail (throttled)
    POST /status/documents/<document id>                send a document we asked for (the applicant's session)
    POST /status/messages                               write to the office (the applicant's session)
    POST /status/renew                                  stay: the session's idle time starts again (script)
    POST /status/leave                                  end the applicant's session
    GET  /status/left                                   after leaving: how to come back
    POST /cases/<id>/access-code                        staff: issue or renew the code, show it once, e-mail it
    POST /cases/<id>/access-code/letters/<letter id>    staff: renew the code and print the letter with it
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker.applicant import codes, page
from tracker.applicant import session as applicant_session
from tracker.applicant.forms import EntryForm, IssueCodeForm, LeaveForm, MessageForm, UploadForm
from tracker.applicant.mail import queue_access_code_mail
from tracker.cases.access import can_act_on_case, can_view_case
from tracker.cases.loading import case_by_id
from tracker.cases.models import Case
from tracker.cases.service import CaseError, ConflictError
from tracker.documents import uploads
from tracker.extensions import db, limiter
from tracker.http.limits import typed_key
from tracker.http.public import public
from tracker.http.session_clock import SessionClock, page_address
from tracker.http.unit_of_work import perform
from tracker.letters.content import Letter, carries_access_code, fill_access_code
from tracker.letters.models import LetterRecord
from tracker.messages import service as messages
from tracker.registry import workflow_of
from tracker.privacy import record_read

log = logging.getLogger(__name__)

blueprint = Blueprint("applicant", __name__, url_prefix="/status")
staff_blueprint = Blueprint("access_codes", __name__, url_prefix="/cases/<int:case_id>/access-code")


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale else "de"


# --- the applicant ------------------------------------------------------------------------------------------

def _reference_key() -> str:
    """Failed entries count per reference typed (as a digest: the limiter's store holds no references). Unknown
    references count like real ones, so a lockout says nothing about which exist."""
    typed = codes.normalise_reference(request.form.get("reference") or "")
    return typed_key("status-reference", typed)


def _failed(response) -> bool:
    return response.status_code in (404, 422)


@blueprint.route("", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["STATUS_LIMIT_PER_REFERENCE"], key_func=_reference_key,
               methods=["POST"], deduct_when=_failed, scope="status-reference")
@limiter.limit(lambda: current_app.config["STATUS_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed,
               scope="status-address")
def status():
    held = applicant_session.held()
    case_id = applicant_session.current_case_id()
    if request.method == "GET" and case_id is not None:
        return _render_status(case_id)
    ended = request.method == "GET" and held  # held one a moment ago: it timed out or the code was renewed
    form = EntryForm()
    if form.validate_on_submit():
        record = codes.admit(form.reference.data, form.code.data)
        if record is not None:
            applicant_session.enter(record)
            return redirect(url_for("applicant.status"))
        # The same words whatever was wrong; the log names neither the case nor the person (no address either).
        log.warning("status page: refused entry (reference %s)", codes.pseudonym(form.reference.data))
        form.code.errors = [*form.code.errors, _("Aktenzeichen oder Zugangscode stimmen nicht. Bitte prüfen Sie "
                                                  "beide Angaben.")]
        form.code.data = ""
    return render_template("applicant/entry.html", form=form, ended=ended), 422 if form.errors else 200


def _render_status(case_id: int, *, upload_form=None, upload_for: str | None = None, message_form=None,
                   status: int = 200):
    """The page; a refused upload or message is shown again at its place with why (the message keeps its text)."""
    case = case_by_id(case_id)
    if case is None:  # cannot happen while the code row exists; no page without a case
        applicant_session.leave()
        return redirect(url_for("applicant.status"))
    built = page.build(case)
    return render_template("applicant/status.html", page=built, case=case, lang=_lang(),
                           leave_form=LeaveForm(formdata=None), upload_form=upload_form, upload_for=upload_for,
                           blank_upload_form=lambda: UploadForm(formdata=None),
                           sent=uploads.case_uploads(case),
                           message_form=message_form or MessageForm(formdata=None),
                           document_titles={spec.id: spec.title for spec in workflow_of(case).documents},
                           thread=messages.thread(case)), status


def _session_case() -> Case | None:
    case_id = applicant_session.current_case_id()
    return db.session.get(Case, case_id) if case_id is not None else None


@blueprint.route("/documents/<document_id>", methods=["POST"])
@public
def upload(document_id: str):
    """A document we asked for, sent from the page: checked by content, stored, marked received today."""
    case = _session_case()
    if case is None:  # no (or an ended) session: back to the entry form, which says so
        return redirect(url_for("applicant.status"))
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_status(case.id, upload_form=form, upload_for=document_id, status=422)
    if document_id not in {need.document_id for need in page.needs_of(case)}:
        # Only what the page offers: the employer's papers are the employer's to send, and a document accepted or
        # not needed now is no longer asked for (the page has no form for it to show an error at).
        flash(_("Diese Unterlage brauchen wir im Moment nicht von Ihnen."), "error")
        return _render_status(case.id, status=422)
    try:
        received = perform(uploads.receive_upload, case, document_id, request.files.get("file"),
                           uploaded_by_applicant=True)
    except CaseError as error:
        form.file.errors = [*form.file.errors, error.text(_lang())]
        return _render_status(case.id, upload_form=form, upload_for=document_id, status=422)
    flash(_("Danke, „%(name)s“ ist bei uns angekommen. Wir prüfen die Unterlage.", name=received.file_name),
          "success")
    return redirect(url_for("applicant.status", _anchor="send-documents"))


@blueprint.route("/messages", methods=["POST"])
@public
def message():
    case = _session_case()
    if case is None:
        return redirect(url_for("applicant.status"))
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_status(case.id, message_form=form, status=422)
    try:
        perform(messages.post_message, case, form.body.data, from_applicant=True)
    except CaseError as error:
        form.body.errors = [*form.body.errors, error.text(_lang())]
        return _render_status(case.id, message_form=form, status=422)
    flash(_("Danke, Ihre Nachricht ist bei uns angekommen."), "success")
    return redirect(url_for("applicant.status", _anchor="messages"))


@blueprint.route("/renew", methods=["POST"])
@public
def renew():
    """"Stay on the page" (the page's session clock): the idle time starts again. JSON for the script; 401 once
    the session has ended."""
    if applicant_session.current_case_id() is None:
        return {"ended": True}, 401
    return {"idle_left": applicant_session.renew()}


def page_clock() -> SessionClock | None:
    """The status session's clock, on the status pages (``tracker.http.session_clock``)."""
    if request.blueprint != blueprint.name:
        return None
    left = applicant_session.time_left()
    if left is None:
        return None
    idle, idle_left, hard_left = left
    page = page_address()
    return SessionClock(kind="applicant", idle=idle, idle_left=idle_left, hard_left=hard_left,
                        hard_minutes=applicant_session.MAX_MINUTES, renew_url=url_for("applicant.renew"),
                        again_url=url_for("applicant.status"), page=page,
                        owner=f"applicant:{applicant_session.current_case_id()}")


@blueprint.route("/link")
@public
@limiter.limit(lambda: current_app.config["STATUS_LIMIT_PER_ADDRESS"], deduct_when=_failed, scope="status-address")
def link():
    """The signed link from the e-mail: it enters the session and leaves the address bar (and the history) without
    the token. An expired, forged or superseded link gets the entry form with the same words as a wrong code."""
    record = codes.admit_link(request.args.get("t", ""))
    if record is None:
        log.warning("status page: refused link")
        form = EntryForm(formdata=None)
        form.code.errors = [_("Der Link ist abgelaufen oder ungültig. Bitte geben Sie Aktenzeichen und Zugangscode "
                              "ein.")]
        return render_template("applicant/entry.html", form=form, ended=False), 404
    applicant_session.enter(record)
    # The e-mail was written in the applicant's language: the page opens in it too, unless one was chosen here.
    language = db.session.get(Case, record.case_id).applicant.preferred_language
    if "lang" not in session and language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    return redirect(url_for("applicant.status"))


@blueprint.route("/leave", methods=["POST"])
@public
def leave():
    if not LeaveForm().validate_on_submit():
        abort(400)
    applicant_session.leave_everywhere()
    db.session.commit()
    # To a page of its own: reloading it, or coming back to it later, shows the same words and changes nothing.
    return redirect(url_for("applicant.left"), 303)


@blueprint.route("/left")
@public
def left():
    """After leaving: says so, and how to come back. Holds nothing of any case."""
    return render_template("applicant/left.html")


@blueprint.errorhandler(429)
def too_many_attempts(error):
    """The lockout: the same words whether the reference exists or not."""
    log.warning("status page: attempts throttled (%s)", getattr(error, "description", ""))
    form = EntryForm(formdata=None)
    # The reference stays as typed (the same words whether it exists or not); the code is never sent back.
    form.reference.data = (request.form.get("reference") or "")[:60] if request.method == "POST" else ""
    form.code.errors = [_("Zu viele fehlgeschlagene Versuche. Bitte warten Sie %(minutes)d Minuten und versuchen "
                          "Sie es dann erneut.", minutes=LOCKOUT_MINUTES)]
    return render_template("applicant/entry.html", form=form, ended=False), 429


LOCKOUT_MINUTES = 15


# --- the clerk ----------------------------------------------------------------------------------------------

@staff_blueprint.before_request
def staff_only():
    # Logged in is checked app-wide (deny by default); the applicant's session opens nothing here.
    if not current_user.is_authenticated or not current_user.is_staff:
        abort(403)


def _load_case(case_id: int) -> Case:
    case = case_by_id(case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404)  # no existence leak
    if not can_act_on_case(current_user, case):
        abort(403)
    return case


def _issue(case: Case):
    form = IssueCodeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        issued, mailed = perform(_issue_and_mail, case, current_user, form.expected_version)
    except CaseError as error:
        return None, (render_template("errors.html", status=409, title=_("Nicht ausgeführt"),
                                      message=error.text(_lang())), 409 if isinstance(error, ConflictError) else 403)
    return (issued, mailed), None


def _issue_and_mail(case: Case, actor, expected_version):
    """One unit of work: the new code and its e-mail in the outbox commit together."""
    issued = codes.issue_code(case, actor, expected_version=expected_version)
    return issued, queue_access_code_mail(issued)


@staff_blueprint.route("", methods=["POST"])
def issue(case_id: int):
    """Issue or renew the code; the page shows it once (it is not kept) and the e-mail carries it."""
    case = _load_case(case_id)
    result, refused = _issue(case)
    if refused:
        return refused
    issued, mailed = result
    return render_template("applicant/code_issued.html", case=case, code=codes.grouped(issued.code),
                           renewed=issued.generation > 1, mailed=mailed)


@staff_blueprint.route("/letters/<int:letter_id>", methods=["POST"])
def print_letter(case_id: int, letter_id: int):
    """The receipt letter as sent: a new code is issued (the previous one stops working) and printed in its place.
    The kept letter keeps the mark; the code is in this response only."""
    case = _load_case(case_id)
    record = db.session.get(LetterRecord, letter_id)
    if record is None or record.case_id != case.id or not carries_access_code(record.content):
        abort(404)  # only a letter with the place for the code is printed with one
    result, refused = _issue(case)
    if refused:
        return refused
    issued, _mailed = result
    lang = request.args.get("lang") if request.args.get("lang") in record.content else record.language
    letter = fill_access_code(Letter.from_dict(record.content[lang]), codes.grouped(issued.code))
    page = render_template("letters/letter.html", case=case, record=record, letter=letter, for_dispatch=True)
    record_read(current_user, case, f"letter:{record.id}:with_access_code")  # the applicant's address, as any letter
    return page
