"""Generate the pictures of docs/diagrams.md with autograd_lite.teach.viz itself.

Rendering is pinned to the in-process WebAssembly Graphviz, so the SVG bytes do
not depend on whether (or which) system Graphviz is installed.
"""

from __future__ import annotations

from pathlib import Path

from autograd_lite import Value
from autograd_lite.core.graph import topological
from autograd_lite.models.logistic import LogisticRegression, make_data
from autograd_lite.teach.lesson import lesson_graph
from autograd_lite.teach.viz import render_svg, to_dot

LESSON = {"x": [1.5, -0.5], "y": 1.0, "w": [0.4, -0.8], "b": 0.1}


def _svg(path: Path, source: str) -> Path:
    path.write_text(render_svg(source, renderer="wasm"), encoding="utf-8")
    return path


def _nth(root: Value, label: str, k: int) -> Value:
    return [n for n in topological(root) if n.label == label][k]


def generate(out: Path) -> list[Path]:
    before = lesson_graph(**LESSON)  # type: ignore[arg-type]
    g = lesson_graph(**LESSON)  # type: ignore[arg-type]
    g.loss.backward()
    written = [
        # parameters=[w1, w2, b], data=[x1, x2, y]: the lesson's own split.
        _svg(out / "diagrams_lesson.svg", g.diagram(rankdir="TB").source),
        _svg(
            out / "diagrams_lesson_before.svg",
            before.diagram(show_local=False, rankdir="TB").source,
        ),
        _svg(
            out / "diagrams_lesson_plain.svg",
            to_dot(g.loss, show_grad=False, show_local=False, color=False, rankdir="TB").source,
        ),
    ]
    dot = out / "diagrams_lesson_tiny.dot"
    tiny = lesson_graph([2.0], 1.0, [0.5], 0.0)
    a = tiny.z.sigmoid().named("a")
    a.backward()
    source = to_dot(a, legend=False, parameters=tiny.parameters, data=tiny.x).source
    dot.write_text(source, encoding="utf-8")
    written.append(dot)

    model = LogisticRegression(2, seed=0)
    X, Y = make_data(40, seed=0)
    cost = model.cost(X, Y)
    cost.backward()
    written.append(
        _svg(
            out / "diagrams_focus.svg",
            to_dot(
                cost,
                focus=_nth(cost, "a", 5),
                radius=2,
                parameters=model.parameters(),
                rankdir="TB",
            ).source,
        )
    )
    return written


if __name__ == "__main__":
    for p in generate(Path(__file__).resolve().parent / "images"):
        print(p)
