"""`make test` runs bandit before the tests (`make bandit`, over the code itself): a medium or high finding fails
the build. Checked here on a file with a known medium finding, through the very make target."""
from __future__ import annotations

import shutil
import subprocess  # nosec B404 - runs make with fixed arguments
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def make_bandit(paths: str) -> subprocess.CompletedProcess:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    return subprocess.run(["make", "--no-print-directory", "-s", "-C", str(ROOT), "bandit",  # nosec B603 B607
                           f"BANDIT_PATHS={paths}"], capture_output=True, text=True, timeout=300)


def test_a_medium_finding_fails_the_gate(tmp_path):
    (tmp_path / "risky.py").write_text("import yaml\n\n\ndef load(text):\n    return yaml.load(text)\n")

    result = make_bandit(str(tmp_path))

    assert result.returncode != 0
    assert "B506" in result.stdout  # yaml.load without a safe loader: medium severity

