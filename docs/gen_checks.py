"""Generate the outputs of docs/explain.md's three checks and mistake sections."""

from __future__ import annotations

from pathlib import Path

from autograd_lite import Value
from autograd_lite.teach.explain import explain


def _write(out: Path, name: str, text: str) -> Path:
    path = out / name
    path.write_text(text, encoding="utf-8")
    return path


def generate(out: Path) -> list[Path]:
    """Write the explanations with checks and with a mistake into ``out``; return their paths."""
    x = Value(0.5, "x")
    y = Value(2.0, "y")
    u = (x * y).named("u")
    f = (u.tanh() + x.exp()).named("f")
    checked = explain(f, checks=True)
    a = Value(3.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    wrong = explain(c, mistake="overwrite")
    return [
        _write(out, "explain_checks.txt", str(checked)),
        _write(out, "explain_mistake.txt", str(wrong)),
        _write(out, "explain_mistake_step.txt", wrong.step_text(1) + "\n"),
    ]
