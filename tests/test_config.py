"""Configuration: safe defaults in development, explicit secrets in production."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tracker.config import ROOT, ConfigurationError, from_environment


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "AUDIT_KEY", "AUDIT_OLD_KEYS", "TRACKER_ENV", "TOTP_KEY",
                 "TOTP_OLD_KEYS", "TRUSTED_PROXY_COUNT", "BASE_URL", "MAIL_SERVER", "METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_development_uses_sqlite_under_instance_and_keeps_a_generated_secret(clean_env, tmp_path):
    first = from_environment(tmp_path)
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tracker.sqlite'}"
    assert len(first["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    assert from_environment(tmp_path)["SECRET_KEY"] == first["SECRET_KEY"]  # sessions survive a restart
    assert first["REDIS_URL"] is None


def test_production_refuses_to_start_without_a_secret_key(clean_env, tmp_path):
    clean_env.setenv("TRACKER_ENV", "production")
    clean_env.setenv("DATABASE_URL", "postgresql://tracker@db/tracker")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        from_environment(tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_and_keeps_an_audit_key_apart_from_the_secret_key(clean_env, tmp_path):
    first = from_environment(tmp_path)
    assert len(first["AUDIT_KEY"]) == 64 and first["AUDIT_KEY"] != first["SECRET_KEY"]
    assert (tmp_path / "audit_key").stat().st_mode & 0o077 == 0
    assert from_environment(tmp_path)["AUDIT_KEY"] == first["AUDIT_KEY"]  # chains verify after a restart
    assert first["AUDIT_OLD_KEYS"] == ()


def test_production_refuses_to_start_without_an_audit_key(clean_env, tmp_path):
    clean_env.setenv("TRACKER_ENV", "production")
    clean_env.setenv("SECRET_KEY", "x" * 40)
    clean_env.setenv("DATABASE_URL", "postgresql://tracker@db/tracker")
    with pytest.raises(ConfigurationError, match="AUDIT_KEY"):
        from_environment(tmp_path)
    assert not (tmp_path / "audit_key").exists()


def test_production_refuses_to_start_without_a_database_url(clean_env, tmp_path):
    clean_env.setenv("TRACKER_ENV", "production")
    clean_env.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        from_environment(tmp_path)


@pytest.mark.parametrize("base_url", [None, "http://tracker.example.org"])
def test_production_refuses_to_start_without_the_https_address_for_links_in_mails(clean_env, tmp_path, base_url):
    for name, value in (("TRACKER_ENV", "production"), ("SECRET_KEY", "x" * 40), ("AUDIT_KEY", "y" * 40),
                        ("TOTP_KEY", "z" * 40), ("DATABASE_URL", "postgres://tracker@db/tracker")):
        clean_env.setenv(name, value)
    if base_url:
        clean_env.setenv("BASE_URL", base_url)
    with pytest.raises(ConfigurationError, match="BASE_URL"):
        from_environment(tmp_path)


def test_production_with_postgres_uses_psycopg3_and_secure_cookies(clean_env, tmp_path):
    clean_env.setenv("TRACKER_ENV", "production")
    clean_env.setenv("SECRET_KEY", "x" * 40)
    clean_env.setenv("AUDIT_KEY", "y" * 40)
    clean_env.setenv("TOTP_KEY", "z" * 40)
    clean_env.setenv("DATABASE_URL", "postgres://tracker@db/tracker")
    clean_env.setenv("BASE_URL", "https://tracker.example.org/")
    clean_env.setenv("MAIL_SERVER", "smtp.example.org")
    config = from_environment(tmp_path)
    assert config["BASE_URL"] == "https://tracker.example.org"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://tracker@db/tracker"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_mail_server(clean_env, tmp_path):
    """Without one, access codes and invitation links would lie in clear in .eml files on the server."""
    for name, value in (("TRACKER_ENV", "production"), ("SECRET_KEY", "x" * 40), ("AUDIT_KEY", "y" * 40),
                        ("TOTP_KEY", "z" * 40), ("DATABASE_URL", "postgres://tracker@db/tracker"),
                        ("BASE_URL", "https://tracker.example.org")):
        clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match="MAIL_SERVER"):
        from_environment(tmp_path)
    clean_env.setenv("MAIL_SERVER", "smtp.example.org")
    assert from_environment(tmp_path)["MAIL_SERVER"] == "smtp.example.org"


def _documented_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    return names


def _variables_read_by_config() -> set[str]:
    source = (ROOT / "tracker" / "config.py").read_text()
    return set(re.findall(r"""(?:environ\.get|environ\[|_integer|_decimal|_flag)\(?\s*["']([A-Z][A-Z0-9_]+)["']""", source))


def test_the_readme_documents_exactly_the_variables_the_config_reads():
    documented, read = _documented_variables(), _variables_read_by_config()
    assert documented, "no configuration table found in the README"
    assert documented - read == set(), "documented in the README but never read by tracker/config.py"
    assert read - documented == set(), "read by tracker/config.py but missing from the README's table"


def test_mail_settings_are_read_from_the_environment(clean_env, tmp_path):
    clean_env.setenv("MAIL_SERVER", "smtp.example.org")
    clean_env.setenv("MAIL_PORT", "2525")
    clean_env.setenv("MAIL_FROM", "anerkennung@example.org")
    config = from_environment(tmp_path)
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_FROM"]) == (
        "smtp.example.org", 2525, "anerkennung@example.org")
    clean_env.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="MAIL_PORT"):
        from_environment(tmp_path)


def test_processes_starting_at_once_share_one_generated_key(clean_env, tmp_path):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _index: from_environment(tmp_path)["AUDIT_KEY"], range(16)))

    assert len(keys) == 1 and len(keys.pop()) == 64
    assert sorted(path.name for path in tmp_path.iterdir()) == ["audit_key", "secret_key", "totp_key"]


def test_production_refuses_to_start_without_a_totp_key(clean_env, tmp_path):
    clean_env.setenv("TRACKER_ENV", "production")
    clean_env.setenv("DATABASE_URL", "postgresql://tracker@db/tracker")
    clean_env.setenv("SECRET_KEY", "x" * 32)
    clean_env.setenv("AUDIT_KEY", "y" * 32)
    with pytest.raises(ConfigurationError, match="TOTP_KEY"):
        from_environment(tmp_path)
    clean_env.setenv("TOTP_KEY", "z" * 32)
    clean_env.setenv("TRUSTED_PROXY_COUNT", "1")
    clean_env.setenv("BASE_URL", "https://tracker.example.org")
    clean_env.setenv("MAIL_SERVER", "smtp.example.org")
    config = from_environment(tmp_path)
    assert config["TOTP_KEY"] == "z" * 32 and config["TRUSTED_PROXY_COUNT"] == 1


def test_the_planners_random_page_cost_is_a_positive_number_or_left_to_the_server(clean_env, tmp_path):
    assert from_environment(tmp_path)["DATABASE_RANDOM_PAGE_COST"] == 1.1
    clean_env.setenv("DATABASE_RANDOM_PAGE_COST", "")
    assert from_environment(tmp_path)["DATABASE_RANDOM_PAGE_COST"] is None
    for wrong in ("fast", "0", "-2", "inf"):
        clean_env.setenv("DATABASE_RANDOM_PAGE_COST", wrong)
        with pytest.raises(ConfigurationError, match="DATABASE_RANDOM_PAGE_COST must be a positive number"):
            from_environment(tmp_path)


def test_the_apps_postgresql_connections_carry_the_configured_random_page_cost(clean_env):
    from tests.conftest import postgres_server_url
    from tracker import create_app
    from tracker.extensions import db

    def setting_seen_by_the_app(value) -> str:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_server_url(), "REDIS_URL": None,
                          "DATABASE_RANDOM_PAGE_COST": value})
        with app.app_context():
            try:
                return db.session.execute(db.text("SHOW random_page_cost")).scalar()
            finally:
                db.session.remove()
                db.engine.dispose()

    server = sa.create_engine(postgres_server_url())
    with server.connect() as connection:
        servers_own = connection.execute(sa.text("SHOW random_page_cost")).scalar()
    server.dispose()
    assert setting_seen_by_the_app(1.7) == "1.7"
    assert setting_seen_by_the_app(None) == servers_own


def _example_environment() -> dict[str, str]:
    """deploy/systemd/tracker.env.example as an operator copies it."""
    lines = (ROOT / "deploy" / "systemd" / "tracker.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("left_unedited", ["SECRET_KEY", "AUDIT_KEY", "TOTP_KEY", "METRICS_TOKEN"])
def test_production_refuses_a_placeholder_of_the_example_environment_left_in_place(clean_env, tmp_path,
                                                                                  left_unedited):
    for name, value in _example_environment().items():
        clean_env.setenv(name, value)
    for name in ("SECRET_KEY", "AUDIT_KEY", "TOTP_KEY", "METRICS_TOKEN"):
        if name != left_unedited:
            clean_env.setenv(name, name.lower() * 8)
    with pytest.raises(ConfigurationError, match=f"{left_unedited} still holds the example's placeholder"):
        from_environment(tmp_path)


def test_production_refuses_short_and_shared_keys(clean_env, tmp_path):
    for name, value in _example_environment().items():
        clean_env.setenv(name, value)
    clean_env.setenv("METRICS_TOKEN", "m" * 32)
    clean_env.setenv("SECRET_KEY", "s" * 31)
    clean_env.setenv("AUDIT_KEY", "a" * 40)
    clean_env.setenv("TOTP_KEY", "t" * 40)
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be at least 32 characters"):
        from_environment(tmp_path)
    clean_env.setenv("SECRET_KEY", "a" * 40)
    with pytest.raises(ConfigurationError, match="must be three different values"):
        from_environment(tmp_path)
    clean_env.setenv("SECRET_KEY", "s" * 40)
    assert from_environment(tmp_path)["SECRET_KEY"] == "s" * 40
