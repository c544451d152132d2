"""The applicant's status page: no account, one case, reached with the case reference and an access code (or the
signed link in the e-mail). A door of its own beside the workspace and the employers' portal, over the same domain;
the clerk issues and renews the code from the case file (``access_codes`` blueprint)."""
from __future__ import annotations

from flask import Flask

from tracker.applicant import codes
from tracker.applicant.forms import IssueCodeForm
from tracker.applicant.page import SECTIONS, Section
from tracker.applicant.views import blueprint, page_clock, staff_blueprint
from tracker.http import session_clock
from tracker.letters.content import carries_access_code


#: What the applicant sends us from the page: the documents we asked for, and messages.
APPLICANT_SECTIONS = (Section("applicant/_documents.html", 10), Section("applicant/_messages.html", 20))


def register(app: Flask) -> None:
    for section in APPLICANT_SECTIONS:
        if section not in SECTIONS:
            SECTIONS.append(section)
    app.register_blueprint(blueprint)
    app.register_blueprint(staff_blueprint)
    # On the status pages the applicant's session is the page's, whatever staff login the browser also holds.
    session_clock.register(app, page_clock, first=True)
    # The case file (tracker.web) shows the code's state and the buttons; it may not import this door, so the
    # template asks through these globals.
    app.jinja_env.globals.update(access_code_of=lambda case: codes.code_of(case.id),
                                 carries_access_code=carries_access_code,
                                 access_code_form=_issue_form)


def _issue_form(case) -> IssueCodeForm:
    return IssueCodeForm(formdata=None, version=case.version)
