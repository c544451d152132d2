"""A procedure definition as a diagram: Mermaid text for the web UI, and BFS layers for drawing it ourselves
(inline SVG) where Mermaid cannot be vendored."""
from __future__ import annotations

from collections import deque

from .definition import Workflow

_ENTITIES = str.maketrans({"#": "#35;", '"': "#quot;", ";": "#59;"})


def _escape(text: str) -> str:
    """Mermaid ends a statement at a newline or ';' and a quoted name at '"'; its entity codes keep them."""
    return " ".join(text.split()).translate(_ENTITIES)


def _edges(workflow: Workflow):
    """(source, target, transition) for every arrow; a `to: same` transition loops on each of its sources."""
    for transition in workflow.transitions.values():
        for source in transition.sources:
            yield source, transition.target_from(source), transition


def to_mermaid(workflow: Workflow, lang: str = "de") -> str:
    lines = ["stateDiagram-v2"]
    for state in workflow.states.values():
        lines.append(f'    state "{_escape(state.title.get(lang))}" as {state.id}')
    lines.append(f"    [*] --> {workflow.initial_state}")
    for source, target, transition in _edges(workflow):
        label = transition.label.get(lang) + (" ⏱" if transition.is_system else "")
        lines.append(f"    {source} --> {target} : {_escape(label)}")
    for state in workflow.states.values():
        if state.terminal:
            lines.append(f"    {state.id} --> [*]")
    # Colour end states by outcome so a reader sees at a glance how a case can end.
    lines += [
        "    classDef outcome_positive fill:#d4edda,stroke:#2e7d32",
        "    classDef outcome_partial fill:#fff3cd,stroke:#b8860b",
        "    classDef outcome_negative fill:#f8d7da,stroke:#c62828",
        "    classDef outcome_withdrawn fill:#e2e3e5,stroke:#616161",
    ]
    for state in workflow.states.values():
        if state.outcome:
            lines.append(f"    class {state.id} outcome_{state.outcome}")
    return "\n".join(lines) + "\n"


def layout(workflow: Workflow) -> list[list[str]]:
    """States in breadth-first layers from the initial state (file order within a layer); states the search
    cannot reach (the loader rejects them, but a diagram should never lose one) form a last layer."""
    depth = {workflow.initial_state: 0}
    queue = deque([workflow.initial_state])
    while queue:
        current = queue.popleft()
        for source, target, _ in _edges(workflow):
            if source == current and target not in depth and target in workflow.states:
                depth[target] = depth[current] + 1
                queue.append(target)
    layers = [[] for _ in range(max(depth.values()) + 1)]
    for state_id in workflow.states:
        if state_id in depth:
            layers[depth[state_id]].append(state_id)
    rest = [state_id for state_id in workflow.states if state_id not in depth]
    return layers + [rest] if rest else layers
