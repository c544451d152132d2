"""Case histories worked out by hand from the law (LAW.md §§ 4, 7), played through ``flask simulate``.

Each ``NN_name.yaml`` is a story; ``NN_name.expected.yaml`` beside it holds what the law says: per case its state
and every timer it ever had, oldest first (status, trigger day, due day, end day), and the result of the steps that
must be refused or accepted. The stories run through the real command line, in its own throw-away database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tracker import create_app

HERE = Path(__file__).parent
STORIES = sorted(path for path in HERE.glob("*.yaml") if not path.name.endswith(".expected.yaml"))
TIMER_KEYS = ("timer", "status", "started_on", "due_on", "ended_on")


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    # The configured database is never touched: point it at a file that must stay absent.
    configured = tmp_path_factory.mktemp("configured") / "never.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{configured}", "TESTING": True, "REDIS_URL": None,
                      "SECRET_KEY": "stories"})
    yield app.test_cli_runner()
    assert not configured.exists()


def test_there_are_enough_stories():
    assert len(STORIES) >= 30


@pytest.mark.parametrize("story", STORIES, ids=[path.stem for path in STORIES])
def test_story(cli, story):
    expected = yaml.safe_load(story.with_name(f"{story.stem}.expected.yaml").read_text())
    result = cli.invoke(args=["simulate", str(story)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    for name, case in expected["cases"].items():
        got = output["cases"][name]
        if "state" in case:
            assert got["state"] == case["state"], name
        timers = [{key: timer[key] for key in TIMER_KEYS} for timer in got["timers"]]
        if "timers" in case:
            assert timers == case["timers"], name
        for timer in got["timers"]:
            assert timer["breached"] == (timer["status"] in ("met_late", "expired"))
    steps = {step["index"]: step for step in output["steps"]}
    for index, want in (expected.get("steps") or {}).items():
        step = steps[int(index)]
        if want == "ok":
            assert step["result"] == "ok", step
        else:
            assert (step["result"], step["codes"]) == ("refused", want), step
    unexpected = [step for step in output["steps"] if step["result"] != "ok"
                  and step["index"] not in {int(i) for i in (expected.get("steps") or {})}]
    assert unexpected == []
