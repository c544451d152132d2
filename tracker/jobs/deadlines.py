"""RQ jobs for deadlines. They take ids only and run inside the worker's app context."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from tracker.auth.models import User
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.jobs.queue import enqueue
from tracker.procedures.vocabulary import Role
from tracker.timers.models import Timer, TimerEffect

log = logging.getLogger(__name__)


def run_sweep() -> int:
    """The periodic sweep; notifications for what it did go out as separate jobs."""
    try:
        result = sweep(enqueue=lambda effect_id: enqueue(notify_timer_effect, effect_id))
        return result.total
    finally:
        db.session.remove()


def notify_timer_effect(effect_id: int) -> None:
    """Tell the assigned clerk (or, for a breach, also the office's team leads) about a warning, breach or fiction.

    Sends e-mail when ``MAIL_SERVER`` is configured; otherwise only the log says who was notified (ids only)."""
    try:
        effect = db.session.get(TimerEffect, effect_id)
        if effect is None:
            return
        timer = db.session.get(Timer, effect.timer_pk)
        case = db.session.get(Case, timer.case_id)
        recipients = [case.assignee] if case.assignee else []
        if effect.kind != "warning" or not recipients:
            recipients += db.session.scalars(select(User).where(User.office_id == case.office_id,
                                                                User.role == Role.TEAM_LEAD, User.active)).all()
        subject = f"[{case.reference}] {effect.kind}: {timer.timer_id} (due {effect.due_on.isoformat()})"
        for user in {user.id: user for user in recipients}.values():
            _send(user.email, subject, f"{subject}\n\n{current_app.config['BASE_URL']}/cases/{case.id}")
            log.info("notified user %s of timer effect %s", user.id, effect_id)
    finally:
        db.session.remove()


def _send(address: str, subject: str, body: str) -> None:
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(server, current_app.config["MAIL_PORT"]) as smtp:
        smtp.send_message(message)
