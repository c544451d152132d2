"""``flask --app tracker simulate STORY.yaml``: play a case history in a throw-away database and print JSON."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from tracker.cases.simulation import StoryError, play, read_story
from tracker.extensions import db
from tracker.procedures.deadlines import LANGUAGES


@click.command("simulate")
@click.argument("story_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--explain", is_flag=True, help="Add each timer's step-by-step explanation.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="de", show_default=True,
              help="Language of explanations and refusal messages.")
def simulate_command(story_file: Path, explain: bool, lang: str):
    """Play STORY_FILE (YAML) day by day in a fresh temporary database; never touches the configured one."""
    try:
        story = read_story(story_file.read_text(encoding="utf-8"))
    except OSError as error:
        raise click.ClickException(f"{story_file}: {error.strerror}") from None
    except StoryError as error:
        raise click.ClickException(f"{story_file}: {error}") from None
    click.echo(json.dumps(run_story(story, explain=explain, lang=lang), ensure_ascii=False, indent=1))


def run_story(story, *, explain: bool = False, lang: str = "de") -> dict:
    """Build a second app on a temporary SQLite file, create the schema there and play the story in it."""
    # The factory imports this module (to register the command), so it is looked up when a story runs.
    from tracker import create_app

    with tempfile.TemporaryDirectory(prefix="tracker-simulate-") as directory:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(directory) / 'simulation.sqlite'}",
                          "TESTING": True, "REDIS_URL": None, "SWEEP_IN_PROCESS": False,
                          "SECRET_KEY": "simulation", "MAIL_SERVER": None})
        with app.app_context():
            db.create_all()
            try:
                return play(story, explain=explain, lang=lang)
            finally:
                db.session.remove()
                db.engine.dispose()
