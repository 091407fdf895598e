"""Generate the outputs shown in docs/explain.md and docs/cli.md.

Everything here is produced by the library itself: explanations, the CLI's
output and the demo's cost plot.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

from autograd_lite import Value
from autograd_lite.cli import DEMO_EXAMPLE, main
from autograd_lite.teach.explain import explain, explain_forward
from autograd_lite.teach.lesson import explain_lesson, lesson_graph

CLI_EXPLAIN = [
    "explain",
    "sigmoid(w1*x1 + w2*x2 + b)",
    "--set",
    "w1=0.4",
    "x1=1.5",
    "w2=-0.8",
    "x2=-0.5",
    "b=0.1",
]
CLI_ASCII = ["explain", "sigmoid(x)", "--set", "x=1"]
CLI_ERRORS = [
    ["explain", "x.__class__", "--set", "x=1"],
    ["explain", "x*y", "--set", "x=1"],
    ["explain", "log(x)", "--set", "x=-1"],
]


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _run_cli_on(encoding: str, argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI with stdout and stderr in ``encoding``, as on a terminal in that locale."""
    out = io.TextIOWrapper(io.BytesIO(), encoding=encoding, newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="backslashreplace", newline="")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    texts = []
    for stream in (out, err):
        stream.flush()
        assert isinstance(stream.buffer, io.BytesIO)
        texts.append(stream.buffer.getvalue().decode(encoding))
    return code, texts[0], texts[1]


def _write(out: Path, name: str, text: str) -> Path:
    path = out / name
    path.write_text(text, encoding="utf-8")
    return path


def generate(out: Path) -> list[Path]:
    """Write the explanation and CLI outputs into ``out`` and return their paths."""
    written = []
    ex = DEMO_EXAMPLE
    g = lesson_graph(ex["x"], ex["y"], ex["w"], ex["b"])  # type: ignore[arg-type]
    written.append(_write(out, "explain_lesson.md", explain_lesson(g).to_markdown()))
    written.append(_write(out, "explain_lesson.txt", explain_lesson(g).to_text()))
    written.append(_write(out, "explain_lesson_steps.md", explain(g.loss).to_markdown()))
    # docs/forward-mode.md: both sweeps of the running example, forward along dw1 = 1.
    both = f"{explain_forward(g.loss, {g.w[0]: 1.0})}\n{explain(g.loss)}"
    written.append(_write(out, "forward_both_sweeps.txt", both))

    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = (x * y + x).named("f")
    e = explain(f)
    written.append(_write(out, "explain_small.txt", e.to_text()))
    written.append(_write(out, "explain_small.tex", e.to_latex()))
    written.append(_write(out, "explain_small_step.txt", e.step_text(1) + "\n"))

    code, text, _ = _run_cli(CLI_EXPLAIN)
    assert code == 0, "the CLI example failed"
    written.append(_write(out, "cli_explain.txt", "$ autograd-lite " + _quote(CLI_EXPLAIN) + text))

    code, text, err = _run_cli_on("ascii", CLI_ASCII)
    assert code == 0, "the ASCII CLI example failed"
    command = "$ PYTHONIOENCODING=ascii autograd-lite " + _quote(CLI_ASCII)
    written.append(_write(out, "cli_ascii.txt", command + text + err))

    lines = []
    for argv in CLI_ERRORS:
        code, _, err = _run_cli(argv)
        lines.append(f"$ autograd-lite {_quote(argv)}{err}(exit status {code})\n")
    written.append(_write(out, "cli_errors.txt", "".join(lines)))

    # The demo writes relative paths in its output, so run it from a scratch folder.
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            code, text, _ = _run_cli(["demo", "--out", "demo", "--epochs", "100"])
        finally:
            os.chdir(here)
        assert code == 0, "the demo failed"
        written.append(_write(out, "cli_demo.txt", "$ autograd-lite demo\n" + text))
        written.append(
            Path(shutil.copyfile(Path(tmp) / "demo" / "cost.svg", out / "demo_cost.svg"))
        )
    return written


def _quote(argv: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in argv) + "\n"


if __name__ == "__main__":
    print(generate(Path(__file__).parent / "images"))
