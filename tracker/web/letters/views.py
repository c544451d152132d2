"""A case's letters as they were sent: the print view and the PDF render the stored text, never a rebuilt one.
Each letter has its own address; ``/letters/<kind>`` is the newest letter of that kind."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from tracker.cases.access import can_read_letters
from tracker.extensions import db
from tracker.letters.content import Letter, fill_access_code
from tracker.letters.models import LetterRecord
from tracker.letters.pdf import LetterFonts, render_pdf
from tracker.privacy import record_read
from tracker.procedures.vocabulary import LetterKind
from tracker.web.guards import load_case

blueprint = Blueprint("letters", __name__, url_prefix="/cases/<int:case_id>/letters")


def _letter(case_id: int, letter_id: int | None = None, kind: str | None = None):
    case = load_case(case_id)  # object-level access check
    if not can_read_letters(current_user, case):
        abort(404)  # as for a case the user cannot see: the portal offers no letters
    if letter_id is not None:
        record = db.session.get(LetterRecord, letter_id)
    elif kind not in tuple(LetterKind):  # /letters/<kind>: the newest letter of a known kind only
        abort(404)
    else:  # the newest letter of its kind
        record = db.session.scalar(select(LetterRecord).where(LetterRecord.case_id == case.id,
                                                              LetterRecord.kind == kind)
                                   .order_by(LetterRecord.number.desc()).limit(1))
    if record is None or record.case_id != case.id:
        abort(404)
    if not record.content:
        abort(410)  # its text was erased (retention or a request, tracker.privacy); the record says it was sent
    lang = request.args.get("lang") if request.args.get("lang") in record.content else record.language
    # The access code is kept only hashed: a letter printed from the file says so where the code stood.
    return case, record, fill_access_code(Letter.from_dict(record.content[lang]), None)


@blueprint.route("/<int:letter_id>")
@blueprint.route("/<kind>")
def show(case_id: int, letter_id: int | None = None, kind: str | None = None):
    case, record, letter = _letter(case_id, letter_id, kind)
    page = render_template("letters/letter.html", case=case, record=record, letter=letter)
    record_read(current_user, case, f"letter:{record.id}")
    return page


@blueprint.route("/<int:letter_id>.pdf")
@blueprint.route("/<kind>.pdf")
def pdf(case_id: int, letter_id: int | None = None, kind: str | None = None):
    case, record, letter = _letter(case_id, letter_id, kind)
    filename = f"{case.reference}-{record.kind}-{record.number}.pdf"
    record_read(current_user, case, f"letter:{record.id}.pdf")
    return Response(render_pdf(letter, LetterFonts.from_config(current_app.config)), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
