"""The loaded procedure definitions of this app, read once from ``WORKFLOWS_DIR``."""
from __future__ import annotations

from flask import Flask, current_app

from tracker.procedures.definition import Workflow
from tracker.procedures.loader import Registry, load_directory


def install(app: Flask) -> None:
    # Loaded at start so a broken definition stops the app with the file and key named, not a user's request.
    app.extensions["workflows"] = load_directory(app.config["WORKFLOWS_DIR"])


def registry() -> Registry:
    return current_app.extensions["workflows"]


def workflow_of(case) -> Workflow:
    """The definition version the case was opened under."""
    return registry().get(case.procedure_id, case.procedure_version)
