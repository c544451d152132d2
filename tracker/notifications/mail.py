"""Sending one e-mail: through ``MAIL_SERVER`` (``MAIL_PORT``, ``MAIL_FROM``) when it is set, otherwise (development)
as an ``.eml`` file in ``MAIL_OUTBOX_DIR`` (default ``instance/outbox/``), so the link in it can be opened by hand.

Called after the commit of the change the mail reports (a rolled-back invitation sends nothing). The outbox table
with delivery jobs and retries (issue 9, *Notifications*) replaces the direct call later."""
from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from tracker import clock

log = logging.getLogger(__name__)


def outbox_dir() -> Path:
    return Path(current_app.config["MAIL_OUTBOX_DIR"])


def send(address: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    message["Subject"] = subject
    message["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain="tracker")
    message.set_content(body)
    server = current_app.config.get("MAIL_SERVER")
    if server:
        with smtplib.SMTP(server, current_app.config["MAIL_PORT"]) as smtp:
            smtp.send_message(message)
        log.info("mail sent (%s)", message["Message-ID"])
    else:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{clock.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        log.info("mail written to %s (no MAIL_SERVER)", path.name)
    return message
