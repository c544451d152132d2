"""Read-only views of the procedure definitions, with a diagram of each."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from tracker.procedures.diagram import layout
from tracker.registry import registry
from tracker.web.i18n import current_language

blueprint = Blueprint("procedures", __name__, url_prefix="/procedures")


@blueprint.route("/")
def index():
    return render_template("procedures/index.html", workflows=registry().all())


@blueprint.route("/<procedure_id>")
def show(procedure_id: str):
    version = request.args.get("version", type=int)
    try:
        workflow = registry().get(procedure_id, version)
    except KeyError:
        abort(404)
    lang = current_language()
    return render_template("procedures/show.html", workflow=workflow, diagram=geometry(workflow, lang),
                           versions=registry().versions(procedure_id), lang=lang)


BOX_WIDTH, BOX_HEIGHT, GAP_X, GAP_Y = 170, 54, 60, 22


def geometry(workflow, lang: str) -> dict:
    """Boxes per state in BFS layers (left to right) and straight arrows between them, for an inline SVG."""
    nodes = {}
    layers = layout(workflow)
    for column, layer in enumerate(layers):
        for row, state_id in enumerate(layer):
            state = workflow.state(state_id)
            nodes[state_id] = {"x": 10 + column * (BOX_WIDTH + GAP_X), "y": 10 + row * (BOX_HEIGHT + GAP_Y),
                               "label": state.title.get(lang), "terminal": state.terminal}
    edges = set()
    for transition in workflow.transitions.values():
        for source in transition.sources:
            target = transition.target_from(source)
            if source != target and source in nodes and target in nodes:
                edges.add((source, target))
    lines = []
    for source, target in sorted(edges):
        a, b = nodes[source], nodes[target]
        forward = b["x"] > a["x"]
        lines.append({"x1": a["x"] + (BOX_WIDTH if forward else 0), "y1": a["y"] + BOX_HEIGHT / 2,
                      "x2": b["x"] + (0 if forward else BOX_WIDTH), "y2": b["y"] + BOX_HEIGHT / 2})
    width = 20 + len(layers) * (BOX_WIDTH + GAP_X)
    height = 20 + max(len(layer) for layer in layers) * (BOX_HEIGHT + GAP_Y)
    return {"nodes": nodes, "edges": lines, "width": width, "height": height, "box_width": BOX_WIDTH,
            "box_height": BOX_HEIGHT}
