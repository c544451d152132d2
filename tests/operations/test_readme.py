"""The README's configuration table names every environment variable the configuration reads."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration"):readme.index("## Production")]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_every_variable_read_by_the_configuration_is_in_the_readme_table():
    config = (ROOT / "tracker" / "config.py").read_text()
    read = set(re.findall(r"os\.environ\.get\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']", config))
    assert {"LOG_FORMAT", "METRICS_TOKEN", "DOCUMENTS_DIR"} <= read  # the pattern does find them
    assert read - documented_variables() == set()


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
