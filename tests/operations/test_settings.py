"""The operations settings: safe defaults, read from the environment (the README table is checked by
tests/test_config.py)."""
from __future__ import annotations


def test_operations_settings_default_to_a_safe_development_setup(monkeypatch, tmp_path):
    from tracker.config import from_environment

    for name in ("LOG_FORMAT", "LOG_LEVEL", "METRICS_TOKEN", "DOCUMENTS_DIR", "TRACKER_ENV", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(tmp_path)
    assert config["LOG_FORMAT"] == "text" and config["LOG_LEVEL"] == "INFO"
    assert config["METRICS_TOKEN"] is None  # /metrics from this host only
    assert config["DOCUMENTS_DIR"] == str(tmp_path / "documents")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("METRICS_TOKEN", "t0ken")
    config = from_environment(tmp_path)
    assert config["LOG_FORMAT"] == "json" and config["METRICS_TOKEN"] == "t0ken"
