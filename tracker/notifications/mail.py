"""The transport: hands one finished e-mail to ``MAIL_SERVER`` (``MAIL_PORT``, ``MAIL_FROM``, optionally
``MAIL_USERNAME``/``MAIL_PASSWORD`` and ``MAIL_USE_TLS`` for STARTTLS) when it is set, otherwise (development)
writes it as an ``.eml`` file in ``MAIL_OUTBOX_DIR`` (default ``instance/outbox/``), listed on ``/dev/outbox``.

Nothing here decides *whether* to send: the outbox (``tracker.notifications.outbox``) writes the message with the
change, and ``tracker.notifications.delivery`` calls ``transmit`` once it has claimed the row."""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from tracker import clock

log = logging.getLogger(__name__)


def outbox_dir() -> Path:
    return Path(current_app.config["MAIL_OUTBOX_DIR"])


def message_domain() -> str:
    """The right-hand side of our Message-IDs: the sender's domain."""
    return current_app.config["MAIL_FROM"].rpartition("@")[2].strip("> ") or "tracker"


def compose(address: str, subject: str, body: str, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    message["Subject"] = subject
    message["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain=message_domain())
    message.set_content(body)
    return message


def transmit(message: EmailMessage, timeout: float = 30) -> None:
    """Deliver one message or raise (``smtplib.SMTPException``/``OSError``). ``timeout`` bounds every socket
    operation, so a delivery job never outlives its lease while it waits on a silent server."""
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if server:
        with smtplib.SMTP(server, config["MAIL_PORT"], timeout=timeout) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
        log.info("mail sent (%s)", message["Message-ID"])
        return
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Named by the Message-ID: a repeated attempt overwrites its own file instead of adding a second one.
    name = re.sub(r"[^A-Za-z0-9.-]", "_", message["Message-ID"].strip("<>"))
    path = folder / f"{clock.now():%Y%m%dT%H%M%S}-{name}.eml"
    for earlier in folder.glob(f"*-{name}.eml"):
        path = earlier
    path.write_bytes(bytes(message))
    log.info("mail written to %s (no MAIL_SERVER)", path.name)


def send(address: str, subject: str, body: str) -> EmailMessage:
    """Send at once, outside the outbox: for features that have not moved onto it yet. Call it after the commit."""
    message = compose(address, subject, body)
    transmit(message)
    return message
