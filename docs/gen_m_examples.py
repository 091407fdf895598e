"""Write the compiled program of the lesson's loss, shown in docs/m-examples.md."""

from __future__ import annotations

from pathlib import Path

from autograd_lite.compiled import compile_graph
from autograd_lite.teach.lesson import lesson_graph

NAME = "m_examples_program.txt"


def program_source() -> str:
    """Return the generated ``value_and_grad`` of the lesson's one-example loss."""
    g = lesson_graph(x=[1.5, -0.5], y=1.0, w=[0.4, -0.8], b=0.1)
    prog = compile_graph(g.loss, inputs=g.inputs, params=g.parameters)
    source = prog.source()
    return source[source.index("def value_and_grad") :]


def generate(out: Path) -> list[Path]:
    path = out / NAME
    path.write_text(program_source().rstrip("\n") + "\n", encoding="utf-8")
    return [path]


if __name__ == "__main__":
    for p in generate(Path(__file__).resolve().parent / "images"):
        print(p)
