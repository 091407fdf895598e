"""Generate the outputs shown in the paths section of docs/explain.md.

Every output is produced by :func:`autograd_lite.explain_paths` itself.
"""

from __future__ import annotations

from pathlib import Path

from autograd_lite import Value, explain_paths, lesson_graph


def _write(out: Path, name: str, text: str) -> Path:
    path = out / name
    path.write_text(text, encoding="utf-8")
    return path


def generate(out: Path) -> list[Path]:
    """Write the path explanations into ``out`` and return their paths."""
    a = Value(5.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    written = [_write(out, "paths_doublings.txt", explain_paths(c, a).to_text())]

    g = lesson_graph(x=[1.5, -0.5], y=1.0, w=[0.4, -0.8], b=0.1)
    written.append(_write(out, "paths_lesson.md", explain_paths(g.loss, g.w[0]).to_markdown()))

    top = a
    for _ in range(30):
        top = top + top
    written.append(_write(out, "paths_many.txt", explain_paths(top, a).to_text()))
    return written


if __name__ == "__main__":
    print(generate(Path(__file__).parent / "images"))
