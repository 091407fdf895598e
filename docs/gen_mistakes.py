"""Generate the outputs shown in docs/mistakes.md: each mistake beside the right answer."""

from __future__ import annotations

from pathlib import Path

from autograd_lite import Value, compare_mistake, lesson_graph, mistaken_backward
from autograd_lite.cli import DEMO_EXAMPLE


def _write(out: Path, name: str, text: str) -> Path:
    path = out / name
    path.write_text(text, encoding="utf-8")
    return path


def generate(out: Path) -> list[Path]:
    """Write the comparisons of docs/mistakes.md into ``out`` and return their paths."""
    written = []
    a = Value(3.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    for mistake in ("overwrite", "recursive"):
        written.append(_write(out, f"mistakes_{mistake}.txt", str(compare_mistake(c, mistake))))

    x = Value(3.0, "x")
    y = (x * x * x).named("y")
    for mistake in ("stale", "stale_everywhere"):
        written.append(_write(out, f"mistakes_{mistake}.txt", str(compare_mistake(y, mistake))))

    p, q = Value(5.0, "p"), Value(2.0, "q")
    d = (p - q).named("d")
    written.append(_write(out, "mistakes_sign.txt", str(compare_mistake(d, "sign"))))

    ex = DEMO_EXAMPLE
    g = lesson_graph(ex["x"], ex["y"], ex["w"], ex["b"])  # type: ignore[arg-type]
    lesson = compare_mistake(g.loss, "recursive").to_markdown()
    written.append(_write(out, "mistakes_lesson_recursive.md", lesson))
    try:
        mistaken_backward(c, "overwritten")
    except ValueError as err:
        written.append(_write(out, "mistakes_error.txt", f"{err}\n"))
    return written
