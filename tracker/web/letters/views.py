from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from tracker.letters.content import LETTER_TITLES, build, letters_for
from tracker.letters.pdf import LetterFonts, render_pdf
from tracker.registry import workflow_of
from tracker.web.guards import load_case

blueprint = Blueprint("letters", __name__, url_prefix="/cases/<int:case_id>/letters")


def _letter(case_id: int, kind: str):
    case = load_case(case_id)  # object-level access check
    workflow = workflow_of(case)
    if kind not in LETTER_TITLES or kind not in letters_for(case, workflow):
        abort(404)
    lang = request.args.get("lang") if request.args.get("lang") in ("de", "en") else None
    return case, build(case, workflow, kind, lang)


@blueprint.route("/<kind>")
def show(case_id: int, kind: str):
    case, letter = _letter(case_id, kind)
    return render_template("letters/letter.html", case=case, letter=letter)


@blueprint.route("/<kind>.pdf")
def pdf(case_id: int, kind: str):
    case, letter = _letter(case_id, kind)
    filename = f"{case.reference}-{kind}.pdf"
    return Response(render_pdf(letter, LetterFonts.from_config(current_app.config)), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
