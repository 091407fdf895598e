"""Draw the lesson graph shown in docs/tutorial.md, after its backward pass."""

from __future__ import annotations

import pathlib

from autograd_lite.teach.lesson import lesson_graph

NAME = "tutorial_lesson_graph.svg"


def generate(out: pathlib.Path) -> list[pathlib.Path]:
    """Write the diagram of the tutorial's two-feature example into ``out``."""
    from autograd_lite.teach.viz import render_svg

    out.mkdir(parents=True, exist_ok=True)
    g = lesson_graph(x=[1.5, -0.5], y=1.0, w=[0.4, -0.8], b=0.1)
    g.loss.backward()
    # w1, w2, b as parameters; x1, x2, y as data; top down, it fits the page column.
    diagram = g.diagram(precision=4, rankdir="TB")
    path = out / NAME
    path.write_text(render_svg(diagram.source, renderer="wasm"), encoding="utf-8")
    return [path]


if __name__ == "__main__":
    for p in generate(pathlib.Path(__file__).parent / "images"):
        print(p)
