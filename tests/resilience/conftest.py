"""Services of our own for the fault tests: a private PostgreSQL cluster and a private Redis that a test may stop
and start (never the shared ones)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import service_missing

PG_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """A throw-away cluster on its own port, run by the postgres system user (PostgreSQL refuses to run as root)."""

    def __init__(self):
        if not PG_BINARIES or shutil.which("runuser") is None or os.geteuid() != 0:
            service_missing("a private PostgreSQL needs the server binaries and root (runuser) to start one")
        self.bin = PG_BINARIES[-1]
        self.directory = Path(tempfile.mkdtemp(prefix="tracker-pg-", dir="/tmp"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.port = free_port()
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.directory / "data"), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8")
        self.start()
        self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                          "tracker")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/tracker"

    def _as_postgres(self, *command: str) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr + done.stdout

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-w", "-l",
                          str(self.directory / "server.log"), "-o",
                          f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                        str(self.directory / "data"), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    yield server
    server.remove()


class PrivateRedis:
    """A Redis server of our own on its own port, without persistence: stopping it loses every queued job, as a
    crash or a restart without a dump does."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            service_missing("a private Redis needs redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    remove = stop


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    yield server
    server.remove()
