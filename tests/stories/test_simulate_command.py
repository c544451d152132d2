"""The simulate command's contract: invalid files fail with one line naming the step; --explain in both languages."""
from __future__ import annotations

import json

import pytest

from tests.stories.test_stories import cli  # noqa: F401  (fixture)


@pytest.mark.parametrize("text, message", [
    ("until: 2026-03-01\nsteps:\n  - day: 2026-02-02\n    open: {case: a, procedure: recognition-bqfg, colour: red}\n",
     "step 0.open: unknown key 'colour'"),
    ("until: 2026-03-01\nsteps:\n  - day: 2026-02-02\n    snapshot: x\n  - day: 2026-02-03\n    jump: {}\n",
     "step 1: unknown key 'jump'"),
    ("until: 2026-03-01\nsteps:\n  - day: 2026-04-02\n    snapshot: x\n", "step 0.day: 2026-04-02 is after until"),
    ("steps: []\n", "required key 'until' missing"),
])
def test_an_invalid_story_fails_with_one_line_naming_the_step(cli, tmp_path, text, message):  # noqa: F811
    story = tmp_path / "story.yaml"
    story.write_text(text)
    result = cli.invoke(args=["simulate", str(story)])
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_explain_in_english_names_the_legal_trigger(cli, tmp_path):  # noqa: F811
    story = tmp_path / "story.yaml"
    story.write_text("until: 2026-02-10\nsteps:\n  - day: 2026-02-02\n"
                     "    open: {case: a, procedure: recognition-bqfg, received_on: 2026-01-31}\n")
    output = json.loads(cli.invoke(args=["simulate", str(story), "--explain", "--lang", "en"]).stdout)
    [timer] = output["cases"]["a"]["timers"]
    assert timer["explain"] == [
        "Application received Sat 31 Jan 2026",
        "+ 1 month = Sat 28 Feb 2026",
        "Saturday, so next working day Mon 2 Mar 2026 (§ 31(3) VwVfG, § 193 BGB)",
        "Legal basis § 6(2) BQFG",
    ]
    german = json.loads(cli.invoke(args=["simulate", str(story), "--explain"]).stdout)
    assert german["cases"]["a"]["timers"][0]["explain"][0] == "Eingang des Antrags Sa 31.01.2026"
