"""The portal: pages for employers, applicants (no account: reference and access code) and ThAFF advisors.

An interface beside ``tracker.web`` over the same domain: every page reads through ``cases.access`` (the one access
rule) and every change goes through the service verbs of ``tracker.cases``, exactly as the clerk workspace does.
Today it serves employers (``views``); the applicant status page and the advisors' overview are still to come."""
from __future__ import annotations

from flask import Flask

from tracker.portal.views import blueprint, invitation_blueprint


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.register_blueprint(invitation_blueprint)
