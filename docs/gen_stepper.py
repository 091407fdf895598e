"""Generate the backward stepper page and one of its frames for docs/stepper.md."""

from __future__ import annotations

from pathlib import Path

from autograd_lite.teach.lesson import lesson_graph
from autograd_lite.teach.viz import stepper_html
from autograd_lite.teach.viz.stepper import frames

LESSON = {"x": [1.5, -0.5], "y": 1.0, "w": [0.4, -0.8], "b": 0.1}


def generate(out: Path) -> list[Path]:
    g = lesson_graph(**LESSON)  # type: ignore[arg-type]
    page = out / "stepper_lesson.html"
    stepper_html(g.loss, page, parameters=g.parameters, renderer="wasm")
    # The step that turns dL/da into dz = a − y: the sigmoid node.
    frame = next(
        f
        for f in frames(g.loss, parameters=g.parameters, renderer="wasm", rankdir="TB")
        if f.node is g.a
    )
    svg = out / "stepper_frame.svg"
    svg.write_text(frame.svg, encoding="utf-8")
    text = out / "stepper_frame.txt"
    text.write_text(frame.text + "\n", encoding="utf-8")
    return [page, svg, text]


if __name__ == "__main__":
    for p in generate(Path(__file__).resolve().parent / "images"):
        print(p)
