"""A real SMTP server on a free local port (aiosmtpd), recording every message it accepted.

``fail_next``: that many DATA commands are answered ``451`` (a temporary failure), as a busy server does.
``hold()``: each session stops at RCPT until ``release()``; ``arrivals``/``peers`` tell the test which client is
mid-conversation (the fault test kills that worker there, before the server accepted anything)."""
from __future__ import annotations

import asyncio
import email
import logging
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller

# aiosmtpd logs every session at INFO under "mail.log", recipients' addresses included: it stands for the outside
# mail server here, whose logs are not the tracker's (the whole run's log scan, tests/conftest.py, checks ours).
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
        self.fail_next = 0
        self.refused = 0
        self.holding = False
        self.arrivals = 0  #: sessions that reached RCPT while held
        self.peers: list[int] = []  #: their client ports, to find the process talking
        self.arrived = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.holding:
            with self.lock:
                self.arrivals += 1
                self.peers.append(session.peer[1])
            self.arrived.set()
            while self.holding:
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                self.refused += 1
                return "451 Requested action aborted: try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def hold(self) -> None:
        self.arrived.clear()
        self.holding = True

    def release(self) -> None:
        self.holding = False

    def received(self) -> list[email.message.EmailMessage]:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for message in self.received() if message["To"] == address]

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received()]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.recorder = Recorder()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.recorder.release()
        self.controller.stop()
