"""Configuration from the environment, with defaults that are safe for a developer's machine.

Development (the default) keeps everything under ``instance/``: an SQLite database and a generated secret key.
Production (``TRACKER_ENV=production``) refuses to start without its secrets, ``DATABASE_URL``, ``MAIL_SERVER`` and
an ``https://`` ``BASE_URL``.
"""
from __future__ import annotations

import gc
import math
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The environment does not allow the app to start safely."""


def _secret_key(instance_path: Path, production: bool, name: str, key: str | None) -> str:
    """``key`` as given in the environment variable ``name``; in development generated once into ``instance/``."""
    if key:
        return key
    if production:
        raise ConfigurationError(f"{name} must be set when TRACKER_ENV=production")
    # Development: generate once and keep it, so sessions (and audit chains) survive a restart.
    key_file = instance_path / name.lower()
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # Written whole and owner-only into a temporary file, then linked into place without replacing: processes
        # starting at once (gunicorn workers) all end up with the one key that won, never an empty or second one.
        temporary = instance_path / f".{name.lower()}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            temporary.unlink()
    return key_file.read_text().strip()


def database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        instance_path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance_path / 'tracker.sqlite'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named (psycopg 3).
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: Path) -> dict:
    production = os.environ.get("TRACKER_ENV", "development") == "production"
    if production and not os.environ.get("DATABASE_URL"):
        raise ConfigurationError("DATABASE_URL must be set when TRACKER_ENV=production")
    config = {
        "TRACKER_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production, "SECRET_KEY", os.environ.get("SECRET_KEY")),
        #: Seals the audit chain (HMAC-SHA256); kept outside the database. Earlier keys, comma-separated, still
        #: verify the events they sealed (key rotation).
        "AUDIT_KEY": _secret_key(instance_path, production, "AUDIT_KEY", os.environ.get("AUDIT_KEY")),
        "AUDIT_OLD_KEYS": tuple(key.strip() for key in (os.environ.get("AUDIT_OLD_KEYS") or "").split(",")
                                if key.strip()),
        #: Events up to this id were written before the chain was keyed (plain SHA-256) and are accepted unkeyed;
        #: 0: none (a new installation). Set it once to ``SELECT max(id) FROM events`` before upgrading to 0010.
        "AUDIT_UNKEYED_UNTIL": _integer("AUDIT_UNKEYED_UNTIL", 0),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # hide_parameters: a database error's message (in logs and error reports) names the SQL, never the values
        # bound to it, which may be a person's name or address.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        #: PostgreSQL's planner cost of a random page read, set on each of the app's connections (empty: the
        #: server's own setting). The server default (4) prices a disk seek; with the working set in memory or on
        #: SSD, 1.1 lets the planner reach a portal user's few thousand cases through the authorisations index
        #: instead of reading every case (measured: advisor overview 113 -> 20 ms of database time at 100k cases).
        "DATABASE_RANDOM_PAGE_COST": _decimal("DATABASE_RANDOM_PAGE_COST", "1.1"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "WORKFLOWS_DIR": str(ROOT / "workflows"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        #: ``__Host-``: the browser only accepts the cookie over HTTPS, for this host, for every path; no subdomain
        #: can set or overwrite it.
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_PATH": "/",
        "REMEMBER_COOKIE_SECURE": production,
        #: A session ends after this many minutes without a request, and this many hours after login.
        "SESSION_IDLE_MINUTES": _integer("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _integer("SESSION_MAX_HOURS", 10),
        #: Login throttling (Flask-Limiter): failed attempts per account and per source address. Memory storage
        #: counts per process; with several processes set Redis (the default when REDIS_URL is set).
        "RATELIMIT_STORAGE_URI": (os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL")
                                  or "memory://"),
        #: A Redis that hangs (stopped, not closed) costs a limited request (a login, a form) at most a second
        #: before the limiter counts in memory; without a limit each waited 5 s, a login 10.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "RATELIMIT_HEADERS_ENABLED": False,
        #: Redis down must not take logins down with it: the limiter counts in memory meanwhile.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT") or "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS") or "30 per 15 minutes",
        #: Encrypts the TOTP secrets at rest (any random string); earlier keys, comma-separated, still decrypt
        #: until ``flask totp rotate-key`` re-encrypted every secret under the new one.
        "TOTP_KEY": _secret_key(instance_path, production, "TOTP_KEY", os.environ.get("TOTP_KEY")),
        "TOTP_OLD_KEYS": tuple(key.strip() for key in (os.environ.get("TOTP_OLD_KEYS") or "").split(",")
                               if key.strip()),
        #: How many reverse proxies (nginx) stand in front of the app and set X-Forwarded-For/-Proto: their
        #: addresses are replaced by the client's, so the per-address login limits count clients, not the proxy.
        #: 0 (default): no proxy is trusted, the headers are ignored (a client could forge them).
        "TRUSTED_PROXY_COUNT": _integer("TRUSTED_PROXY_COUNT", 0),
        #: ``1``: staff must use a second factor (TOTP); those without one enrol right after their next login.
        "TOTP_REQUIRED_FOR_STAFF": os.environ.get("TOTP_REQUIRED_FOR_STAFF", "0") == "1",
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "tracker" / "translations"),
        "LANGUAGES": ("de", "en"),
        #: Run the deadline sweep in a background thread of the web process when there is no Redis/RQ.
        "SWEEP_IN_PROCESS": os.environ.get("SWEEP_IN_PROCESS", "0") == "1",
        **_mail(instance_path),
        #: The address users reach the tracker at, for links in e-mails.
        "BASE_URL": (os.environ.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        #: Unicode TrueType fonts for PDF letters; unset: DejaVu Sans from Debian's fonts-dejavu-core.
        "LETTER_FONT": os.environ.get("LETTER_FONT") or None,
        "LETTER_FONT_BOLD": os.environ.get("LETTER_FONT_BOLD") or None,
        #: Requests per API token (Flask-Limiter notation); beyond it the API answers 429 with Retry-After.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT") or "300 per minute",
        #: Report exports (anonymised case lists) are deleted this many days after they were requested.
        "REPORT_EXPORT_KEEP_DAYS": _integer("REPORT_EXPORT_KEEP_DAYS", 7),
        #: Usable API tokens (neither revoked nor expired) one user may hold at once: a stolen session cannot mint
        #: tokens without end, and a holder revokes an old one to make room.
        "API_TOKENS_PER_USER": _integer("API_TOKENS_PER_USER", 10),
        #: Report exports one user may request in 24 hours: each is a background job reading many cases.
        "REPORT_EXPORTS_PER_DAY": _integer("REPORT_EXPORTS_PER_DAY", 20),
        #: Messages a party (an employer user, an advisor, the applicant) may write on one case in 24 hours.
        "MESSAGES_PER_DAY": _integer("MESSAGES_PER_DAY", 30),
        #: Accelerated procedures (§ 81a AufenthG) one organisation may request from the portal in 24 hours.
        "PORTAL_REQUESTS_PER_DAY": _integer("PORTAL_REQUESTS_PER_DAY", 20),
        #: Files a party (an employer user, the applicant) may upload on one case in 24 hours.
        "UPLOADS_PER_DAY": _integer("UPLOADS_PER_DAY", 20),
        #: Invitations an employer administrator may send in 24 hours: each is an e-mail to an address they type.
        "INVITATIONS_PER_DAY": _integer("INVITATIONS_PER_DAY", 20),
        **_operations(instance_path),
        **_applicant_status(),
    }
    if production:
        _refuse_weak_secrets(config)
    if production and not (os.environ.get("BASE_URL") or "").startswith("https://"):
        # Without it every link in an e-mail would lead to the development address.
        raise ConfigurationError("BASE_URL must be set to the https:// address users reach the tracker at when "
                                 "TRACKER_ENV=production (links in e-mails)")
    if production and not config["MAIL_SERVER"]:
        # Without it every e-mail, access codes and invitation links included, would be written in clear to
        # MAIL_OUTBOX_DIR on the server's disk instead of being delivered.
        raise ConfigurationError("MAIL_SERVER must be set when TRACKER_ENV=production (e-mails would be written to "
                                 "files instead of being sent)")
    return config


#: Secrets production refuses when shorter: 32 characters is the 128 bits of a random hex string of 16 bytes.
MIN_SECRET_LENGTH = 32
#: The keys that must each be a value of its own: one leaked must not open what the others guard.
SEPARATE_KEYS = ("SECRET_KEY", "AUDIT_KEY", "TOTP_KEY")
#: What the example environment files (deploy/systemd/tracker.env.example) put where a secret goes.
PLACEHOLDER_MARK = "change-me"


def _refuse_weak_secrets(config: dict) -> None:
    """Production starts only with real secrets: not the example file's placeholders (a copied line left unedited
    would sign sessions, seal the audit chain and encrypt the TOTP secrets with a published value), not short, and
    the three keys different from each other."""
    secrets_given = {name: config[name] for name in (*SEPARATE_KEYS, "METRICS_TOKEN") if config.get(name)}
    for name, value in secrets_given.items():
        if PLACEHOLDER_MARK in value.lower():
            raise ConfigurationError(f"{name} still holds the example's placeholder; set a random value "
                                     f"(e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
        if len(value) < MIN_SECRET_LENGTH:
            raise ConfigurationError(f"{name} must be at least {MIN_SECRET_LENGTH} characters long when "
                                     f"TRACKER_ENV=production (e.g. python -c 'import secrets; "
                                     f"print(secrets.token_hex(32))')")
    keys = [config[name] for name in SEPARATE_KEYS]
    if len(set(keys)) < len(keys):
        raise ConfigurationError(f"{', '.join(SEPARATE_KEYS)} must be three different values")


def _mail(instance_path: Path) -> dict:
    """Outgoing mail and the outbox (``tracker/notifications``)."""
    return {
        #: SMTP server for outgoing mail; unset (development): every mail is written as an .eml file instead.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _integer("MAIL_PORT", 25),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "tracker@localhost",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        #: ``1``: STARTTLS before login and sending.
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        #: Without MAIL_SERVER, mails are written here as .eml files (listed on /dev/outbox in development).
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR") or str(instance_path / "outbox"),
        #: How long a delivery job holds an outbox row before the pump takes it as lost and enqueues it again.
        "OUTBOX_LEASE_SECONDS": _integer("OUTBOX_LEASE_SECONDS", 120),
        #: Wait after the first failed attempt; doubled after each further failure (at most six hours).
        "OUTBOX_RETRY_SECONDS": _integer("OUTBOX_RETRY_SECONDS", 60),
        #: Attempts before a message is given up (status ``failed``, counted in /metrics).
        "OUTBOX_MAX_ATTEMPTS": _integer("OUTBOX_MAX_ATTEMPTS", 8),
    }


def _operations(instance_path: Path) -> dict:
    """Settings of ``tracker/operations`` (logs, metrics, backups), kept apart so they merge cleanly."""
    return {
        #: ``text`` (default) or ``json``: one JSON object per log line, for a log collector.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").lower(),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        #: Bearer token that opens ``/metrics`` to a scraper that is not on this host; unset: loopback only.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        #: Stored documents (uploads, behind ``tracker.documents.storage``); included in backups. May not exist yet.
        "DOCUMENTS_DIR": os.environ.get("DOCUMENTS_DIR") or str(instance_path / "documents"),
        **_uploads(),
    }


def _uploads() -> dict:
    """Limits of the portal's uploads (``tracker/documents``)."""
    upload_max = _integer("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    return {
        #: The largest file a party may upload (bytes).
        "UPLOAD_MAX_BYTES": upload_max,
        #: Flask refuses larger request bodies with 413 before reading them: the file plus room for the form.
        "MAX_CONTENT_LENGTH": upload_max + 256 * 1024,
    }


def _applicant_status() -> dict:
    """Settings of the applicant's status page (``tracker/applicant``), kept apart so they merge cleanly."""
    return {
        #: Failed entries (reference + access code) per reference typed, and per source address.
        "STATUS_LIMIT_PER_REFERENCE": os.environ.get("STATUS_LIMIT_PER_REFERENCE") or "5 per 15 minutes",
        "STATUS_LIMIT_PER_ADDRESS": os.environ.get("STATUS_LIMIT_PER_ADDRESS") or "20 per 15 minutes",
        #: How long the signed link in the access-code e-mail opens the status page.
        "STATUS_LINK_DAYS": _integer("STATUS_LINK_DAYS", 30),
        #: The applicant's session ends after this many minutes without a request.
        "STATUS_SESSION_MINUTES": _integer("STATUS_SESSION_MINUTES", 15),
    }


def _integer(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from None


def _decimal(name: str, default: str) -> float | None:
    """A positive number from the environment; set but empty: None (not set by the app)."""
    value = os.environ.get(name, default).strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan  # refused below, like zero, a negative number or infinity
    if not 0 < number < math.inf:
        raise ConfigurationError(f"{name} must be a positive number, not {value!r}")
    return number


def settle_long_lived_process() -> None:
    """Once a long-running process (a gunicorn worker, an RQ worker) has built its app: move the app, its workflow
    definitions and its templates out of the cyclic garbage collector's sight (``gc.freeze``) and let the collector
    run less often. Python's default runs a young-generation pass every 700 allocations; a page or a sweep batch
    that loads a few hundred ORM rows then triggers full passes over every object of the process, pauses of about
    100 ms on this project's machines (a third of one sweep over 300 due timers). Requests and jobs leave little
    cyclic garbage; reference counting frees the rest at once. ``GC_THRESHOLD`` (``GUNICORN_GC_THRESHOLD``, the
    older name, is still read) sets the young-generation threshold, default 20,000 allocations."""
    threshold = os.environ.get("GC_THRESHOLD") or os.environ.get("GUNICORN_GC_THRESHOLD") or "20000"
    gc.freeze()
    gc.set_threshold(max(int(threshold), 1), 20, 20)
