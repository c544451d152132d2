"""``/dev/outbox``: the outbox as a developer sees it without a mail server. Lists the outbox rows (newest first)
and the ``.eml`` files the embedded transport wrote to ``MAIL_OUTBOX_DIR``; one file can be read as text. Admins
only: the mails hold every office's access codes and invitation links, and a test or staging instance may hold
real data. The blueprint exists only outside production (``tracker.web.register``)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from tracker.extensions import db
from tracker.notifications.delivery import counts
from tracker.notifications.mail import outbox_dir
from tracker.notifications.models import OutboxMessage
from tracker.procedures.vocabulary import Role

blueprint = Blueprint("dev", __name__, url_prefix="/dev")


@blueprint.before_request
def admins_only():
    if not current_user.is_authenticated or current_user.role != Role.ADMIN:
        abort(403)

#: Rows shown on the page.
SHOWN = 200


@blueprint.route("/outbox")
def outbox():
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(SHOWN)).all()
    folder = outbox_dir()
    files = sorted(folder.glob("*.eml"), reverse=True)[:SHOWN] if folder.is_dir() else []
    return render_template("dev/outbox.html", rows=rows, files=[path.name for path in files], counts=counts(),
                           mail_server=current_app.config.get("MAIL_SERVER"))


@blueprint.route("/outbox/<name>")
def outbox_file(name: str):
    folder = outbox_dir()
    # Only a name the directory lists (as the page does): no path, nothing outside it, and no name the file system
    # refuses to look up (one too long raised OSError, a 500).
    listed = {path.name for path in folder.glob("*.eml")} if folder.is_dir() else set()
    if name not in listed or not (folder / name).is_file():
        abort(404)
    return Response((folder / name).read_bytes(), mimetype="text/plain",
                    headers={"X-Content-Type-Options": "nosniff"})
